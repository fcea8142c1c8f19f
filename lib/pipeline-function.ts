/**
 * The Lambda functions of the pipeline: one factory, so the three share their defaults
 * (Node 22, JSON logs in an own log group with a retention, the bundling of
 * `lambda-bundling.ts`). Used by {@link SqsStage} and {@link ScanApi}.
 *
 * Tests that need no code skip bundling the way `cdk synth --exclusively` does, through the
 * `aws:cdk:bundling-stacks` context (`[]`): the construct has no test-only props.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlingFor, type PipelineFunctionKind } from './lambda-bundling.js';

export type { PipelineFunctionKind } from './lambda-bundling.js';

/** Lambda entry files, relative to the project root; each exports `handler`. */
export const HANDLER_ENTRIES: Readonly<Record<PipelineFunctionKind, string>> = Object.freeze({
  preprocess: 'functions/handlers/aws/preprocess-lambda.ts',
  read: 'functions/handlers/aws/read-lambda.ts',
  api: 'functions/handlers/aws/api-lambda.ts',
});

/**
 * Project root: the nearest directory above this module with a package-lock.json, so the
 * construct finds the handler sources whether it runs from lib/ (tsx) or from dist/lib/.
 */
export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) return `${dir}/`;
    if (dirname(dir) === dir) throw new Error(`CardOcrPipeline: no package-lock.json above ${from}`);
  }
}

/** Settings every function of one pipeline shares. */
export interface PipelineFunctionDefaults {
  readonly architecture: lambda.Architecture;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly tracing: lambda.Tracing;
}

/** One function: what differs between the three. */
export interface PipelineFunctionOptions {
  readonly kind: PipelineFunctionKind;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * CloudWatch Logs data protection for every log group of the pipeline: the managed card
 * number, security code and expiry identifiers are masked (and audited) on ingestion. The
 * handlers already redact; this catches what a future log line might let through.
 */
export function cardDataProtection(): logs.DataProtectionPolicy {
  return new logs.DataProtectionPolicy({
    name: 'card-ocr-card-data',
    description: 'Mask card numbers, security codes and expiry dates in the pipeline logs',
    identifiers: [logs.DataIdentifier.CREDITCARDNUMBER, logs.DataIdentifier.CREDITCARDSECURITYCODE, logs.DataIdentifier.CREDITCARDEXPIRATION],
  });
}

/**
 * A bundled Node.js function with its own log group (`<id>Logs`, card data masked). Returns
 * the concrete class so its owner can grant and wire it; owners expose it as `IFunction`.
 */
export function createPipelineFunction(
  scope: Construct,
  id: string,
  defaults: PipelineFunctionDefaults,
  options: PipelineFunctionOptions,
): NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: defaults.logRetention,
    removalPolicy: defaults.removalPolicy,
    dataProtectionPolicy: cardDataProtection(),
  });
  return new NodejsFunction(scope, id, {
    description: options.description,
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: defaults.architecture,
    memorySize: options.memorySize,
    timeout: options.timeout,
    environment: { ...options.environment },
    logGroup,
    loggingFormat: lambda.LoggingFormat.JSON,
    tracing: defaults.tracing,
    entry: `${PROJECT_ROOT}${HANDLER_ENTRIES[options.kind]}`,
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
    bundling: bundlingFor(defaults.architecture, options.kind),
  });
}
