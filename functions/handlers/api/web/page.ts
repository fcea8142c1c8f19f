/**
 * Serves the web page: markup, styles and icon from strings in this folder, and the script
 * bundled from typed TypeScript (client/app.ts) by esbuild at build time (app-bundle.gen.ts),
 * under a strict Content-Security-Policy (scripts and styles from this origin only, no
 * inline code; uploads may go to this origin and to the configured upload origins).
 */
import type { Env, Hono } from 'hono';
import { APP_SCRIPT } from './app-bundle.gen.js';
import { INDEX_HTML } from './index-html.js';
import { STYLES } from './styles.js';

export interface WebPageOptions {
  /** Origins the page may upload photos to besides its own (e.g. the S3 bucket on AWS). */
  readonly uploadOrigins?: readonly string[];
}

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="7" width="28" height="18" rx="3" ' +
  'fill="#0b5fff"/><rect x="2" y="11" width="28" height="3" fill="#1b1f24"/><rect x="6" y="18" width="12" height="2" ' +
  'rx="1" fill="#fff"/></svg>';

/** The page's Content-Security-Policy. */
function pageCsp(uploadOrigins: readonly string[] = []): string {
  const origins = uploadOrigins.map((o) => new URL(o).origin);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    ['connect-src', "'self'", ...origins].join(' '),
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Adds `/`, `/assets/app.js`, `/assets/app.css` and `/assets/icon.svg` to the app. */
export function registerWebPage<E extends Env>(app: Hono<E>, options: WebPageOptions = {}): void {
  const csp = pageCsp(options.uploadOrigins);
  app.get('/', (c) => {
    c.header('Content-Security-Policy', csp);
    return c.html(INDEX_HTML);
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
