// What every end-to-end test shares: Debian's Chromium driven by playwright-core, the local server
// the test command started (BASE_URL), screenshots of each screen at 360 px and desktop widths,
// and an axe-core scan of each page state.

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
export const ARTIFACTS = resolve(here, '..', 'artifacts');
const SCREENSHOTS = join(ARTIFACTS, 'screenshots');
const AXE_RESULTS = join(ARTIFACTS, 'axe');

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const MOBILE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

/**
 * Debian's Chromium, headless. Without the background-networking flags Chromium keeps trying hosts
 * that this machine's closed network refuses. playwright-core gives every launch a new, empty
 * --user-data-dir of its own and removes it on close (it refuses one passed in `args`).
 */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh page (its own cookies and storage) at `viewport`, in Korean unless `locale` says otherwise.
 * Uncaught errors and console errors are collected: `assertNoPageErrors` fails on any.
 */
export async function openPage(browser, { viewport = MOBILE, locale = 'ko-KR' } = {}) {
  const context = await browser.newContext({ viewport, locale, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A refused request (4xx) is logged by Chromium itself: the page handles those.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) page.errors.push(`console: ${message.text()}`);
  });
  return page;
}

export function assertNoPageErrors(page) {
  assert.deepEqual(page.errors, [], 'the page logged no error');
}

/** Screenshots of the page as it is, at 360 px and at desktop width, each with an axe scan of it. */
export async function capture(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const original = page.viewportSize();
  for (const [label, size] of [
    ['360', MOBILE],
    ['desktop', DESKTOP],
  ]) {
    await page.setViewportSize(size);
    // Two frames: the new width is laid out and painted before the picture is taken.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true });
    await scan(page, `${name}-${label}`);
  }
  await page.setViewportSize(original);
}

/** Injects axe-core into the page state and runs it; fails on any violation, whatever its impact. */
export async function scan(page, name) {
  // page.evaluate runs outside the page's Content-Security-Policy, which stays in force for the page.
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const outcome = await window.axe.run(document, { resultTypes: ['violations'] });
    return outcome.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  });
  const counts = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const violation of results) counts[violation.impact] = (counts[violation.impact] ?? 0) + violation.nodes.length;
  mkdirSync(AXE_RESULTS, { recursive: true });
  writeFileSync(join(AXE_RESULTS, `${name}.json`), JSON.stringify({ screen: name, counts, violations: results }, null, 2));
  console.log(`axe ${name}: critical ${counts.critical}, serious ${counts.serious}, moderate ${counts.moderate}, minor ${counts.minor}`);
  assert.deepEqual(results, [], `axe: no violation on ${name}`);
}

/** A call to the local server (simulators, or the API for setting up data). */
export async function api(method, path, body, headers = {}) {
  const response = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** POST /_sim/residents: the simulated residency registry now knows this person. */
export async function registerResident(rrn, name, region = 'incheon') {
  const answer = await api('POST', '/_sim/residents', { rrn, name, region });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
}

/** POST /_sim/dls-accounts: an account at the simulated school library system. */
export async function registerDlsAccount(dlsName, dlsId, dlsPassword, createdOn) {
  const answer = await api('POST', '/_sim/dls-accounts', { dlsName, dlsId, dlsPassword, createdOn });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
}

/** A general member created through the API alone, for tests that need one to exist already. */
export async function signUpThroughApi(person, member) {
  return signUpAnyThroughApi('general', person, member);
}

/**
 * An identity result as a client gets it, without a browser: a request of `purpose` (with `token`
 * when the purpose needs one), its form posted to the simulated provider's window, and `person`
 * verified there.
 */
export async function verifiedThroughApi(purpose, token, person, method = 'phone') {
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const opened = await api('POST', '/v1/identity/requests', { purpose, method, origin: BASE_URL }, auth);
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  const { url, fields } = opened.body.provider;
  const window = await fetch(url, { method: 'POST', body: new URLSearchParams(fields) });
  assert.equal(window.status, 200, await window.text());
  const completed = await api(
    'POST',
    '/_sim/nice/complete',
    { tokenVersionId: fields.token_version_id, name: person.name, birthDate: person.birthDate },
    { accept: 'application/json' },
  );
  assert.equal(completed.status, 200, JSON.stringify(completed.body));
  const answer = completed.body.fields;
  return { tokenVersionId: answer.token_version_id, encData: answer.enc_data, integrityValue: answer.integrity_value };
}

/** A member created through the API alone, of either type (`member.child` for a child sign-up). */
export async function signUpAnyThroughApi(memberType, person, member) {
  const started = await api('POST', '/v1/signups', { memberType });
  const auth = { authorization: `Bearer ${started.body.signupToken}` };
  const id = started.body.signupId;
  const { body: termsBody } = await api('GET', '/v1/terms');
  const consents = termsBody.documents.filter((d) => d.step === 'signup').map((d) => ({ document: d.id, version: d.version, agreed: true }));
  assert.equal((await api('POST', `/v1/signups/${id}/consents`, { consents }, auth)).status, 200);
  const identity = await verifiedThroughApi('signup', started.body.signupToken, person);
  assert.equal((await api('POST', `/v1/signups/${id}/identity`, { identity }, auth)).status, 200);
  const created = await api('POST', `/v1/signups/${id}/member`, member, auth);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

/** The local server's clock (`/_sim/clock` moves it forward; every test shares it): now, as a Date. */
export async function serverNow(advanceSeconds = 0) {
  const answer = await api('POST', '/_sim/clock', { advanceSeconds });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return new Date(answer.body.now);
}

/** `date` on the Asia/Seoul calendar, `years` years and `days` days earlier (`YYYY-MM-DD`). */
export function seoulDateBefore(date, years, days = 0) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y - years, m - 1, d - days)).toISOString().slice(0, 10);
}

/** Signs in on the page's 로그인 screen; answers when the screen after it (`heading`) shows. */
export async function signIn(page, username, password, heading = '마이페이지') {
  await page.goto(`${BASE_URL}/#/login`);
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  await page.getByLabel('아이디').fill(username);
  await page.getByLabel('비밀번호').fill(password);
  await page.getByRole('main').getByRole('button', { name: '로그인' }).click();
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Today on the Asia/Seoul calendar, `years` years ago (`YYYY-MM-DD`), for birth dates. */
export function seoulYearsAgo(years, days = 0) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [y, m, d] = today.split('-').map(Number);
  const date = new Date(Date.UTC(y - years, m - 1, d - days));
  return date.toISOString().slice(0, 10);
}

/** Whether a loan-card number is 14 digits, not starting with 0, with a Luhn check digit. */
export function isLoanCardNumber(value) {
  if (!/^[1-9][0-9]{13}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 14; i += 1) {
    let digit = Number(value[13 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The accessible text of the element that has focus (its tag, name and text), for assertions. */
export async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return {
      tag: el?.tagName.toLowerCase(),
      type: el?.getAttribute('type'),
      text: el?.textContent?.trim() ?? '',
      id: el?.id,
      outline: el ? getComputedStyle(el).outlineStyle : 'none',
      label: el?.labels?.[0]?.textContent?.trim() ?? el?.getAttribute('aria-label') ?? '',
    };
  });
}

/** Presses Tab (only Tab) until `wanted(focused)` holds; fails after `limit` presses. */
export async function tabTo(page, wanted, limit = 40) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (wanted(now)) return now;
  }
  assert.fail(`focus never reached the wanted element in ${limit} presses of Tab`);
}

/** The message next to an input: the field-error its aria-describedby names. */
export async function errorNextTo(locator) {
  return locator.evaluate((input) => {
    const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/);
    const node = ids.map((id) => document.getElementById(id)).find((n) => n?.classList.contains('field-error'));
    return node?.textContent.trim() ?? '';
  });
}

/**
 * The provider's window: `click` (a method button) opens it as a pop-up; the person is entered in
 * the simulated provider's page. Answers the pop-up before its verify button is pressed.
 */
export async function openProviderPopup(page, click) {
  const opened = page.waitForEvent('popup');
  await click();
  const popup = await opened;
  await popup.getByLabel(/^이름/).waitFor();
  return popup;
}

/** Verifies `name` and `birthDate` in the provider's pop-up, which posts the result back and closes. */
export async function verifyInPopup(popup, name, birthDate) {
  await popup.getByLabel(/^이름/).fill(name);
  await popup.getByLabel(/^생년월일/).fill(birthDate);
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: /^인증/ }).click();
  await closed;
}

/** `click` opens the provider's pop-up, where `name` and `birthDate` verify. */
export async function verifyByPopup(page, click, name, birthDate) {
  const popup = await openProviderPopup(page, click);
  await verifyInPopup(popup, name, birthDate);
}

/** Through the first three steps by mouse, in Korean: type, both consents, identity by phone. */
export async function signUpToIdentity(page, memberType = 'general') {
  await page.goto(`${BASE_URL}/#/signup`);
  await page.getByRole('heading', { level: 2, name: '회원유형확인' }).waitFor();
  await page.getByRole('radio', { name: memberType === 'child' ? /어린이·학생회원/ : /일반회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();
  await page.getByRole('heading', { level: 2, name: '이용약관동의' }).waitFor();
  await page.getByRole('checkbox', { name: '이용약관 동의' }).check();
  await page.getByRole('checkbox', { name: '개인정보의 수집·이용 동의' }).check();
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
}

/** Through the first three steps, verified as `person` by phone, to 정보입력. */
export async function signUpToInformation(page, person, memberType = 'general') {
  await signUpToIdentity(page, memberType);
  await verifyByPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click(), person.name, person.birthDate);
  await page.getByRole('heading', { level: 2, name: '정보입력' }).waitFor();
}
