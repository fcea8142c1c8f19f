/**
 * What the server tells the page (the `<meta name="cardocr-config">` tag): how to sign in and
 * which photos to accept. Types only, shared by the server (page.ts) and the browser script
 * (client/app.ts), so the two cannot disagree on the shape.
 */

/** OAuth 2.0 authorization code flow with PKCE against a public client (no secret). */
export interface OAuthSignIn {
  readonly mode: 'oauth';
  readonly clientId: string;
  /** Authorization endpoint (a top-level navigation). */
  readonly authorize: string;
  /** Token endpoint (code exchange and refresh, by fetch). */
  readonly token: string;
  /** Sign-out endpoint (Cognito `/logout`: `client_id` + `logout_uri`). */
  readonly logout: string;
  readonly scopes: readonly string[];
}

/** The local runner's bearer token (from the `#token=` link, or typed in). */
export interface TokenSignIn {
  readonly mode: 'token';
}

export interface PageConfig {
  readonly auth: OAuthSignIn | TokenSignIn;
  /** Largest photo the API accepts, bytes (config limits.maxInputBytes). */
  readonly maxInputBytes: number;
  /** Photo types the API accepts. */
  readonly acceptedTypes: readonly string[];
}
