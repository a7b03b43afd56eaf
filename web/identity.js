// 본인확인 (휴대폰 본인인증 / I-PIN(아이핀)인증) as the provider's protocol runs it: the service opens a
// request for one purpose (POST /v1/identity/requests), this page posts the request's form into a
// pop-up window at the provider, the person verifies there, and the service's return page hands the
// provider's result back with postMessage. The local server's provider is its simulator (/_sim/nice).

import { request } from './api.js';
import { h } from './dom.js';

/** The provider's I-PIN issuance site (아이핀 신규발급), opened in a new tab. */
export const IPIN_ISSUANCE_URL = 'https://www.niceipin.co.kr/';

const WINDOW = 'identity-provider';
const FEATURES = 'popup=yes,width=480,height=720';

/** The "I-PIN 신규발급" link of the identity step. */
export function ipinIssuanceLink() {
  return h('a', {
    class: 'ipin-issuance',
    href: IPIN_ISSUANCE_URL,
    i18n: 'identity.ipinNew',
    attrs: { target: '_blank', rel: 'noopener noreferrer' },
  });
}

/**
 * Verifies by `method` (`phone` | `ipin`) for `purpose` (`signup`, `recovery`, `guardian`,
 * `upgrade`), with `token` (the sign-up token or the member's access token) when the purpose needs
 * one. Call it from the click that chose the method: the pop-up opens at once, so no blocker stops it.
 * Resolves to `{ identity }` (the three values the consuming step takes), `{ problem }` when the
 * request could not be opened, or `null` when the window was closed without a result.
 */
export function verifyIdentity(method, { purpose, token } = {}) {
  const popup = window.open('about:blank', WINDOW, FEATURES);
  return new Promise((resolve) => {
    let settled = false;
    let expected = null;
    let watch = null;
    const finish = (value) => {
      if (settled) return;
      settled = true;
      window.removeEventListener('message', onMessage);
      if (watch) clearInterval(watch);
      resolve(value);
    };
    // Only the service's own return page, in the window opened here, for this request, is heard.
    const onMessage = (event) => {
      const data = event.data;
      if (event.origin !== window.location.origin || (popup && event.source !== popup)) return;
      if (!data || data.type !== 'identity-result' || data.tokenVersionId !== expected) return;
      finish({ identity: { tokenVersionId: data.tokenVersionId, encData: data.encData, integrityValue: data.integrityValue } });
    };
    window.addEventListener('message', onMessage);
    request('POST', '/v1/identity/requests', { body: { purpose, method, origin: window.location.origin }, token }).then((answer) => {
      if (!answer.ok) {
        popup?.close();
        finish({ problem: answer.body });
        return;
      }
      const { url, fields } = answer.body.provider;
      expected = fields.token_version_id;
      const form = h('form', { attrs: { method: 'post', action: url, target: WINDOW, hidden: true } });
      for (const [name, value] of Object.entries(fields)) {
        form.append(h('input', { attrs: { type: 'hidden', name, value } }));
      }
      document.body.append(form);
      form.submit();
      form.remove();
      // The person may close the window instead: then there is no result to wait for.
      watch = setInterval(() => {
        if (!popup || popup.closed) setTimeout(() => finish(null), 300);
      }, 500);
    });
  });
}
