// Refusals as people see them: each problem's message next to the field it concerns, or in the
// step's alert, in the language the page asked for.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  assertNoPageErrors,
  capture,
  errorNextTo,
  verifyByPopup,
  launchBrowser,
  openPage,
  signUpThroughApi,
  signUpToIdentity,
  signUpToInformation,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function fillMember(page, { username, password }) {
  await page.getByRole('textbox', { name: '아이디' }).fill(username);
  await page.getByLabel('비밀번호', { exact: true }).fill(password);
  await page.getByLabel('비밀번호 확인').fill(password);
  await page.getByLabel('이메일').fill('reader@example.kr');
  await page.getByLabel('휴대폰 번호').fill('010-2222-3333');
  await page.getByLabel('소속 도서관').selectOption('bupyeong');
}

test('a weak password is refused next to the password field, in Korean and then in English', async () => {
  const page = await openPage(browser);
  await signUpToInformation(page, { name: '이서준', birthDate: '1992-08-01' });

  // The page's own check: what is missing is said next to each field.
  await page.getByRole('button', { name: '가입하기' }).click();
  const username = page.getByRole('textbox', { name: '아이디' });
  assert.equal(await errorNextTo(username), '필수 입력 항목입니다.');
  assert.ok(await username.evaluate((input) => input === document.activeElement), 'focus on the first field to fix');

  // The service's rule: too few kinds of characters.
  await fillMember(page, { username: 'seojun92', password: 'abcdefgh' });
  const password = page.getByLabel('비밀번호', { exact: true });
  assert.deepEqual(await page.locator('.rules li').evaluateAll((rows) => rows.map((r) => r.className)), ['met', 'unmet', 'met']);
  await page.getByRole('button', { name: '가입하기' }).click();
  const alert = page.getByRole('alert').filter({ hasText: '비밀번호 규칙 위반' });
  await alert.waitFor();
  assert.match(await alert.textContent(), /비밀번호가 규칙에 맞지 않습니다/);
  assert.equal(await errorNextTo(password), '영문 대·소문자, 숫자, 특수문자 중 3종류 이상(10자 이상은 2종류 이상)을 사용해야 합니다.');
  assert.equal(await password.getAttribute('aria-invalid'), 'true');
  assert.ok(await password.evaluate((input) => input === document.activeElement), 'focus on the password');
  await capture(page, 'error-weak-password');

  // Containing the username.
  await password.fill('Seojun92!!');
  await page.getByLabel('비밀번호 확인').fill('Seojun92!!');
  assert.equal(await errorNextTo(password), '', 'the old message goes once the password is edited');
  await page.getByRole('button', { name: '가입하기' }).click();
  await page.waitForFunction(() => document.querySelector('[aria-invalid="true"]'));
  assert.equal(await errorNextTo(password), '비밀번호에 아이디를 포함할 수 없습니다.');

  // English: the page's words at once, and the service's problem in English on the next answer.
  await page.getByRole('button', { name: 'English' }).click();
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.getByRole('heading', { level: 2, name: 'Details' }).waitFor();
  const passwordEn = page.getByLabel('Password', { exact: true });
  assert.equal(await passwordEn.inputValue(), 'Seojun92!!', 'what was typed stays');
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Weak password' }).waitFor();
  assert.equal(await errorNextTo(passwordEn), 'The password may not contain the username.');
  assert.equal(await page.getByRole('button', { name: '한국어' }).getAttribute('lang'), 'ko');
  await capture(page, 'error-weak-password-en');
  assertNoPageErrors(page);
  await page.context().close();
});

test('the same person signing up again sees 이미 가입된 회원 with the masked username; a taken username is refused at its field', async () => {
  await signUpThroughApi(
    { name: '최도윤', birthDate: '1988-02-02' },
    { username: 'doyun88', password: 'Library-2026!', email: 'doyun@example.kr', phone: '010-3333-4444', homeLibrary: 'central' },
  );
  const page = await openPage(browser);
  await signUpToIdentity(page);
  await verifyByPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click(), '최도윤', '1988-02-02');
  const alert = page.getByRole('alert').filter({ hasText: '이미 가입된 회원' });
  await alert.waitFor();
  const said = await alert.textContent();
  assert.match(said, /이미 가입된 회원입니다\. 아이디 찾기를 이용해 주세요\./);
  assert.match(said, /가입된 아이디: doy\*\*\*/);
  assert.doesNotMatch(said, /doyun88/);
  await capture(page, 'error-already-member');

  // 아이디 찾기: the same person verifies and sees the username.
  await alert.getByRole('link', { name: '아이디 찾기로 이동' }).click();
  await page.getByRole('heading', { level: 1, name: '아이디 찾기' }).waitFor();
  await verifyByPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click(), '최도윤', '1988-02-02');
  await page.getByRole('heading', { level: 2, name: '찾은 아이디' }).waitFor();
  assert.match(await page.locator('.accounts').textContent(), /doyun88 · 일반회원/);
  await capture(page, 'find-username');

  // Someone else wants the same username: 아이디 중복확인 says so, and so does the service.
  await signUpToInformation(page, { name: '한지우', birthDate: '1995-04-04' });
  await page.getByRole('textbox', { name: '아이디' }).fill('DoYun88');
  await page.getByRole('button', { name: '아이디 중복확인' }).click();
  await page.getByText('doyun88: 이미 사용 중이거나 사용할 수 없는 아이디입니다.').waitFor();
  await fillMember(page, { username: 'doyun88', password: 'Library-2026!' });
  await page.getByRole('button', { name: '가입하기' }).click();
  await page.getByRole('alert').filter({ hasText: '사용할 수 없는 아이디' }).waitFor();
  assert.equal(await errorNextTo(page.getByRole('textbox', { name: '아이디' })), '이미 사용 중이거나 사용할 수 없는 아이디입니다.');
  await capture(page, 'error-username-taken');
  assertNoPageErrors(page);
  await page.context().close();
});

test('동의하지 않습니다 stops the sign-up with the seed message; the terms can be read again and agreed', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/#/signup`);
  await page.getByRole('radio', { name: /일반회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();
  await page.getByRole('heading', { level: 2, name: '이용약관동의' }).waitFor();

  // 동의합니다 without the boxes: said next to each box, nothing sent.
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();
  assert.equal(await errorNextTo(page.getByRole('checkbox', { name: '이용약관 동의' })), '동의가 필요합니다.');
  assert.equal(await errorNextTo(page.getByRole('checkbox', { name: '개인정보의 수집·이용 동의' })), '동의가 필요합니다.');

  await page.getByRole('button', { name: '동의하지 않습니다' }).click();
  const heading = page.getByRole('heading', { level: 2, name: '회원가입이 중단되었습니다' });
  await heading.waitFor();
  assert.ok(await heading.evaluate((h) => h === document.activeElement));
  const stopped = await page.locator('main').textContent();
  assert.match(stopped, /이용약관 및 개인정보 수집·이용에 동의하셔야 회원서비스를 이용할 수 있습니다/);
  assert.match(stopped, /동의하지 않습니다" 응답은 기록되었습니다/);
  await capture(page, 'signup-2-terms-refused');

  await page.getByRole('button', { name: '약관 다시 보기' }).click();
  await page.getByRole('checkbox', { name: '이용약관 동의' }).check();
  await page.getByRole('checkbox', { name: '개인정보의 수집·이용 동의' }).check();
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
  assertNoPageErrors(page);
  await page.context().close();
});
