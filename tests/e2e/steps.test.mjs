// The sign-up's steps as addresses and the rough edges of its forms: 전체동의 with each item its own
// checkbox, Back and reload through the steps with the time left shown, 생년월일 typed as people
// type it, and a double tap on 가입하기 that creates one member.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  api,
  assertNoPageErrors,
  capture,
  launchBrowser,
  openPage,
  signUpToInformation,
  verifiedThroughApi,
  verifyByPopup,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('전체동의 ticks both items, each still its own checkbox marked (필수); the full texts are readable', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/#/signup`);
  await page.getByRole('radio', { name: /일반회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();
  await page.getByRole('heading', { level: 2, name: '이용약관동의' }).waitFor();
  const all = page.getByRole('checkbox', { name: /전체동의/ });
  const terms = page.getByRole('checkbox', { name: '이용약관 동의 (필수)' });
  const privacy = page.getByRole('checkbox', { name: '개인정보의 수집·이용 동의 (필수)' });
  await all.check();
  assert.ok((await terms.isChecked()) && (await privacy.isChecked()));
  await privacy.uncheck();
  assert.equal(await all.isChecked(), false);
  assert.equal(await all.evaluate((box) => box.indeterminate), true, 'one of two: mixed');
  await privacy.check();
  assert.ok(await all.isChecked());
  // The privacy text says what is collected, for how long, and the right to refuse.
  assert.match(await page.getByRole('region', { name: '개인정보의 수집·이용 동의' }).textContent(), /개인정보의 수집·이용 목적/);
  const summary = await page.getByRole('region', { name: '수집 항목·보유 기간·동의 거부 권리' }).textContent();
  assert.match(summary, /수집 항목: 이름, 생년월일/);
  assert.match(summary, /보유 기간: 회원탈퇴 시까지/);
  assert.match(summary, /동의를 거부할 권리가 있습니다/);
  await capture(page, 'signup-2-terms-all');
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});

test('each step has its address: Back shows the step before as done, reload keeps the step, the time left shows', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/#/signup`);
  await page.getByRole('radio', { name: /어린이·학생회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();
  await page.getByRole('heading', { level: 2, name: '이용약관동의' }).waitFor();
  assert.ok(page.url().endsWith('#/signup/terms'));
  assert.match(await page.locator('.timer').textContent(), /^남은 시간 \d{1,2}:\d\d$/);
  await page.getByRole('checkbox', { name: /전체동의/ }).check();
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
  assert.ok(page.url().endsWith('#/signup/identity'));

  // Back: the terms step, done, with the way on.
  await page.goBack();
  await page.getByText('이미 완료한 단계입니다.', { exact: false }).waitFor();
  assert.equal(await page.getByRole('heading', { level: 2 }).textContent(), '이용약관동의');
  await capture(page, 'signup-back-done-step');
  await page.goBack();
  await page.getByRole('heading', { level: 2, name: '회원유형확인' }).waitFor();
  assert.match(await page.locator('main').textContent(), /선택한 회원유형: 어린이·학생회원/);
  await page.getByRole('link', { name: '이어서 하기' }).click();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();

  // Reload: the same step, the same session.
  await page.reload();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
  assert.match(await page.locator('main').textContent(), /보호자\(법정대리인\)의 동의가 필요합니다/);
  await verifyByPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click(), '남보호', '1982-02-12');
  await page.getByRole('heading', { level: 2, name: '정보입력' }).waitFor();
  await page.reload();
  await page.getByRole('heading', { level: 2, name: '정보입력' }).waitFor();
  assert.match(await page.locator('.verified').textContent(), /본인확인을 마쳤습니다/);

  // 생년월일 as people type it: digits only, with dots, or with hyphens.
  const birth = page.getByLabel('자녀 생년월일');
  for (const typed of ['20170517', '2017.05.17', '2017-05-17']) {
    await birth.fill(typed);
    assert.equal(await birth.inputValue(), '2017-05-17', typed);
  }
  await birth.fill('');
  await birth.pressSequentially('20170517');
  assert.equal(await birth.inputValue(), '2017-05-17', 'formatted as typed on a keypad without a hyphen');

  // A step ahead of the session goes back to the session's step.
  await page.goto(`${BASE_URL}/#/signup/done`);
  await page.getByRole('heading', { level: 2, name: '회원유형확인' }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});

test('the last 5 minutes of a sign-up are warned, and at 30 the page says to start again', async () => {
  const page = await openPage(browser);
  await page.clock.install();
  await page.goto(`${BASE_URL}/#/signup`);
  await page.getByRole('radio', { name: /일반회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();
  await page.getByRole('heading', { level: 2, name: '이용약관동의' }).waitFor();
  await page.clock.fastForward('25:30');
  await page.getByRole('status').filter({ hasText: '가입 가능 시간이 5분 남았습니다' }).waitFor();
  await capture(page, 'signup-time-warning');
  await page.clock.fastForward('05:00');
  await page.getByText('가입 가능 시간(30분)이 지났습니다', { exact: false }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});

test('a double tap on 가입하기 creates one member: the button waits, and a retry carries the same Idempotency-Key', async () => {
  const person = { name: '노은결', birthDate: '1993-03-13' };
  const page = await openPage(browser);
  await signUpToInformation(page, person);
  await page.getByRole('textbox', { name: '아이디' }).fill('eungyeol93');
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD_FOR_DOUBLE_TAP);
  await page.getByLabel('비밀번호 확인').fill(PASSWORD_FOR_DOUBLE_TAP);
  await page.getByLabel('이메일').fill('eungyeol@example.kr');
  await page.getByLabel('휴대폰 번호').fill('010-5555-6666');
  await page.getByLabel('소속 도서관').selectOption('hwadojin');

  // The first answer is slowed so that the second tap lands while it runs.
  const sent = [];
  await page.route('**/v1/signups/*/member', async (route) => {
    sent.push(route.request().headers()['idempotency-key']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await route.continue();
  });
  const submit = page.getByRole('button', { name: '가입하기' });
  await submit.dblclick();
  await page.getByRole('heading', { level: 2, name: '회원가입이 완료되었습니다' }).waitFor();
  assert.equal(sent.length, 1, 'one request for two taps');
  assert.match(sent[0], /^[\x21-\x7e]{1,128}$/);
  assert.equal(await page.getByRole('alert').filter({ hasText: /.+/ }).count(), 0, 'no error shown');

  // The service knows one member for the person.
  const identity = await verifiedThroughApi('recovery', null, person);
  const found = await api('POST', '/v1/recovery/username', { identity });
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.accounts.map((a) => a.username), ['eungyeol93']);
  assertNoPageErrors(page);
  await page.context().close();
});

const PASSWORD_FOR_DOUBLE_TAP = 'Library-2026!';

test('the recovery screens and the sign-in asked for by a member screen pass the scan at both widths', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/#/reset-password`);
  await page.getByRole('heading', { level: 1, name: '비밀번호 찾기' }).waitFor();
  await capture(page, 'reset-password');
  await page.goto(`${BASE_URL}/#/find-username`);
  await page.getByRole('heading', { level: 1, name: '아이디 찾기' }).waitFor();
  await capture(page, 'find-username-start');
  await page.goto(`${BASE_URL}/#/me/withdraw`);
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  assert.ok(page.url().endsWith('#/login?next=/me/withdraw'), 'a member screen asks for sign-in and comes back');
  await capture(page, 'login-needed');
  assertNoPageErrors(page);
  await page.context().close();
});
