/**
 * Authentication of /v1 routes. Two modes, one per runtime:
 * - `bearer` (local): a shared token, checked by `hono/bearer-auth` (constant-time compare);
 * - `gateway` (AWS): API Gateway's JWT authorizer has verified the caller before the Lambda
 *   runs; the app still refuses any request that arrives without the authorizer's claims,
 *   so a route deployed without the authorizer fails closed instead of going anonymous.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { errorResponse } from './error-mapping.js';

export type AuthOptions =
  | { readonly mode: 'bearer'; readonly token: string }
  | {
      readonly mode: 'gateway';
      /** Reads the verified caller from the request; defaults to the HTTP API JWT authorizer's `sub` claim. */
      readonly principalFrom?: (c: Context) => string | null;
    };

/** Hono variables set by the auth middleware. */
export interface AuthVariables {
  /** Who is calling: `token` in bearer mode, the JWT subject in gateway mode. */
  principal: string;
}

/**
 * The JWT authorizer's subject from an API Gateway HTTP API (payload v2) event, as passed by
 * `hono/aws-lambda` in `c.env.event`.
 */
function jwtSubjectFromGatewayEvent(c: Context): string | null {
  const env: unknown = c.env;
  const event = isObject(env) ? env['event'] : undefined;
  const requestContext = isObject(event) ? event['requestContext'] : undefined;
  const authorizer = isObject(requestContext) ? requestContext['authorizer'] : undefined;
  const jwt = isObject(authorizer) ? authorizer['jwt'] : undefined;
  const claims = isObject(jwt) ? jwt['claims'] : undefined;
  const sub = isObject(claims) ? claims['sub'] : undefined;
  return typeof sub === 'string' && sub.length > 0 ? sub : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Middleware that rejects unauthenticated requests with 401 and sets `principal`. */
export function authMiddleware(options: AuthOptions): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (options.mode === 'bearer') {
    if (options.token.length < 16) throw new RangeError('the API token must be at least 16 characters');
    // One answer for a missing header, another scheme and a wrong token: 401 with the API's error body.
    const deny = (c: Context) =>
      errorResponse(c, 'unauthorized', 'a valid bearer token is required', { 'WWW-Authenticate': 'Bearer realm="cardocr"' });
    const check = bearerAuth<{ Variables: AuthVariables }>({
      token: options.token,
      realm: 'cardocr',
      noAuthenticationHeader: { message: deny },
      invalidAuthenticationHeader: { message: deny },
      invalidToken: { message: deny },
    });
    return async (c, next) =>
      check(c, async () => {
        c.set('principal', 'token');
        await next();
      });
  }
  return async (c, next) => {
    const principal = (options.principalFrom ?? jwtSubjectFromGatewayEvent)(c);
    if (!principal) return errorResponse(c, 'unauthorized', 'the request carries no verified caller');
    c.set('principal', principal);
    await next();
  };
}
