/**
 * Authentication of /v1 routes. Two modes, one per runtime:
 * - `bearer` (local): the operator's token (principal `local`, an admin) and optional tokens of
 *   extra users (each their own principal, not admin), checked by `hono/bearer-auth`
 *   (constant-time compare of every configured token);
 * - `gateway` (AWS): API Gateway's JWT authorizer has verified the caller before the Lambda
 *   runs; the principal is the JWT `sub`, and members of the admin Cognito group (the
 *   `cognito:groups` claim) are admins. The app still refuses any request that arrives
 *   without the authorizer's claims, so a route deployed without the authorizer fails closed
 *   instead of going anonymous.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { LOCAL_OPERATOR } from '../../core/config.js';
import type { Caller } from '../../core/scan-service.js';
import { errorResponse } from './error-mapping.js';

export type AuthOptions =
  | {
      readonly mode: 'bearer';
      /** The operator's token: principal `local`, an admin (sees every scan, folder drops included). */
      readonly token: string;
      /** Extra users, principal → token: each sees only their own scans. */
      readonly users?: Readonly<Record<string, string>>;
    }
  | {
      readonly mode: 'gateway';
      /** Members of this Cognito group are admins (default `cardocr-admin`). */
      readonly adminGroup?: string;
      /** Reads the verified caller from the request; defaults to the HTTP API JWT authorizer's claims. */
      readonly callerFrom?: (c: Context) => Caller | null;
    };

/** Hono variables set by the auth middleware. */
export interface AuthVariables {
  /** Who is calling: `local` or a user name in bearer mode, the JWT subject in gateway mode. */
  principal: string;
  /** The verified caller (principal + whether it is an admin), for the scan service. */
  caller: Caller;
}

/** Default admin group of gateway mode (matches the config default). */
export const DEFAULT_ADMIN_GROUP = 'cardocr-admin';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The groups of a `cognito:groups` claim. An HTTP API JWT authorizer passes array claims
 * flattened to a string, `[a b]`; a REST API or a test may pass a real array.
 */
export function groupsOfClaim(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === 'string');
  if (typeof claim !== 'string') return [];
  const inner = claim.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner.split(/[\s,]+/).map((g) => g.replace(/^"|"$/g, '')).filter(Boolean);
}

/**
 * The caller from the JWT authorizer's claims of an API Gateway HTTP API (payload v2) event,
 * as passed by `hono/aws-lambda` in `c.env.event`.
 */
export function callerFromGatewayEvent(c: Context, adminGroup: string = DEFAULT_ADMIN_GROUP): Caller | null {
  const env: unknown = c.env;
  const event = isObject(env) ? env['event'] : undefined;
  const requestContext = isObject(event) ? event['requestContext'] : undefined;
  const authorizer = isObject(requestContext) ? requestContext['authorizer'] : undefined;
  const jwt = isObject(authorizer) ? authorizer['jwt'] : undefined;
  const claims = isObject(jwt) ? jwt['claims'] : undefined;
  if (!isObject(claims)) return null;
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.length === 0) return null;
  return { principal: sub, admin: groupsOfClaim(claims['cognito:groups']).includes(adminGroup) };
}

/** Middleware that rejects unauthenticated requests with 401 and sets `principal` and `caller`. */
export function authMiddleware(options: AuthOptions): MiddlewareHandler<{ Variables: AuthVariables }> {
  if (options.mode === 'bearer') {
    const callers = new Map<string, Caller>([[options.token, { principal: LOCAL_OPERATOR, admin: true }]]);
    for (const [principal, token] of Object.entries(options.users ?? {})) {
      if (principal === LOCAL_OPERATOR) throw new RangeError(`"${LOCAL_OPERATOR}" is the operator's principal; name the user otherwise`);
      if (callers.has(token)) throw new RangeError(`user ${principal} has the same token as another user; give each user a token of their own`);
      callers.set(token, { principal, admin: false });
    }
    for (const token of callers.keys()) {
      if (token.length < 16) throw new RangeError('every API token must be at least 16 characters');
    }
    // One answer for a missing header, another scheme and a wrong token: 401 with the API's error body.
    const deny = (c: Context) =>
      errorResponse(c, 'unauthorized', 'a valid bearer token is required', { 'WWW-Authenticate': 'Bearer realm="cardocr"' });
    const check = bearerAuth<{ Variables: AuthVariables }>({
      token: [...callers.keys()],
      realm: 'cardocr',
      noAuthenticationHeader: { message: deny },
      invalidAuthenticationHeader: { message: deny },
      invalidToken: { message: deny },
    });
    return async (c, next) =>
      check(c, async () => {
        // bearer-auth accepted one of the tokens (constant-time): find whose it is.
        const presented = (c.req.header('Authorization') ?? '').replace(/^Bearer\s+/i, '').trim();
        const caller = callers.get(presented);
        if (!caller) {
          c.res = deny(c);
          return;
        }
        c.set('principal', caller.principal);
        c.set('caller', caller);
        await next();
      });
  }
  const adminGroup = options.adminGroup ?? DEFAULT_ADMIN_GROUP;
  return async (c, next) => {
    const caller = options.callerFrom ? options.callerFrom(c) : callerFromGatewayEvent(c, adminGroup);
    if (!caller) return errorResponse(c, 'unauthorized', 'the request carries no verified caller');
    c.set('principal', caller.principal);
    c.set('caller', caller);
    await next();
  };
}
