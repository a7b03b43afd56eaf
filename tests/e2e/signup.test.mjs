// Sign-ups as people make them, in Chromium: a general member through Incheon citizen certification,
// and a child member with a guardian through Incheon student certification.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  DESKTOP,
  assertNoPageErrors,
  capture,
  errorNextTo,
  openProviderPopup,
  verifyByPopup,
  verifyInPopup,
  isLoanCardNumber,
  launchBrowser,
  openPage,
  registerDlsAccount,
  registerResident,
  seoulYearsAgo,
  signUpToIdentity,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('a general member signs up, signs in, and becomes a full member by Incheon citizen certification', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await assert.doesNotReject(page.getByRole('heading', { level: 1, name: '통합회원 서비스' }).waitFor());
  assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
  await capture(page, 'home');

  // 1. 회원유형확인
  await page.getByRole('link', { name: '신규회원 가입하기' }).click();
  const typeHeading = page.getByRole('heading', { level: 2, name: '회원유형확인' });
  await typeHeading.waitFor();
  assert.ok(await typeHeading.evaluate((h) => h === document.activeElement), 'focus is on the step heading');
  const steps = page.getByRole('navigation', { name: '회원가입 단계' }).getByRole('listitem');
  assert.deepEqual(await steps.allTextContents(), ['1회원유형확인', '2이용약관동의', '3본인확인', '4정보입력']);
  assert.equal(await steps.nth(0).getAttribute('aria-current'), 'step');
  assert.match(await page.locator('main').textContent(), /부모 명의 핸드폰 또는 아이핀 인증을 통한 동의/);
  await capture(page, 'signup-1-member-type');
  await page.getByRole('radio', { name: /일반회원/ }).check();
  await page.getByRole('button', { name: '다음' }).click();

  // 2. 이용약관동의
  const termsHeading = page.getByRole('heading', { level: 2, name: '이용약관동의' });
  await termsHeading.waitFor();
  assert.ok(await termsHeading.evaluate((h) => h === document.activeElement));
  assert.equal(await steps.nth(1).getAttribute('aria-current'), 'step');
  assert.equal(await steps.nth(0).getAttribute('aria-current'), null);
  const termsText = page.getByRole('region', { name: '이용약관 동의' });
  assert.match(await termsText.textContent(), /제1조 목적/);
  assert.match(await page.getByRole('region', { name: '개인정보의 수집·이용 동의' }).textContent(), /개인정보의 수집·이용 목적/);
  const notice = page.getByRole('region', { name: '인천광역시교육청 공공도서관 통합안내' });
  assert.match(await notice.textContent(), /소속 9개 기관의 회원정보가 통합 운영됩니다/);
  assert.equal(await notice.getByRole('listitem').count(), 9);
  await capture(page, 'signup-2-terms');
  await page.getByRole('checkbox', { name: '이용약관 동의' }).check();
  await page.getByRole('checkbox', { name: '개인정보의 수집·이용 동의' }).check();
  await page.getByRole('button', { name: '동의합니다', exact: true }).click();

  // 3. 본인확인
  await page.getByRole('heading', { level: 2, name: '본인확인' }).waitFor();
  assert.equal(await steps.nth(2).getAttribute('aria-current'), 'step');
  await capture(page, 'signup-3-identity');
  // The provider's window opens as a pop-up; its result comes back to this page, which goes on.
  const popup = await openProviderPopup(page, () => page.getByRole('button', { name: '휴대폰 본인인증' }).click());
  assert.match(popup.url(), /\/_sim\/nice\/CheckPlusSafeModel\/service\.cb$/);
  await popup.getByLabel(/^이름/).fill('김하늘');
  await popup.getByLabel(/^생년월일/).fill('1990-05-17');
  const closed = popup.waitForEvent('close');
  await popup.getByRole('button', { name: /^인증/ }).click();
  await closed;

  // 4. 정보입력
  await page.getByRole('heading', { level: 2, name: '정보입력' }).waitFor();
  assert.equal(await steps.nth(3).getAttribute('aria-current'), 'step');
  assert.match(await page.locator('.verified').textContent(), /김하늘 \(1990-05-17\)/);
  const username = page.getByRole('textbox', { name: '아이디' });
  await username.fill('haneul01');
  await page.getByRole('button', { name: '아이디 중복확인' }).click();
  await page.getByText('haneul01: 사용할 수 있는 아이디입니다.').waitFor();
  const password = page.getByLabel('비밀번호', { exact: true });
  await password.fill('library');
  assert.deepEqual(await page.locator('.rules li').evaluateAll((rows) => rows.map((r) => r.className)), ['unmet', 'unmet', 'met']);
  await password.fill('Library-2026!');
  assert.deepEqual(await page.locator('.rules li').evaluateAll((rows) => rows.map((r) => r.className)), ['met', 'met', 'met']);
  await page.getByLabel('비밀번호 확인').fill('Library-2026!');
  await page.getByLabel('이메일').fill('haneul@example.kr');
  await page.getByLabel('휴대폰 번호').fill('010-1234-5678');
  const library = page.getByLabel('소속 도서관');
  assert.equal(await library.locator('option[value]:not([value=""])').count(), 9);
  await library.selectOption('seogu');
  await capture(page, 'signup-4-information');
  await page.getByRole('button', { name: '가입하기' }).click();

  // The result: 자료대출번호
  await page.getByRole('heading', { level: 2, name: '회원가입이 완료되었습니다' }).waitFor();
  const loanCard = (await page.locator('dd.loan-card').textContent()).trim();
  assert.ok(isLoanCardNumber(loanCard), `loan-card number ${loanCard}`);
  assert.match(await page.locator('dl.summary').textContent(), /준회원/);
  await capture(page, 'signup-5-done');

  // 로그인
  await page.getByRole('link', { name: '로그인', exact: true }).last().click();
  await page.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  assert.equal(await page.getByLabel('아이디').inputValue(), 'haneul01');
  await page.getByLabel('비밀번호').fill('Library-2026!');
  await capture(page, 'login');
  await page.getByRole('main').getByRole('button', { name: '로그인' }).click();

  // 마이페이지: 준회원, nothing but the basics
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  assert.equal(await page.locator('dd.grade').textContent(), '준회원');
  assert.equal(await page.locator('dd.loan-card').textContent(), loanCard);
  const entitlement = (name) => page.getByRole('row', { name: new RegExp(name) }).getByRole('cell');
  assert.match(await entitlement('전자도서관').textContent(), /이용 불가/);
  await capture(page, 'mypage-associate');

  // 비대면자격확인인증안내 → 인천시민인증
  await registerResident('900517-2345678', '김하늘');
  await page.getByRole('main').getByRole('link', { name: '비대면자격확인인증안내' }).click();
  await page.getByRole('heading', { level: 1, name: '비대면자격확인인증안내' }).waitFor();
  const guide = await page.locator('main').textContent();
  assert.match(guide, /비대면 인증 회원은 원칙적으로 전자도서관만 이용할 수 있습니다/);
  assert.match(guide, /DLS 아이디\/패스워드 정보를 모를 경우 해당 학교에 문의하여 주시기 바랍니다/);
  await capture(page, 'certify-guide');
  await page.getByRole('link', { name: '인천시민인증' }).click();
  await page.getByRole('heading', { level: 1, name: '인천시민인증' }).waitFor();
  assert.match(await page.getByRole('region', { name: '개인정보 제3자 제공 동의(인천시민인증)' }).textContent(), /자격여부 확인 후 즉시 파기/);
  assert.match(await page.locator('main').textContent(), /준회원일 경우에만 인증을 통해 정회원으로 등록하시기 바랍니다/);
  // The RRN as 앞 6자리 (shown) and 뒤 7자리 (masked); the verified name is filled in already.
  const rrnFront = page.getByLabel('주민등록번호 앞 6자리');
  const rrn = page.getByLabel('주민등록번호 뒤 7자리');
  assert.equal(await rrnFront.getAttribute('type'), 'text');
  assert.equal(await rrn.getAttribute('type'), 'password');
  assert.equal(await rrn.getAttribute('autocomplete'), 'off');
  assert.equal(await page.getByLabel('성명').inputValue(), '김하늘');
  assert.match(await page.locator('.attempts').textContent(), /오늘 남은 인증 시도: 5회/);

  // Without the consent, the form says so next to the checkbox.
  await page.getByLabel('성명').fill('김하늘');
  // The whole number typed into the front goes on into the back.
  await rrnFront.fill('900517-2345678');
  assert.equal(await rrnFront.inputValue(), '900517');
  assert.equal(await rrn.inputValue(), '2345678');
  await page.getByRole('button', { name: '인증하기' }).click();
  const consent = page.getByRole('checkbox', { name: /인천시민 자격 확인 조회를 위하여/ });
  assert.match(await errorNextTo(consent), /동의해야 인증할 수 있습니다/);
  await consent.check();
  await capture(page, 'certify-citizen');
  await page.getByRole('button', { name: '인증하기' }).click();
  await page.getByRole('heading', { level: 2, name: '인증이 완료되었습니다' }).waitFor();
  assert.equal(await page.locator('.outcome dd.grade').textContent(), '정회원');
  await capture(page, 'certify-citizen-done');

  // The RRN is gone from the page and was never kept by it.
  assert.equal(await rrn.inputValue(), '');
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage).length,
    session: Object.values(sessionStorage).join(' '),
  }));
  assert.equal(stored.local, 0, 'nothing in localStorage');
  assert.doesNotMatch(stored.session, /900517|2345678|김하늘|haneul@/, 'no personal data in sessionStorage');

  await page.getByRole('link', { name: '마이페이지로 이동' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  assert.equal(await page.locator('dd.grade').textContent(), '정회원');
  assert.match(await entitlement('전자도서관').textContent(), /이용 가능/);
  assert.match(await entitlement('무인예약').textContent(), /이용 불가/);
  assert.match(await entitlement('스마트도서관').textContent(), /이용 불가/);
  assert.match(await entitlement('데스크 대출').textContent(), /이용 불가/);
  assert.match(await page.locator('.certifications').textContent(), /인천시민인증/);
  await capture(page, 'mypage-full');
  assertNoPageErrors(page);
  await page.context().close();
});

test('a child member is signed up by a guardian, who verifies again for Incheon student certification', async () => {
  const page = await openPage(browser, { viewport: DESKTOP });
  const childBirthDate = seoulYearsAgo(9);
  await signUpToIdentity(page, 'child');
  assert.match(await page.locator('main').textContent(), /보호자\(법정대리인\)의 동의가 필요합니다/);
  await capture(page, 'child-3-identity');
  const popup = await openProviderPopup(page, () => page.getByRole('button', { name: 'I-PIN(아이핀)인증' }).click());
  assert.match(await popup.getByRole('heading').textContent(), /아이핀/);
  await verifyInPopup(popup, '박보호', '1985-03-03');

  await page.getByRole('heading', { level: 2, name: '정보입력' }).waitFor();
  assert.match(await page.locator('.verified').textContent(), /보호자 인증 완료: 박보호/);
  await page.getByLabel('자녀 이름').fill('박하루');
  await page.getByLabel('자녀 생년월일').fill(childBirthDate);
  await page.getByRole('textbox', { name: '아이디' }).fill('haru2015');
  await page.getByLabel('비밀번호', { exact: true }).fill('Library-2026!');
  await page.getByLabel('비밀번호 확인').fill('Library-2026!');
  await page.getByLabel('보호자 이메일').fill('guardian@example.kr');
  await page.getByLabel('보호자 휴대폰 번호').fill('010-9876-5432');
  await page.getByLabel('소속 도서관').selectOption('yeonsu');
  await capture(page, 'child-4-information');
  await page.getByRole('button', { name: '가입하기' }).click();

  await page.getByRole('heading', { level: 2, name: '회원가입이 완료되었습니다' }).waitFor();
  assert.match(await page.locator('dl.summary').textContent(), /어린이·학생회원/);
  await capture(page, 'child-5-done');

  await page.getByRole('link', { name: '로그인', exact: true }).last().click();
  await page.getByLabel('비밀번호').fill('Library-2026!');
  await page.getByRole('main').getByRole('button', { name: '로그인' }).click();
  await page.getByRole('heading', { level: 1, name: '마이페이지' }).waitFor();
  const profile = await page.locator('dl.summary').textContent();
  assert.match(profile, /박하루/);
  assert.match(profile, /보호자박보호/);
  assert.match(profile, /인천광역시교육청연수도서관/);

  // 인천학생인증: DLS knew the child before the sign-up; the guardian verifies again (PIPA art. 22-2).
  await registerDlsAccount('박하루', 'haru-dls', 'dls-Secret-1', seoulYearsAgo(1));
  await page.goto(`${BASE_URL}/#/certify/student`);
  await page.getByRole('heading', { level: 1, name: '인천학생인증(DLS)' }).waitFor();
  const guardian = page.getByRole('group', { name: '보호자 동의 (만 14세 미만)' });
  assert.ok(await guardian.isVisible(), 'a child under 14 is asked for the guardian');
  assert.equal(await page.getByLabel('DLS 패스워드').getAttribute('type'), 'password');
  await page.getByRole('checkbox', { name: '개인정보 수집 제공에 동의합니다.' }).check();
  await page.getByLabel('DLS 회원명').fill('박하루');
  await page.getByLabel('DLS 아이디').fill('haru-dls');
  await page.getByLabel('DLS 패스워드').fill('dls-Secret-1');
  await verifyByPopup(page, () => guardian.getByRole('button', { name: '휴대폰 본인인증' }).click(), '박보호', '1985-03-03');
  await guardian.getByText('보호자 인증 완료').waitFor();
  await capture(page, 'certify-student');
  await page.getByRole('button', { name: '인증하기' }).click();
  await page.getByRole('heading', { level: 2, name: '인증이 완료되었습니다' }).waitFor();
  assert.equal(await page.locator('.outcome dd.grade').textContent(), '경회원');
  assert.equal(await page.getByLabel('DLS 패스워드').inputValue(), '');
  await capture(page, 'certify-student-done');
  assertNoPageErrors(page);
  await page.context().close();
});
