/**
 * Shared set-up for the CDK tests: the stack synthesised with the same feature flags as
 * `cdk.json`, with the Lambda code stubbed (`Code.fromInline`), so a synth takes well under
 * a second and needs neither esbuild nor the handler sources.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { CardOcrStack, type CardOcrStackProps } from '../../lib/card-ocr-stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Stub code for all three functions. */
export const STUB_CODE = {
  preprocess: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  read: Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
  api: Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
};

export interface Synthesised {
  readonly app: App;
  readonly stack: CardOcrStack;
  readonly template: Template;
}

/** The feature flags of cdk.json, so tests synthesise what `cdk synth` does. */
export const CDK_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({ ...cdkJson.context });

/**
 * Builds the stack (bundling stubbed) and synthesises its template once.
 * `builtinValidation` runs CDK's CloudFormation schema validation too (about 15 s on the
 * first synth of a process); the assertion tests leave it to the cdk-nag test.
 */
export function synthStack(
  props: CardOcrStackProps = {},
  options: { builtinValidation?: boolean; stackName?: string; configureApp?: (app: App) => void } = {},
): Synthesised {
  const app = new App({ context: { ...CDK_CONTEXT }, builtinCloudFormationValidation: options.builtinValidation ?? false });
  options.configureApp?.(app);
  const stack = new CardOcrStack(app, options.stackName ?? 'CardOcrTest', {
    ...props,
    pipeline: { ...props.pipeline, codeOverride: STUB_CODE },
  });
  const template = Template.fromStack(stack);
  return { app, stack, template };
}
