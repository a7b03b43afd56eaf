// Single sign-on's authorization page (/oauth2/authorize) in Chromium, as a library's service sends a
// member there: sign-in and consent landing on the service's redirect URI with a code and the state,
// decline, the detour through 비대면자격확인인증 for the e-library, and the single sign-on session (a
// second service in the same browser session does not ask for the password). The services' redirect
// URIs (127.0.0.1:8400 and :8401) serve nothing: Playwright answers them, and the test reads where the
// page went.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  DESKTOP,
  api,
  assertNoPageErrors,
  capture,
  launchBrowser,
  openPage,
  registerResident,
  signUpThroughApi,
} from './support.mjs';

const E_LIBRARY = { clientId: 'e-library', redirectUri: 'http://127.0.0.1:8400/callback' };
const LIBRARY_APP = { clientId: 'library-app', redirectUri: 'http://127.0.0.1:8401/callback' };
const PASSWORD = 'Library-2026!';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** An authorization request as a service makes it: its address, state and PKCE verifier. */
function authorizationRequest(client, { scope = 'openid profile library', prompt } = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    scope,
    state,
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  if (prompt) query.set('prompt', prompt);
  return { url: `${BASE_URL}/oauth2/authorize?${query}`, state, verifier, client };
}

/** The services' callbacks answer a blank page; nothing listens on their ports. */
async function answerCallbacks(page) {
  await page.context().route(/^http:\/\/127\.0\.0\.1:840[01]\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>service</title><p>service</p>' }),
  );
}

/** Where the page went at the service: its redirect URI and the query (`iss`, RFC 9207, checked and left out). */
async function landedAt(page, client) {
  await page.waitForURL((url) => url.href.startsWith(`${client.redirectUri}?`));
  const url = new URL(page.url());
  const query = Object.fromEntries(url.searchParams);
  assert.equal(query.iss, BASE_URL, 'the answer names the issuer');
  delete query.iss;
  return { at: `${url.origin}${url.pathname}`, query };
}

/** Screenshots and the axe scan at 360 px and desktop width: `capture` fails on any violation, whatever its impact. */
async function captureClean(page, name) {
  await capture(page, name);
}

async function clientName(clientId) {
  const answer = await api('GET', `/v1/oauth2/clients/${clientId}`);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.name;
}

async function signInOnPage(page, username) {
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  await page.getByLabel('아이디').fill(username);
  await page.getByLabel('비밀번호').fill(PASSWORD);
  await page.getByRole('main').getByRole('button', { name: '로그인' }).click();
}

/** A general member made through the API; `certified` adds 인천시민인증 (the e-library's entitlement). */
async function member(person, username, { certified = false } = {}) {
  await signUpThroughApi(person, { username, password: PASSWORD, email: `${username}@example.kr`, phone: '010-2222-3333', homeLibrary: 'yeonsu' });
  if (!certified) return;
  const session = await api('POST', '/v1/sessions', { username, password: PASSWORD });
  await registerResident(person.rrn, person.name);
  const terms = await api('GET', '/v1/terms');
  const doc = terms.body.documents.find((d) => d.id === 'citizen-third-party');
  const certifiedAnswer = await api(
    'POST',
    '/v1/members/me/certifications/citizen',
    { consent: { document: doc.id, version: doc.version, agreed: true }, name: person.name, rrn: person.rrn },
    { authorization: `Bearer ${session.body.accessToken}` },
  );
  assert.equal(certifiedAnswer.status, 200, JSON.stringify(certifiedAnswer.body));
}

/** The code is a real one: the public client exchanges it with its verifier. */
async function exchange(request, code) {
  const response = await fetch(`${BASE_URL}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: request.client.redirectUri,
      code_verifier: request.verifier,
      client_id: request.client.clientId,
    }),
  });
  return { status: response.status, body: await response.json() };
}

test('a member signs in on the authorization page, sees who asks for what, consents, and lands at the service with a code', async () => {
  await member({ name: '윤다온', birthDate: '1991-02-03' }, 'sso_daon');
  const name = await clientName(LIBRARY_APP.clientId);
  const page = await openPage(browser);
  await answerCallbacks(page);
  const request = authorizationRequest(LIBRARY_APP);
  await page.goto(request.url);

  // Not signed in: the web client's own sign-in, under the request it serves.
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  const pending = page.getByRole('complementary', { name: '진행 중인 서비스 로그인' });
  assert.match(await pending.textContent(), new RegExp(`${name.ko}의 로그인 요청을 처리하고 있습니다`));
  await captureClean(page, 'authorize-sign-in');
  await signInOnPage(page, 'sso_daon');

  // 서비스 연결 동의: the service, the member, what it receives, where the answer goes.
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  assert.ok(await pending.isHidden(), 'no way back shown on the authorization itself');
  const main = page.getByRole('main');
  assert.match(await main.textContent(), new RegExp(`${name.ko}에서 통합회원으로 로그인하려고 합니다`));
  assert.match(await main.textContent(), /윤다온 \(sso_daon\)/);
  assert.deepEqual(await main.getByRole('list', { name: /다음 정보가 제공됩니다/ }).getByRole('listitem').allTextContents(), [
    '이 서비스에서만 쓰이는 회원 식별번호',
    '이름, 아이디',
    '회원등급, 이용 가능한 서비스, 자료대출번호, 소속 도서관, 회원유형',
  ]);
  assert.match(await main.textContent(), /http:\/\/127\.0\.0\.1:8401/);
  await captureClean(page, 'authorize-consent');

  // In English, the service's English name.
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connect a service' }).waitFor();
  assert.match(await main.textContent(), new RegExp(`${name.en} wants to sign you in`));
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await captureClean(page, 'authorize-consent-en');
  await page.getByRole('button', { name: '한국어' }).click();
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();

  await page.getByRole('button', { name: '동의하고 계속하기' }).click();
  const { at, query } = await landedAt(page, LIBRARY_APP);
  assert.equal(at, LIBRARY_APP.redirectUri);
  assert.equal(query.state, request.state);
  assert.match(query.code, /^\S{16,}$/);
  assert.equal(query.error, undefined);
  const token = await exchange(request, query.code);
  assert.equal(token.status, 200, JSON.stringify(token.body));
  assert.equal(token.body.token_type, 'Bearer');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a member who declines, or is not signed in under prompt=none, is sent back to the service with the error and the state', async () => {
  await member({ name: '서지우', birthDate: '1993-08-09' }, 'sso_jiwoo');
  const page = await openPage(browser, { viewport: DESKTOP });
  await answerCallbacks(page);

  // prompt=none while signed out: no screen, the service hears login_required.
  const silent = authorizationRequest(LIBRARY_APP, { prompt: 'none' });
  await page.goto(silent.url);
  assert.deepEqual((await landedAt(page, LIBRARY_APP)).query, { error: 'login_required', state: silent.state });

  // Cancelled at the sign-in, before any password: declined all the same.
  const cancelled = authorizationRequest(LIBRARY_APP);
  await page.goto(cancelled.url);
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  const pending = page.getByRole('complementary', { name: '진행 중인 서비스 로그인' });
  assert.ok(await pending.getByRole('link', { name: '로그인 요청으로 돌아가기' }).isHidden(), 'no way back before signing in');
  await pending.getByRole('button', { name: '취소하고 서비스로 돌아가기' }).click();
  assert.deepEqual((await landedAt(page, LIBRARY_APP)).query, { error: 'access_denied', state: cancelled.state });

  const request = authorizationRequest(LIBRARY_APP);
  await page.goto(request.url);
  await signInOnPage(page, 'sso_jiwoo');
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  await page.getByRole('button', { name: '동의하지 않음' }).click();
  const { at, query } = await landedAt(page, LIBRARY_APP);
  assert.equal(at, LIBRARY_APP.redirectUri);
  assert.deepEqual(query, { error: 'access_denied', state: request.state });
  assertNoPageErrors(page);
  await page.context().close();
});

test('an associate member at the e-library is led through 비대면자격확인인증 and back to the authorization', async () => {
  const person = { name: '한도윤', birthDate: '1988-11-12', rrn: '881112-1234567' };
  await member(person, 'sso_doyun');
  const name = await clientName(E_LIBRARY.clientId);
  const page = await openPage(browser);
  await answerCallbacks(page);
  const request = authorizationRequest(E_LIBRARY);
  await page.goto(request.url);
  await signInOnPage(page, 'sso_doyun');

  // The e-library requires the entitlement the member lacks: the page says so and offers certification.
  await page.getByRole('heading', { level: 1, name: '비대면자격확인인증이 필요합니다' }).waitFor();
  assert.match(await page.getByRole('main').textContent(), new RegExp(`${name.ko}은\\(는\\) 전자도서관 이용 자격이 있는 회원만`));
  await captureClean(page, 'authorize-entitlement-required');
  await page.getByRole('link', { name: '비대면자격확인인증 하기' }).click();

  // The guide and 인천시민인증 run under the same address, with the way back above them.
  await page.getByRole('heading', { level: 1, name: '비대면자격확인인증안내' }).waitFor();
  assert.match(page.url(), /\/oauth2\/authorize\?.*#\/certify$/);
  const pending = page.getByRole('complementary', { name: '진행 중인 서비스 로그인' });
  assert.match(await pending.textContent(), new RegExp(name.ko));
  await captureClean(page, 'authorize-certify-guide');
  await registerResident(person.rrn, person.name);
  await page.getByRole('link', { name: '인천시민인증' }).click();
  await page.getByRole('heading', { level: 1, name: '인천시민인증' }).waitFor();
  await page.getByLabel('성명').fill(person.name);
  const [front, back] = person.rrn.split('-');
  await page.getByLabel('주민등록번호 앞 6자리').fill(front);
  await page.getByLabel('주민등록번호 뒤 7자리').fill(back);
  await page.getByRole('checkbox', { name: /인천시민 자격 확인 조회를 위하여/ }).check();
  await page.getByRole('button', { name: '인증하기' }).click();
  await page.getByRole('heading', { level: 2, name: '인증이 완료되었습니다' }).waitFor();
  await captureClean(page, 'authorize-certified');

  // Back to the authorization: now the consent, and the code.
  await pending.getByRole('link', { name: '로그인 요청으로 돌아가기' }).click();
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  await page.getByRole('button', { name: '동의하고 계속하기' }).click();
  const { at, query } = await landedAt(page, E_LIBRARY);
  assert.equal(at, E_LIBRARY.redirectUri);
  assert.equal(query.state, request.state);
  assert.ok(query.code, 'a code');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a member signed in once is not asked for the password by a second service in the same browser session', async () => {
  await member({ name: '임세아', birthDate: '1990-01-21', rrn: '900121-2345678' }, 'sso_seah', { certified: true });
  const page = await openPage(browser);
  await answerCallbacks(page);
  const first = authorizationRequest(LIBRARY_APP);
  await page.goto(first.url);
  await signInOnPage(page, 'sso_seah');
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  await page.getByRole('button', { name: '동의하고 계속하기' }).click();
  await landedAt(page, LIBRARY_APP);

  // The e-library, later in the same tab: straight to the consent, no password field on the way.
  const second = authorizationRequest(E_LIBRARY);
  const visited = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url());
  });
  await page.goto(second.url);
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  assert.equal(await page.locator('input[type="password"]').count(), 0, 'no password asked');
  assert.ok(visited.length > 0 && visited.every((url) => !url.includes('#/login')), `no sign-in on the way: ${visited.join(' ')}`);
  await page.getByRole('button', { name: '동의하고 계속하기' }).click();
  const { query } = await landedAt(page, E_LIBRARY);
  assert.equal(query.state, second.state);
  assert.ok(query.code, 'a code');

  // prompt=login asks for the password again, even in the same session.
  const fresh = authorizationRequest(LIBRARY_APP, { prompt: 'login' });
  await page.goto(fresh.url);
  await signInOnPage(page, 'sso_seah');
  await page.getByRole('heading', { level: 1, name: '서비스 연결 동의' }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});

test('a request from an unknown service is refused on the page, with no redirect', async () => {
  const page = await openPage(browser);
  const request = authorizationRequest({ clientId: 'no-such-service', redirectUri: 'http://127.0.0.1:8409/callback' });
  await page.goto(request.url);
  await page.getByRole('heading', { level: 1, name: '잘못된 로그인 요청' }).waitFor();
  assert.match(page.url(), /^http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?/);
  await captureClean(page, 'authorize-unknown-service');
  assertNoPageErrors(page);
  await page.context().close();
});
