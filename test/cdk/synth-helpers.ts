/**
 * Shared set-up for the CDK tests: the stack synthesised with the same feature flags as
 * `cdk.json`, with bundling skipped the way `cdk synth --exclusively` skips it (context
 * `aws:cdk:bundling-stacks: []`), so a synth runs neither esbuild nor npm and the construct
 * needs no test-only props. The real bundles are built and run by test/e2e/artifact.test.ts.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CardOcrStack, type CardOcrStackProps } from '../../lib/card-ocr-stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export interface Synthesised {
  readonly app: App;
  readonly stack: CardOcrStack;
  readonly template: Template;
}

/** The feature flags of cdk.json, so tests synthesise what `cdk synth` does. */
export const CDK_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({ ...cdkJson.context });

/** cdk.json's context plus "bundle no stack": NodejsFunction assets are synthesised without esbuild. */
export const NO_BUNDLING_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({
  ...CDK_CONTEXT,
  'aws:cdk:bundling-stacks': [],
});

/** A fresh app that skips bundling (see the module comment). */
export function testApp(options: { builtinValidation?: boolean } = {}): App {
  return new App({ context: { ...NO_BUNDLING_CONTEXT }, builtinCloudFormationValidation: options.builtinValidation ?? false });
}

/**
 * Builds the stack (bundling skipped) and synthesises its template once.
 * `builtinValidation` runs CDK's CloudFormation schema validation too (about 15 s on the
 * first synth of a process); the assertion tests leave it to the cdk-nag test.
 */
export function synthStack(
  props: CardOcrStackProps = {},
  options: { builtinValidation?: boolean; stackName?: string; configureApp?: (app: App) => void } = {},
): Synthesised {
  const app = testApp(options);
  options.configureApp?.(app);
  const stack = new CardOcrStack(app, options.stackName ?? 'CardOcrTest', props);
  const template = Template.fromStack(stack);
  return { app, stack, template };
}
