// The member's own account, end to end in Chromium: 내 정보 관리 (회원정보 수정, 비밀번호 변경,
// 내 정보 내려받기, 회원탈퇴), a dormant member's way back by 개인정보 재동의, the renewal warning,
// 일반회원 전환 at 14, and the 30-minute automatic logout with its warning and 연장.
// Time moves by the local server's clock (/_sim/clock) and the page's (Playwright's clock), never by waiting.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  DESKTOP,
  api,
  assertNoPageErrors,
  capture,
  errorNextTo,
  launchBrowser,
  openPage,
  registerResident,
  seoulDateBefore,
  serverNow,
  signIn,
  signUpAnyThroughApi,
  verifyByPopup,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

const PASSWORD = 'Library-2026!';

function member(username, extra = {}) {
  return { username, password: PASSWORD, email: `${username}@example.kr`, phone: '010-4444-5555', homeLibrary: 'juan', ...extra };
}

async function tokens(page) {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => /Token|dormant/.test(k)));
}

test('내 정보 관리: details edited, the loan-card number copied, the data downloaded, the password changed', async () => {
  const created = await signUpAnyThroughApi('general', { name: '윤서아', birthDate: '1991-03-09' }, member('seoa91'));
  const page = await openPage(browser);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await signIn(page, 'seoa91', PASSWORD);

  // The loan-card number in groups of four, its text the 14 digits; 복사 puts it on the clipboard.
  const card = page.locator('dd.loan-card');
  assert.equal(await card.textContent(), created.loanCardNumber);
  assert.equal(await card.locator('.group').count(), 4);
  await page.getByRole('button', { name: '자료대출번호 복사' }).click();
  await page.getByText('자료대출번호를 복사했습니다.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), created.loanCardNumber);
  assert.match(await page.locator('.grades').textContent(), /준회원.*경회원.*정회원.*신분증/s);
  await capture(page, 'mypage-manage');

  // 회원정보 수정
  await page.getByRole('link', { name: '회원정보 수정' }).click();
  await page.getByRole('heading', { level: 1, name: '회원정보 수정' }).waitFor();
  assert.equal(await page.getByLabel('이메일').inputValue(), 'seoa91@example.kr');
  await page.getByLabel('휴대폰 번호').fill('010-1234');
  await page.getByRole('button', { name: '저장' }).click();
  await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]'));
  assert.equal(await page.getByLabel('휴대폰 번호').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('이메일').fill('seoa.new@example.kr');
  await page.getByLabel('휴대폰 번호').fill('010-7777-8888');
  await page.getByLabel('소속 도서관').selectOption('central');
  await page.getByRole('button', { name: '저장' }).click();
  await page.getByText('회원정보가 저장되었습니다.').waitFor();
  await capture(page, 'mypage-edit');
  const access = await page.evaluate(() => sessionStorage.getItem('membership.accessToken'));
  const seen = await api('GET', '/v1/members/me', undefined, { authorization: `Bearer ${access}` });
  assert.equal(seen.body.email, 'seoa.new@example.kr');
  assert.equal(seen.body.phone, '010-7777-8888');
  assert.equal(seen.body.homeLibrary, 'central');

  // 내 정보 내려받기: a JSON file of what is held.
  await page.getByRole('link', { name: '마이페이지로 이동' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '내 정보 내려받기' }).click();
  const file = await download;
  assert.match(file.suggestedFilename(), /^membership-export-\d{4}-\d{2}-\d{2}\.json$/);
  const exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
  assert.match(JSON.stringify(exported), /seoa\.new@example\.kr/);

  // 비밀번호 변경: a wrong current password is said at its field; then every session ends.
  await page.getByRole('link', { name: '비밀번호 변경' }).click();
  await page.getByRole('heading', { level: 1, name: '비밀번호 변경' }).waitFor();
  await page.getByLabel('현재 비밀번호').fill('Wrong-2026!');
  await page.getByLabel('새 비밀번호', { exact: true }).fill('Reading-2027!');
  await page.getByLabel('새 비밀번호 확인').fill('Reading-2027!');
  await page.getByRole('button', { name: '변경하기' }).click();
  await page.getByRole('alert').filter({ hasText: '로그인 실패' }).waitFor();
  await capture(page, 'password-change-refused');
  await page.getByLabel('현재 비밀번호').fill(PASSWORD);
  await page.getByRole('button', { name: '변경하기' }).click();
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  assert.match(await page.locator('main').textContent(), /비밀번호가 변경되어 모든 기기에서 로그아웃되었습니다/);
  assert.deepEqual(await tokens(page), [], 'no token left in the tab');
  assert.equal((await api('GET', '/v1/members/me', undefined, { authorization: `Bearer ${access}` })).status, 401);
  assert.equal(await page.getByLabel('아이디').inputValue(), 'seoa91');
  await page.getByLabel('비밀번호').fill('Reading-2027!');
  await page.getByRole('main').getByRole('button', { name: '로그인' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});

test('회원탈퇴 says what is deleted and what stays, takes the password, and sign-in is refused after it', async () => {
  await signUpAnyThroughApi('general', { name: '문지호', birthDate: '1987-07-07' }, member('jiho87'));
  const page = await openPage(browser, { viewport: DESKTOP });
  await signIn(page, 'jiho87', PASSWORD);
  await page.getByRole('link', { name: '회원탈퇴' }).click();
  await page.getByRole('heading', { level: 1, name: '회원탈퇴' }).waitFor();
  const text = await page.locator('main').textContent();
  assert.match(text, /바로 삭제되는 정보/);
  assert.match(text, /아이디와 자료대출번호는 .*영구히 사용 중지/);
  await capture(page, 'withdraw');

  // Without the box ticked, nothing is sent; a wrong password is said at the password.
  await page.getByLabel('비밀번호 확인').fill('Wrong-2026!');
  await page.getByRole('button', { name: '탈퇴하기' }).click();
  assert.match(await page.locator('main').textContent(), /확인란을 선택해 주세요/);
  await page.getByRole('checkbox', { name: /회원탈퇴에 동의합니다/ }).check();
  await page.getByRole('button', { name: '탈퇴하기' }).click();
  await page.getByRole('alert').filter({ hasText: '로그인 실패' }).waitFor();
  assert.equal(await page.getByLabel('비밀번호 확인').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('비밀번호 확인').fill(PASSWORD);
  await page.getByRole('button', { name: '탈퇴하기' }).click();
  await page.getByRole('heading', { level: 2, name: /회원탈퇴가 완료되었습니다/ }).waitFor();
  assert.deepEqual(await tokens(page), []);
  await capture(page, 'withdraw-done');

  // Signing in again is refused, on the page and by the API.
  await signIn(page, 'jiho87', PASSWORD, null);
  await page.getByRole('alert').filter({ hasText: '로그인 실패' }).waitFor();
  assert.equal((await api('POST', '/v1/sessions', { username: 'jiho87', password: PASSWORD })).status, 401);
  assert.equal((await api('GET', '/v1/usernames/jiho87')).body.available, false, 'the username stays retired');
  assertNoPageErrors(page);
  await page.context().close();
});

test('the renewal due within 30 days is warned on my page, and renewing moves it two years on', async () => {
  const signedUp = await serverNow();
  await signUpAnyThroughApi('general', { name: '배수아', birthDate: '1994-10-10' }, member('sua94'));
  // Two years less ten days later (the server's clock and the page's).
  const now = await serverNow(Math.round((new Date(signedUp).setUTCFullYear(signedUp.getUTCFullYear() + 2) - signedUp) / 1000) - 10 * 86400);
  const page = await openPage(browser);
  await page.clock.install({ time: now });
  await signIn(page, 'sua94', PASSWORD);
  const warning = page.locator('[data-renewal-warning]');
  assert.match(await warning.textContent(), /개인정보 재동의 기한이 (9|10|11)일 남았습니다/);
  await capture(page, 'mypage-renewal-due');
  await warning.getByRole('link', { name: '개인정보 재동의' }).click();
  await page.getByRole('heading', { level: 1, name: '개인정보 재동의' }).waitFor();
  await capture(page, 'renewal');
  await page.getByRole('checkbox', { name: /전체동의/ }).check();
  await page.getByRole('button', { name: '재동의하기' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  assert.equal(await page.locator('[data-renewal-warning]').count(), 0, 'no warning after renewal');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a dormant member renews consent straight from the dormant sign-in answer and reaches my page', async () => {
  const signedUp = await serverNow();
  await signUpAnyThroughApi('general', { name: '오하린', birthDate: '1989-01-21' }, member('harin89'));
  const twoYears = Math.round((new Date(signedUp).setUTCFullYear(signedUp.getUTCFullYear() + 2) - signedUp) / 1000);
  const now = await serverNow(twoYears + 2 * 86400);
  const purged = await api('POST', '/_sim/purge');
  assert.equal(purged.status, 200);
  assert.equal((await api('POST', '/v1/sessions', { username: 'harin89', password: PASSWORD })).body.code, 'member.dormant');

  const page = await openPage(browser);
  await page.clock.install({ time: now });
  await signIn(page, 'harin89', PASSWORD, '개인정보 재동의');
  assert.match(await page.locator('main').textContent(), /휴면 계정입니다/);
  assert.ok(page.url().endsWith('#/me/renew'));
  // 전체동의 ticks both items; each item is still its own checkbox, marked (필수).
  const items = page.getByRole('checkbox', { name: /\(필수\)/ });
  assert.equal(await items.count(), 2);
  await capture(page, 'dormant-renewal');
  await page.getByRole('button', { name: '재동의하기' }).click();
  assert.equal(await errorNextTo(page.getByRole('checkbox', { name: /이용약관 동의/ })), '동의가 필요합니다.');
  await page.getByRole('checkbox', { name: /전체동의/ }).check();
  assert.ok(await items.nth(0).isChecked());
  assert.ok(await items.nth(1).isChecked());
  await page.getByRole('button', { name: '재동의하기' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  assert.match(await page.locator('dl.summary').textContent(), /상태정상/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('membership.dormant')), null);
  assert.ok(await page.evaluate(() => sessionStorage.getItem('membership.refreshToken')), 'signed in again, with a refresh token');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a child member who has turned 14 becomes a general member by their own verification; the guardian is labelled', async () => {
  // Born 14 years before tomorrow (server time): a child today, 14 two days on.
  const today = await serverNow();
  const birthDate = seoulDateBefore(today, 14, -1);
  await signUpAnyThroughApi('child', { name: '장보호', birthDate: '1980-04-04' }, member('yuna_kid', { child: { name: '장유나', birthDate } }));
  const now = await serverNow(2 * 86400);
  const page = await openPage(browser);
  await page.clock.install({ time: now });
  await signIn(page, 'yuna_kid', PASSWORD);
  const profile = await page.locator('dl.summary').textContent();
  assert.match(profile, /이름\(자녀\)장유나/);
  assert.match(profile, /보호자장보호/);
  assert.match(profile, /보호자 이메일yuna_kid@example\.kr/);
  assert.match(profile, /보호자 휴대폰 번호010-4444-5555/);
  await capture(page, 'mypage-child');
  await page.getByRole('link', { name: '일반회원 전환' }).click();
  await page.getByRole('heading', { level: 1, name: '일반회원 전환' }).waitFor();
  await capture(page, 'upgrade');
  await verifyByPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click(), '장유나', birthDate);
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  await page.waitForFunction(() => /일반회원/.test(document.querySelector('dl.summary')?.textContent ?? ''));
  assert.doesNotMatch(await page.locator('dl.summary').textContent(), /보호자/);
  assertNoPageErrors(page);
  await page.context().close();
});

test('after 28 minutes without activity the 자동로그아웃 안내 offers 연장; at 30 the member is signed out', async () => {
  await signUpAnyThroughApi('general', { name: '임도현', birthDate: '1990-09-19' }, member('dohyun90'));
  const page = await openPage(browser);
  await page.clock.install();
  await signIn(page, 'dohyun90', PASSWORD);

  await page.clock.fastForward('28:30');
  const dialog = page.getByRole('alertdialog', { name: '자동로그아웃 안내' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /남은 시간: \d:\d\d/);
  assert.equal(await dialog.getByRole('button', { name: '연장' }).evaluate((b) => b === document.activeElement), true);
  await capture(page, 'auto-logout-warning');
  await dialog.getByRole('button', { name: '연장' }).click();
  await dialog.waitFor({ state: 'detached' });

  // 연장 gave 30 minutes again: at 29 nothing has happened but the warning.
  await page.clock.fastForward('29:00');
  await dialog.waitFor();
  assert.ok(await page.evaluate(() => sessionStorage.getItem('membership.accessToken')));
  await page.clock.fastForward('01:05');
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  assert.match(await page.locator('main').textContent(), /30분 동안 사용하지 않아 자동으로 로그아웃되었습니다/);
  assert.deepEqual(await tokens(page), [], 'the tokens are gone');
  await capture(page, 'auto-logout-done');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a refused sign-in is re-written in English when the language changes; the lock says until when', async () => {
  await signUpAnyThroughApi('general', { name: '서지안', birthDate: '1996-06-16' }, member('jian96'));
  const page = await openPage(browser);
  await signIn(page, 'jian96', 'Wrong-2026!', null);
  const alert = page.getByRole('alert').filter({ hasText: '로그인 실패' });
  await alert.waitFor();
  assert.ok(await alert.evaluate((a) => a === document.activeElement), 'focus on the alert: no field to mark');
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).waitFor();
  assert.match(await page.getByRole('alert').filter({ hasText: 'Sign-in failed' }).textContent(), /The username or password is wrong\./);
  await capture(page, 'login-refused-en');
  // The choice persists: a new visit is in English.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByRole('button', { name: '한국어' }).click();

  // The fifth failure locks: until when, and the way to 비밀번호 찾기.
  await page.getByLabel('아이디').fill('jian96');
  for (let i = 0; i < 5; i += 1) {
    await page.getByLabel('비밀번호').fill('Wrong-2026!');
    await page.getByRole('main').getByRole('button', { name: '로그인' }).click();
    await page.waitForFunction(() => document.querySelector('[role="alert"]')?.textContent);
    await page.waitForFunction(() => !document.querySelector('form[aria-busy]'));
  }
  const locked = page.getByRole('alert').filter({ hasText: '로그인 제한' });
  await locked.waitFor();
  assert.match(await locked.textContent(), /\d{2}:\d{2}까지 로그인할 수 없습니다/);
  await locked.getByRole('link', { name: '비밀번호 찾기' }).waitFor();
  await capture(page, 'login-locked');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a refused certification counts down the attempts left; a full member is told before typing anything', async () => {
  await signUpAnyThroughApi('general', { name: '하지민', birthDate: '1992-12-02' }, member('jimin92'));
  const page = await openPage(browser);
  await signIn(page, 'jimin92', PASSWORD);
  await page.goto(`${BASE_URL}/#/certify/citizen`);
  await page.getByRole('heading', { level: 1, name: '인천시민인증' }).waitFor();
  assert.match(await page.locator('.attempts').textContent(), /5회/);
  await page.getByRole('checkbox', { name: /인천시민 자격 확인 조회를 위하여/ }).check();
  // A number the registry does not know: no field to mark, so the alert takes the focus.
  await page.getByLabel('주민등록번호 앞 6자리').fill('921202');
  await page.getByLabel('주민등록번호 뒤 7자리').fill('2999999');
  await page.getByRole('button', { name: '인증하기' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '인증 정보 불일치' });
  await alert.waitFor();
  assert.ok(await alert.evaluate((a) => a === document.activeElement), 'focus on the alert');
  assert.match(await page.locator('.attempts').textContent(), /4회/);
  assert.equal(await page.getByLabel('주민등록번호 뒤 7자리').inputValue(), '', 'the masked part is cleared');
  await capture(page, 'certify-citizen-refused');

  // Certified (through the API), the member is told at once that neither form applies.
  await registerResident('921202-2345678', '하지민');
  const access = await page.evaluate(() => sessionStorage.getItem('membership.accessToken'));
  const { body: termsBody } = await api('GET', '/v1/terms');
  const doc = termsBody.documents.find((d) => d.id === 'citizen-third-party');
  const certified = await api(
    'POST',
    '/v1/members/me/certifications/citizen',
    { consent: { document: doc.id, version: doc.version, agreed: true }, name: '하지민', rrn: '921202-2345678' },
    { authorization: `Bearer ${access}` },
  );
  assert.equal(certified.status, 200, JSON.stringify(certified.body));
  await page.goto(`${BASE_URL}/#/certify/student`);
  await page.getByRole('heading', { level: 1, name: '인천학생인증(DLS)' }).waitFor();
  assert.match(await page.locator('main').textContent(), /현재 회원등급\(정회원\)에서는 이 인증이 필요하지 않거나 할 수 없습니다/);
  assert.equal(await page.getByLabel('DLS 패스워드').count(), 0, 'no credentials asked');
  await capture(page, 'certify-not-applicable');
  assertNoPageErrors(page);
  await page.context().close();
});
