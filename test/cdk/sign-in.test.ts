/**
 * The web page's sign-in on AWS (issue 11): the stack's Cognito user pool has a hosted
 * sign-in domain, its public app client takes the authorization code flow (the page adds
 * PKCE) back to the page the API serves, and the API function is told where to sign in.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/env-names.js';
import { synthStack, type Synthesised } from './synth-helpers.js';

type Resource = { Type: string; Properties: Record<string, any> };

describe('sign-in of the web page (Cognito hosted UI, authorization code + PKCE)', () => {
  let synth: Synthesised;
  let resources: Record<string, Resource>;
  const only = (type: string) => {
    const ids = Object.keys(resources).filter((id) => resources[id]!.Type === type);
    expect(ids, type).toHaveLength(1);
    return ids[0]!;
  };

  beforeAll(() => {
    synth = synthStack();
    resources = synth.template.toJSON().Resources as Record<string, Resource>;
  });

  it('gives the user pool a hosted sign-in domain with a per-stack prefix', () => {
    const domain = resources[only('AWS::Cognito::UserPoolDomain')]!.Properties;
    expect(domain.UserPoolId).toEqual({ Ref: only('AWS::Cognito::UserPool') });
    // cardocr-<last group of the stack id's UUID>: unique per stack, not a guessable constant.
    expect(JSON.stringify(domain.Domain)).toContain('AWS::StackId');
    expect(JSON.stringify(domain.Domain)).toContain('cardocr');
  });

  it('lets the public client sign in with an authorization code, back to the page the API serves, and nowhere else', () => {
    const client = resources[only('AWS::Cognito::UserPoolClient')]!.Properties;
    const api = only('AWS::ApiGatewayV2::Api');
    const page = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [api, 'ApiEndpoint'] }, '/']] };
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...client.AllowedOAuthScopes].sort()).toEqual(['email', 'openid']);
    expect(client.CallbackURLs).toEqual([page]);
    expect(client.LogoutURLs).toEqual([page]);
    expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
    // No implicit flow: tokens never travel in a URL.
    expect(client.AllowedOAuthFlows).not.toContain('implicit');
  });

  it('tells the API function the hosted UI domain and the client id (the page config comes from them)', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('results API'),
      Environment: {
        Variables: Match.objectLike({
          [ENV.signInClientId]: { Ref: only('AWS::Cognito::UserPoolClient') },
          [ENV.signInDomain]: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
        }),
      },
    });
  });

  it('an external issuer has no hosted sign-in: the page keeps asking for a token', () => {
    const custom = synthStack({ pipeline: { api: { jwt: { issuer: 'https://login.example.com/', audience: ['cards'] } } } });
    custom.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 0);
    const fns = custom.template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('results API') } });
    for (const fn of Object.values(fns)) expect(fn.Properties.Environment.Variables[ENV.signInDomain]).toBeUndefined();
  });
});
