/**
 * The OpenAPI 3.1 document, generated from the route definitions and zod schemas (no
 * hand-kept copy that could drift from what the routes validate).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

/** Version of the HTTP API described by the document. */
const API_VERSION = '1.0.0';

/** Registers the security scheme and serves the document at `/openapi.json`. */
export function registerOpenApi<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'Locally: the token printed by `cardocr serve` (CARDOCR_API_TOKEN). On AWS: a JWT accepted by the ' +
      "API Gateway authorizer (by default an access token from the stack's Cognito user pool, which the web " +
      'page gets by signing in: authorization code + PKCE).',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'card-ocr-pipeline API',
      version: API_VERSION,
      description:
        'Read payment cards from photos. Create a scan, upload its photo to the signed target, poll the scan ' +
        'until it is done or failed. Card numbers are only ever returned masked (first 6 + last 4 at most); ' +
        'where the card and its fields are on the photo comes as geometry only (points, no pixels). Every error, ' +
        'including 404 and 405 (with `Allow`), is `{error: {code, message}}`.',
    },
    tags: [
      { name: 'scans', description: 'Scans of card photos.' },
      { name: 'ops', description: 'Operations.' },
    ],
  });
}
