#!/usr/bin/env node
/**
 * CDK app entry (`cdk.json` runs it with tsx): builds the stack, nothing else.
 *
 * Settings come from CDK context (`-c key=value` or `cdk.json`), never from the shell:
 * - `architecture`: `arm64` (default) or `x86_64`
 * - `removalPolicy`: `retain` (default) or `destroy` (empties and deletes buckets and tables)
 * - `allowedOrigins`: comma-separated extra browser origins for CORS (default none; e.g.
 *   `http://localhost:3000` to let a local page call a deployed API)
 * - `alarmEmail`: address subscribed to the alarm topic
 * - `monthlyBudgetUsd`: monthly cost budget alerting the alarm topic (default 50; 0 turns it off)
 * - `jwtIssuer` + `jwtAudience` (comma-separated): use an existing identity provider instead
 *   of the Cognito user pool the stack creates
 * - `stackName`: default `CardOcr`
 * - `tracing`: `true` turns on X-Ray active tracing (off by default: cost)
 * - `nag`: `false` skips the cdk-nag AwsSolutions and Serverless checks at synth
 */
import { App, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { CardOcrStack } from '../lib/card-ocr-stack.js';
import type { CardOcrPipelineProps } from '../lib/card-ocr-pipeline.js';

const app = new App();
const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};
const list = (key: string): string[] | undefined =>
  context(key)
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const architecture = context('architecture') ?? 'arm64';
if (architecture !== 'arm64' && architecture !== 'x86_64') {
  throw new Error(`context architecture must be arm64 or x86_64, got ${architecture}`);
}
const removalPolicy = context('removalPolicy') ?? 'retain';
if (removalPolicy !== 'retain' && removalPolicy !== 'destroy') {
  throw new Error(`context removalPolicy must be retain or destroy, got ${removalPolicy}`);
}

const allowedOrigins = list('allowedOrigins');
const jwtIssuer = context('jwtIssuer');
const jwtAudience = list('jwtAudience');
const alarmEmail = context('alarmEmail');
if ((jwtIssuer === undefined) !== (jwtAudience === undefined)) {
  throw new Error('context jwtIssuer and jwtAudience go together (or neither, for the Cognito user pool)');
}
const pipeline: CardOcrPipelineProps = {
  architecture: architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
  removalPolicy: removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  tracing: context('tracing') === 'true',
  api: {
    ...(allowedOrigins ? { allowedOrigins } : {}),
    ...(jwtIssuer && jwtAudience ? { jwt: { issuer: jwtIssuer, audience: jwtAudience } } : {}),
  },
};

const budget = context('monthlyBudgetUsd');
new CardOcrStack(app, context('stackName') ?? 'CardOcr', {
  pipeline,
  ...(alarmEmail ? { alarmEmail } : {}),
  ...(budget !== undefined ? { monthlyBudgetUsd: Number(budget) } : {}),
});

if (context('nag') !== 'false') {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
