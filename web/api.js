// Talking to the service (API.md): JSON in and out, `Accept-Language` in the page's language so
// problem details come back in it, and the member's tokens, which live only in this tab's
// sessionStorage (never localStorage, never any personal data).

import { language, t } from './i18n.js';

/**
 * One request. Answers `{ ok, status, body }`; a failure's `body` is the problem+json, and when the
 * server cannot be reached a problem is made up here so that callers handle one shape.
 */
export async function request(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json, application/problem+json', 'Accept-Language': language() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
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
  return { ok: response.ok, status: response.status, body: parsed };
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

export const session = {
  signedIn() {
    return Boolean(sessionStorage.getItem(ACCESS));
  },
  keep(tokens) {
    sessionStorage.setItem(ACCESS, tokens.accessToken);
    if (tokens.refreshToken) sessionStorage.setItem(REFRESH, tokens.refreshToken);
    else sessionStorage.removeItem(REFRESH);
  },
  forget() {
    sessionStorage.removeItem(ACCESS);
    sessionStorage.removeItem(REFRESH);
  },
  access() {
    return sessionStorage.getItem(ACCESS);
  },
  refresh() {
    return sessionStorage.getItem(REFRESH);
  },
};

/** A request with the member's access token; an expired one is refreshed once (rotation), then retried. */
export async function memberRequest(method, path, body) {
  const first = await request(method, path, { body, token: session.access() });
  if (first.status !== 401 || !session.refresh()) return first;
  const refreshed = await request('POST', '/v1/sessions/refresh', { body: { refreshToken: session.refresh() } });
  if (!refreshed.ok) {
    session.forget();
    return first;
  }
  session.keep(refreshed.body);
  return request(method, path, { body, token: session.access() });
}
