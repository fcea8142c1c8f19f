/**
 * `ScanApi`: the HTTP API of the pipeline — an API Gateway HTTP API with a JWT authorizer in
 * front of one Lambda function (the Hono app), and the Cognito user pool behind the default
 * authorizer when no external identity provider is given.
 */
import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../functions/core/env-names.js';
import { AlarmSet } from './alarms.js';
import { cardDataProtection, createPipelineFunction, type PipelineFunctionDefaults } from './pipeline-function.js';

/** GET routes served without the JWT authorizer. */
export const PUBLIC_ROUTES: readonly string[] = Object.freeze(['/healthz', '/openapi.json', '/', '/assets/{proxy+}']);

/** An existing OpenID Connect identity provider for the JWT authorizer. */
export interface JwtIssuerProps {
  /** Issuer URL (the `iss` claim), e.g. `https://login.example.com/`. */
  readonly issuer: string;
  /** Accepted audiences (`aud` or `client_id` claim); at least one. */
  readonly audience: readonly string[];
}

/** Default admin group: its members see every user's scans (the runtime's default too). */
export const DEFAULT_ADMIN_GROUP = 'cardocr-admin';

/** Default per-user quotas on scan creation (the runtime's defaults too; test/cdk checks both agree). */
export const DEFAULT_SCAN_QUOTA = Object.freeze({ perMinute: 10, perDay: 200 });

/** Per-user quotas on scan creation; 0 turns a window off. */
export interface ScanQuotaProps {
  /** @default 10 */
  readonly perMinute?: number;
  /** @default 200 */
  readonly perDay?: number;
}

/** Settings of the API (nested under `api` in the pipeline props). */
export interface ScanApiOptions {
  /**
   * Cognito group whose members see and delete every user's scans (everyone else sees only
   * their own). The construct creates the group in the user pool it creates; with `jwt`, the
   * issuer must put the group in a `cognito:groups` claim.
   * @default 'cardocr-admin'
   */
  readonly adminGroup?: string;
  /**
   * Per-user quotas on scan creation (429 with Retry-After beyond), counted in the results
   * table so they hold across function instances. They bound what one account can spend; see
   * the README's worst-case daily spend.
   * @default { perMinute: 10, perDay: 200 }
   */
  readonly scanQuota?: ScanQuotaProps;
  /**
   * Memory of the API function, MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Other browser origins allowed to call the API and to POST uploads to the bucket (CORS),
   * exact ones such as `https://cards.example.com`. The web page the API serves needs none
   * (same origin; the bucket always accepts uploads from the API's own origin). A deployed
   * stack never trusts `http://localhost` unless it is listed here.
   * @default [] (no cross-origin callers)
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Use an existing identity provider for the JWT authorizer on `/v1` routes.
   * @default - a Cognito user pool and app client created by the construct
   */
  readonly jwt?: JwtIssuerProps;
  /**
   * MFA of the created Cognito user pool (TOTP apps only, no SMS).
   * @default cognito.Mfa.REQUIRED
   */
  readonly userPoolMfa?: cognito.Mfa;
  /**
   * Prefix of the Cognito hosted sign-in domain of the created user pool
   * (`https://<prefix>.auth.<region>.amazoncognito.com`); must be unique in the region.
   * @default `cardocr-` + the last 12 hex digits of the stack's id (unique per stack)
   */
  readonly signInDomainPrefix?: string;
  /**
   * Lifetime of a presigned upload target.
   * @default Duration.minutes(5)
   */
  readonly uploadExpires?: Duration;
  /**
   * Steady-state request rate limit of the API stage, requests per second.
   * @default 20
   */
  readonly rateLimit?: number;
  /**
   * Burst limit of the API stage, requests.
   * @default 40
   */
  readonly burstLimit?: number;
  /**
   * Rate limit of each public route (health, OpenAPI, web page), requests per second. Separate
   * from the `/v1` limits, so an anonymous flood of public routes cannot use up the
   * authenticated users' share.
   * @default 5 (burst 10)
   */
  readonly publicRateLimit?: number;
}

/** Everything the API is built from (set by {@link CardOcrPipeline}). */
export interface ScanApiProps extends ScanApiOptions {
  /** Environment of the API function (storage names, limits). */
  readonly environment: Readonly<Record<string, string>>;
  readonly functionDefaults: PipelineFunctionDefaults;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

function validate(props: ScanApiOptions): void {
  if (props.jwt && props.jwt.audience.length === 0) {
    throw new Error('CardOcrPipeline: api.jwt.audience must list at least one audience');
  }
  if (props.allowedOrigins?.some((o) => o === '*')) {
    throw new Error("CardOcrPipeline: list exact api.allowedOrigins; '*' is not accepted");
  }
  if (props.publicRateLimit !== undefined && !(props.publicRateLimit > 0)) {
    throw new Error(`CardOcrPipeline: api.publicRateLimit must be a positive number of requests per second, got ${props.publicRateLimit}`);
  }
  for (const [name, value] of Object.entries(props.scanQuota ?? {})) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new Error(`CardOcrPipeline: api.scanQuota.${name} must be a whole number of scans (0 turns it off), got ${value}`);
    }
  }
  if (props.adminGroup !== undefined && !/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(props.adminGroup)) {
    throw new Error(`CardOcrPipeline: api.adminGroup must be a Cognito group name (1–128 characters, no spaces), got ${props.adminGroup}`);
  }
  const expires = props.uploadExpires?.toSeconds();
  if (expires !== undefined && (expires < 30 || expires > 3600)) {
    throw new Error(`CardOcrPipeline: api.uploadExpires must be 30 s to 1 hour, got ${expires} s`);
  }
}

/** HTTP API + JWT authorizer + the API function (+ a Cognito user pool by default). */
export class ScanApi extends Construct {
  /** The API function (the Hono app). */
  public readonly function: lambda.IFunction;
  /** The HTTP API: `/v1/{proxy+}` behind the JWT authorizer, the public routes without. */
  public readonly httpApi: apigw.IHttpApi;
  /** The `$default` stage. */
  public readonly stage: apigw.IHttpStage;
  /** Base URL of the API (ends with `/`). */
  public readonly url: string;
  /** Origins allowed by CORS (the bucket allows browser uploads from them and from the API itself). */
  public readonly allowedOrigins: readonly string[];
  /** The user pool behind the default JWT authorizer; undefined with `jwt`. */
  public readonly userPool?: cognito.IUserPool;
  /** The public app client of `userPool` (its id is the JWT audience); undefined with `jwt`. */
  public readonly userPoolClient?: cognito.IUserPoolClient;
  /** Function errors and throttles, API 5xx. */
  public readonly alarms: AlarmSet;

  readonly #fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: ScanApiProps) {
    super(scope, id);
    validate(props);
    this.allowedOrigins = Object.freeze([...(props.allowedOrigins ?? [])]);

    this.#fn = createPipelineFunction(this, 'Function', props.functionDefaults, {
      kind: 'api',
      description: 'Card OCR: results API (Hono) behind API Gateway',
      memorySize: props.memorySize ?? 512,
      timeout: Duration.seconds(10), // behind API Gateway (30 s integration timeout); requests are small
      environment: props.environment,
    });
    this.function = this.#fn;

    const httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Card OCR results API',
      createDefaultStage: false,
      // No CORS configuration at all without cross-origin callers: browsers then refuse
      // cross-origin calls outright.
      ...(this.allowedOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...this.allowedOrigins],
              allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.DELETE],
              allowHeaders: ['authorization', 'content-type'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.httpApi = httpApi;

    let issuer: string;
    let audience: string[];
    if (props.jwt) {
      issuer = props.jwt.issuer;
      audience = [...props.jwt.audience];
    } else {
      // The page the API serves at its root is where sign-in returns to and sign-out lands.
      const { userPool, client, domain } = this.createUserPool(props, `${httpApi.apiEndpoint}/`);
      this.userPool = userPool;
      this.userPoolClient = client;
      issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
      audience = [client.userPoolClientId];
      // The page learns where to sign in from the API (page config), not from a pasted token.
      this.#fn.addEnvironment(ENV.signInDomain, domain.baseUrl());
      this.#fn.addEnvironment(ENV.signInClientId, client.userPoolClientId);
    }
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', issuer, { jwtAudience: audience });
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
      dataProtectionPolicy: cardDataProtection(),
    });
    const stage = new apigw.HttpStage(this, 'Stage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 20, burstLimit: props.burstLimit ?? 40 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // Structured JSON; no query strings or bodies, so no card data can reach the logs.
        format: accessLogFormat(),
      },
    });
    this.stage = stage;
    this.url = stage.url;

    const integration = new HttpLambdaIntegration('Integration', this.#fn);
    // Every /v1 route needs a valid JWT; OPTIONS is left to API Gateway's CORS preflight. PUT and
    // PATCH reach the app too, so a signed-in caller gets its 405 {error} with Allow, not a gateway 404.
    httpApi.addRoutes({
      path: '/v1/{proxy+}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST, apigw.HttpMethod.DELETE, apigw.HttpMethod.PUT, apigw.HttpMethod.PATCH],
      integration,
      authorizer,
    });
    // Anything else goes to the app as well (no authorizer, nothing behind it): unknown paths get
    // its JSON 404, other methods on the public paths its 405 with Allow, and a /v1 request that
    // skipped the JWT routes its 401 (the app refuses requests without the authorizer's claims).
    new apigw.HttpRoute(httpApi, 'DefaultRoute', { httpApi, routeKey: apigw.HttpRouteKey.DEFAULT, integration });
    // Public by design, no data behind them: health, the API description and the web page
    // (static HTML/JS/CSS; the page signs in through the user pool's hosted UI and calls /v1 with the token).
    for (const path of PUBLIC_ROUTES) httpApi.addRoutes({ path, methods: [apigw.HttpMethod.GET], integration });
    // Per-route throttles for the public routes (the L2 stage sets only the default route settings).
    // RouteSettings is untyped JSON in the L1, so it is written in CloudFormation's own casing.
    const publicRate = props.publicRateLimit ?? 5;
    (stage.node.defaultChild as apigw.CfnStage).routeSettings = Object.fromEntries(
      [...PUBLIC_ROUTES.map((path) => `GET ${path}`), '$default'].map((key) => [
        key,
        { ThrottlingRateLimit: publicRate, ThrottlingBurstLimit: Math.max(1, 2 * publicRate) },
      ]),
    );

    const period = Duration.minutes(5);
    this.alarms = new AlarmSet(this);
    this.alarms.add('ErrorsAlarm', {
      metric: this.#fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      description: 'The api function failed (uncaught error or timeout).',
    });
    this.alarms.add('ThrottlesAlarm', {
      metric: this.#fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      description: "The api function was throttled: the account's concurrency is exhausted.",
    });
    // The Hono app answers its own exceptions with 500, which Lambda does not count as errors.
    this.alarms.add('ServerErrorsAlarm', {
      metric: stage.metricServerError({ period, statistic: cloudwatch.Stats.SUM }),
      threshold: 5,
      description: 'The API answered 5xx five times or more in 5 minutes.',
    });
  }

  /** Adds an environment variable to the API function. */
  public addEnvironment(key: string, value: string): void {
    this.#fn.addEnvironment(key, value);
  }

  /**
   * The default identity provider: an invite-only Cognito user pool, its hosted sign-in
   * domain and a public app client for the web page (authorization code + PKCE).
   */
  private createUserPool(
    props: ScanApiProps,
    pageUrl: string,
  ): { userPool: cognito.UserPool; client: cognito.UserPoolClient; domain: cognito.UserPoolDomain } {
    const userPool = new cognito.UserPool(this, 'UserPool', {
      // Users are invited by an administrator; nobody can sign up to a card-reading API.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: props.userPoolMfa ?? cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
    // Hosted sign-in (first sign-in sets the password and the authenticator app, then TOTP).
    // The default prefix comes from the stack's id, so two stacks never ask for the same one.
    const stackUuid = Fn.select(2, Fn.split('/', Stack.of(this).stackId));
    const domain = userPool.addDomain('SignInDomain', {
      cognitoDomain: { domainPrefix: props.signInDomainPrefix ?? Fn.join('-', ['cardocr', Fn.select(4, Fn.split('-', stackUuid))]) },
    });
    const client = userPool.addClient('ApiClient', {
      // Public client (browser, CLI): no secret. The page signs in with the authorization code
      // flow + PKCE (Cognito requires PKCE's S256 from public clients that send a challenge);
      // SRP and password auth stay for `aws cognito-idp` scripts.
      generateSecret: false,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [pageUrl],
        logoutUrls: [pageUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      authFlows: { userSrp: true, userPassword: true },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    // Tenancy: the group whose members see every user's scans (`cognito:groups` in their tokens).
    new cognito.CfnUserPoolGroup(this, 'AdminGroup', {
      userPoolId: userPool.userPoolId,
      groupName: props.adminGroup ?? DEFAULT_ADMIN_GROUP,
      description: "Card OCR admins: see and delete every user's scans",
    });
    return { userPool, client, domain };
  }
}

/** Structured JSON access-log format for the API stage (no query string, no body). */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      integrationLatency: '$context.integrationLatency',
      authorizerError: '$context.authorizer.error',
    }),
  );
}
