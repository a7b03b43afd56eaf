// Talking to the service (API.md): JSON in and out, `Accept-Language` in the page's language so
// problem details come back in it, and the member's tokens, which live only in this tab's
// sessionStorage (never localStorage, never any personal data).

import { language, t } from './i18n.js';

/**
 * One request. Answers `{ ok, status, body, retryAfter }`; a failure's `body` is the problem+json,
 * and when the server cannot be reached a problem is made up here so that callers handle one shape.
 * `idempotencyKey` goes out as `Idempotency-Key` (the POSTs API.md makes idempotent).
 */
export async function request(method, path, { body, token, idempotencyKey } = {}) {
  const headers = { Accept: 'application/json, application/problem+json', 'Accept-Language': language() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const keys = typeof idempotencyKey === 'function' ? idempotencyKey : null;
  if (idempotencyKey) headers['Idempotency-Key'] = keys ? keys(body) : idempotencyKey;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    return { ok: false, status: 0, body: { code: 'network', title: t('error.summary'), detail: t('error.network') } };
  }
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok && (!parsed || typeof parsed !== 'object')) {
    parsed = { code: 'unknown', title: t('error.summary'), detail: t('error.network'), status: response.status };
  }
  // A final answer settles the key: the next attempt is a new request (the service would replay a
  // refusal to the same key, in the language it was first given in).
  if (keys && response.status !== 429 && response.status < 500 && parsed?.code !== 'idempotency.in_progress') keys.settle();
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  return { ok: response.ok, status: response.status, body: parsed, retryAfter };
}

function randomKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The `Idempotency-Key` of one form, passed as `idempotencyKey` to `request`: the same key while
 * the body stays the same and no final answer came (a retry after a lost answer or a 5xx is one
 * request to the service), a new one once the body changes or an answer came (a corrected retry is
 * a new request, never `idempotency.key_reused`).
 */
export function idempotencyKeys() {
  let last = null;
  const keyFor = (body) => {
    const canonical = JSON.stringify(body ?? null);
    if (!last || last.canonical !== canonical) last = { canonical, key: randomKey() };
    return last.key;
  };
  keyFor.settle = () => {
    last = null;
  };
  return keyFor;
}

// Reference data changes only with a new release: asked once per page load.
let termsPromise;
let librariesPromise;

export function terms() {
  termsPromise ??= request('GET', '/v1/terms').then((r) => (r.ok ? r.body.documents : Promise.reject(r)));
  termsPromise.catch(() => {
    termsPromise = undefined;
  });
  return termsPromise;
}

export function libraries() {
  librariesPromise ??= request('GET', '/v1/libraries').then((r) => (r.ok ? r.body.libraries : Promise.reject(r)));
  librariesPromise.catch(() => {
    librariesPromise = undefined;
  });
  return librariesPromise;
}

const ACCESS = 'membership.accessToken';
const REFRESH = 'membership.refreshToken';
const DORMANT = 'membership.dormant';
const sessionListeners = new Set();

export const session = {
  signedIn() {
    return Boolean(sessionStorage.getItem(ACCESS));
  },
  /** Whether the tokens are a dormant member's (API.md: only my page, export, renewal and withdrawal). */
  dormant() {
    return sessionStorage.getItem(DORMANT) === 'true';
  },
  keep(tokens, { dormant = false } = {}) {
    sessionStorage.setItem(ACCESS, tokens.accessToken);
    if (tokens.refreshToken) sessionStorage.setItem(REFRESH, tokens.refreshToken);
    else sessionStorage.removeItem(REFRESH);
    if (dormant) sessionStorage.setItem(DORMANT, 'true');
    else sessionStorage.removeItem(DORMANT);
    for (const listener of sessionListeners) listener(true);
  },
  /** Every way out (sign-out, automatic logout, a revoked session, withdrawal) ends here. */
  forget() {
    sessionStorage.removeItem(ACCESS);
    sessionStorage.removeItem(REFRESH);
    sessionStorage.removeItem(DORMANT);
    for (const listener of sessionListeners) listener(false);
  },
  access() {
    return sessionStorage.getItem(ACCESS);
  },
  refresh() {
    return sessionStorage.getItem(REFRESH);
  },
  onChange(listener) {
    sessionListeners.add(listener);
  },
};

/** Asks the service for a new access token by the refresh token (rotation); answers whether it did. */
export async function refreshSession() {
  if (!session.refresh()) return false;
  const refreshed = await request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refresh() } });
  if (!refreshed.ok) return false;
  session.keep(refreshed.body);
  return true;
}

/**
 * A request with the member's access token; an expired one is refreshed once (rotation), then
 * retried. `idempotencyKey` as in `request`.
 */
export async function memberRequest(method, path, body, { idempotencyKey } = {}) {
  const first = await request(method, path, { body, token: session.access(), idempotencyKey });
  if (first.status !== 401 || !session.refresh()) return first;
  if (!(await refreshSession())) {
    session.forget();
    return first;
  }
  return request(method, path, { body, token: session.access(), idempotencyKey });
}
