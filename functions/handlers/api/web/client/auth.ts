/**
 * How the page gets the bearer token it calls /v1 with:
 * - `token` (local runner): the `#token=…` link printed by `cardocr serve`, or a pasted token,
 *   kept for this tab only (sessionStorage);
 * - `oauth` (AWS): OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) against the
 *   user pool's hosted sign-in — a public client, no secret. The access token is refreshed
 *   with the refresh token before it runs out (and once more on a 401); sign-out forgets
 *   both and ends the hosted session. Tokens stay in this tab's sessionStorage: nothing is
 *   copied by hand, nothing reaches a URL but the one-time code.
 */
import type { OAuthSignIn, PageConfig } from '../page-config.js';

const TOKEN_KEY = 'cardocr.token';
const OAUTH_KEY = 'cardocr.oauth';
const PKCE_KEY = 'cardocr.pkce';

interface OAuthTokens {
  readonly access: string;
  readonly refresh: string | null;
  /** Epoch ms. */
  readonly expiresAt: number;
}

interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
}

/** A sign-in that did not work, with what to tell the user. */
export class SignInError extends Error {}

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The page URL the sign-in server sends the user back to (registered as callback and logout URL). */
function redirectUri(): string {
  return `${window.location.origin}${window.location.pathname}`;
}

/** The token source of the page. */
export interface Auth {
  readonly mode: PageConfig['auth']['mode'];
  /** Finishes a sign-in redirect or takes a `#token=` link; call once at start-up. */
  start(): Promise<void>;
  /** The current bearer token (refreshed first when it is about to run out), or null when signed out. */
  token(): Promise<string | null>;
  /** After a 401: try to get a fresh token once; false when the user must sign in again. */
  recover(): Promise<boolean>;
  /** Token mode: use a pasted token. */
  useToken(value: string): void;
  /** OAuth: go to the sign-in page. */
  signIn(): Promise<void>;
  /** Forget the tokens (and, with OAuth, end the hosted session). */
  signOut(): void;
}

function tokenAuth(): Auth {
  return {
    mode: 'token',
    async start() {
      // The runner prints a URL with #token=…; the fragment never reaches a server. Keep it
      // for this tab only and remove it from the address bar and history straight away.
      const hash = window.location.hash.replace(/^#/, '');
      if (!hash) return;
      const value = new URLSearchParams(hash).get('token');
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      history.replaceState(null, '', window.location.pathname + window.location.search);
    },
    async token() {
      return sessionStorage.getItem(TOKEN_KEY);
    },
    async recover() {
      sessionStorage.removeItem(TOKEN_KEY);
      return false;
    },
    useToken(value) {
      sessionStorage.setItem(TOKEN_KEY, value);
    },
    async signIn() {},
    signOut() {
      sessionStorage.removeItem(TOKEN_KEY);
    },
  };
}

function oauthAuth(config: OAuthSignIn): Auth {
  let refreshing: Promise<boolean> | null = null;
  let timer: number | undefined;

  const load = (): OAuthTokens | null => {
    try {
      const raw = sessionStorage.getItem(OAUTH_KEY);
      return raw ? (JSON.parse(raw) as OAuthTokens) : null;
    } catch {
      return null;
    }
  };

  const save = (tokens: OAuthTokens | null): void => {
    if (tokens) sessionStorage.setItem(OAUTH_KEY, JSON.stringify(tokens));
    else sessionStorage.removeItem(OAUTH_KEY);
    schedule(tokens);
  };

  // Refresh ahead of expiry: a minute early, or halfway for short-lived tokens.
  function schedule(tokens: OAuthTokens | null): void {
    if (timer !== undefined) window.clearTimeout(timer);
    timer = undefined;
    if (!tokens?.refresh) return;
    const left = tokens.expiresAt - Date.now();
    const delay = Math.max(0, left - Math.min(60_000, left / 2));
    timer = window.setTimeout(() => void refresh(), delay);
  }

  async function tokenRequest(params: Record<string, string>): Promise<OAuthTokens> {
    const res = await fetch(config.token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ client_id: config.clientId, ...params }),
      credentials: 'omit',
      cache: 'no-store',
    });
    const data = (await res.json().catch(() => ({}))) as {
      access_token?: string;
      refresh_token?: string;
      expires_in?: number;
      error?: string;
      error_description?: string;
    };
    if (!res.ok || !data.access_token) {
      throw new SignInError(`The sign-in server refused (${data.error ?? `HTTP ${res.status}`}). Sign in again.`);
    }
    return {
      access: data.access_token,
      // A refresh grant does not always return a new refresh token: keep the one we have.
      refresh: data.refresh_token ?? params['refresh_token'] ?? null,
      expiresAt: Date.now() + (data.expires_in ?? 3600) * 1000,
    };
  }

  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const current = load();
      if (!current?.refresh) return false;
      try {
        save(await tokenRequest({ grant_type: 'refresh_token', refresh_token: current.refresh }));
        return true;
      } catch {
        save(null);
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  return {
    mode: 'oauth',
    async start() {
      const params = new URLSearchParams(window.location.search);
      const code = params.get('code');
      const error = params.get('error');
      if (!code && !error) {
        schedule(load());
        return;
      }
      // The code is single-use and the state was checked: take both out of the address bar.
      history.replaceState(null, '', window.location.pathname);
      const pendingRaw = sessionStorage.getItem(PKCE_KEY);
      sessionStorage.removeItem(PKCE_KEY);
      if (error) throw new SignInError(`Sign-in did not complete (${params.get('error_description') ?? error}). Try again.`);
      const pending = pendingRaw ? (JSON.parse(pendingRaw) as PendingSignIn) : null;
      if (!pending || pending.state !== params.get('state')) {
        throw new SignInError('That sign-in link was not started from this tab. Sign in again.');
      }
      save(
        await tokenRequest({ grant_type: 'authorization_code', code: code ?? '', redirect_uri: redirectUri(), code_verifier: pending.verifier }),
      );
    },
    async token() {
      let tokens = load();
      // The timer refreshes ahead of time; this catches a tab that slept through it.
      if (tokens && tokens.expiresAt - Date.now() < 1_500) {
        tokens = (await refresh()) ? load() : null;
      }
      return tokens?.access ?? null;
    },
    recover() {
      return refresh();
    },
    useToken() {},
    async signIn() {
      const verifier = randomString(48);
      const state = randomString(16);
      sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state } satisfies PendingSignIn));
      const url = new URL(config.authorize);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: config.clientId,
        redirect_uri: redirectUri(),
        scope: config.scopes.join(' '),
        state,
        code_challenge: await s256(verifier),
        code_challenge_method: 'S256',
      }).toString();
      window.location.assign(url.toString());
    },
    signOut() {
      save(null);
      const url = new URL(config.logout);
      url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri() }).toString();
      window.location.assign(url.toString());
    },
  };
}

/** The token source the page config asks for. */
export function createAuth(config: PageConfig['auth']): Auth {
  return config.mode === 'oauth' ? oauthAuth(config) : tokenAuth();
}
