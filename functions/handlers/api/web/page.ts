/**
 * Serves the web page: markup, styles and icon from strings in this folder, and the script
 * bundled from typed TypeScript (client/app.ts) by esbuild at build time (app-bundle.gen.ts),
 * under a strict Content-Security-Policy (scripts and styles from this origin only, no
 * inline code; uploads may go to this origin and to the configured upload origins; the
 * sign-in server's token endpoint is the only other origin the page may call).
 *
 * The page learns how to sign in and the upload limit from a `<meta name="cardocr-config">`
 * tag filled in here (see {@link PageConfig}): no inline script, no extra round trip, and the
 * figure it checks a photo against is the one the API enforces.
 */
import type { Env, Hono } from 'hono';
import type { ApiConfig, LimitsConfig } from '../../../core/config.js';
import { UPLOAD_TYPES } from '../../../core/scan-service.js';
import { APP_SCRIPT } from './app-bundle.gen.js';
import { INDEX_HTML } from './index-html.js';
import type { PageConfig } from './page-config.js';
import { STYLES } from './styles.js';

export type { PageConfig } from './page-config.js';

export interface WebPageOptions {
  /** Origins the page may upload photos to besides its own (e.g. the S3 bucket on AWS). */
  readonly uploadOrigins?: readonly string[];
  /** What the page is told (sign-in, limits); default: bearer token, the default limit. */
  readonly config?: PageConfig;
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="7" width="28" height="18" rx="3" ' +
  'fill="#0b5fff"/><rect x="2" y="11" width="28" height="3" fill="#1b1f24"/><rect x="6" y="18" width="12" height="2" ' +
  'rx="1" fill="#fff"/></svg>';

/** Cognito's endpoint layout under a hosted UI / managed login domain. */
function cognitoEndpoints(domain: string): { authorize: string; token: string; logout: string } {
  const base = domain.replace(/\/+$/, '');
  return { authorize: `${base}/oauth2/authorize`, token: `${base}/oauth2/token`, logout: `${base}/logout` };
}

/**
 * The page configuration from the API's config: OAuth sign-in (authorization code + PKCE)
 * when a sign-in domain and client are configured and the API sits behind the gateway's JWT
 * authorizer; otherwise the bearer token of the local runner.
 */
export function pageConfigFrom(config: { readonly api: ApiConfig; readonly limits: LimitsConfig }, authMode: 'bearer' | 'gateway'): PageConfig {
  const { signInDomain, signInClientId } = config.api;
  const auth: PageConfig['auth'] =
    authMode === 'gateway' && signInDomain && signInClientId
      ? { mode: 'oauth', clientId: signInClientId, scopes: ['openid', 'email'], ...cognitoEndpoints(signInDomain) }
      : { mode: 'token' };
  return { auth, maxInputBytes: config.limits.maxInputBytes, acceptedTypes: [...UPLOAD_TYPES] };
}

const DEFAULT_PAGE_CONFIG: PageConfig = {
  auth: { mode: 'token' },
  maxInputBytes: 15 * 1024 * 1024,
  acceptedTypes: [...UPLOAD_TYPES],
};

/** The page's Content-Security-Policy. */
function pageCsp(uploadOrigins: readonly string[], config: PageConfig): string {
  const origins = uploadOrigins.map((o) => new URL(o).origin);
  // The token endpoint is called with fetch (code exchange and refresh); authorize and
  // logout are top-level navigations, which connect-src does not govern.
  if (config.auth.mode === 'oauth') origins.push(new URL(config.auth.token).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: the user's own photo, shown from an object URL (it never goes anywhere else).
    "img-src 'self' blob:",
    ['connect-src', "'self'", ...new Set(origins)].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** HTML-attribute escaping for the JSON in the config meta tag. */
function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Adds `/`, `/assets/app.js`, `/assets/app.css` and `/assets/icon.svg` to the app. */
export function registerWebPage<E extends Env>(app: Hono<E>, options: WebPageOptions = {}): void {
  const config = options.config ?? DEFAULT_PAGE_CONFIG;
  const csp = pageCsp(options.uploadOrigins ?? [], config);
  const html = INDEX_HTML.replace('__CARDOCR_CONFIG__', attr(JSON.stringify(config)));
  app.get('/', (c) => {
    c.header('Content-Security-Policy', csp);
    return c.html(html);
  });
  app.get('/assets/app.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(APP_SCRIPT);
  });
  app.get('/assets/app.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    return c.body(STYLES);
  });
  app.get('/assets/icon.svg', (c) => {
    c.header('Content-Type', 'image/svg+xml');
    return c.body(ICON_SVG);
  });
}
