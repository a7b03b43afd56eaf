// The sign-up by keyboard alone: the member type and consent steps with Tab, Space and Enter only,
// focus on each step's heading, a visible focus ring, and the provider's window by keyboard.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  BASE_URL,
  assertNoPageErrors,
  capture,
  focused,
  launchBrowser,
  openPage,
  openProviderPopup,
  tabTo,
  verifyInPopup,
} from './support.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function headingHasFocus(page, name) {
  await page.getByRole('heading', { level: 2, name }).waitFor();
  await page.waitForFunction((text) => document.activeElement?.textContent === text, name);
}

test('회원유형확인 and 이용약관동의 are completed with Tab, Space and Enter only', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await page.getByRole('heading', { level: 1, name: '통합회원 서비스' }).waitFor();

  // From the top of the page: the skip link comes first, then the way to sign up.
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).text, '본문 바로가기');
  await tabTo(page, (f) => f.tag === 'a' && f.text === '신규회원 가입하기');
  await page.keyboard.press('Enter');
  await headingHasFocus(page, '회원유형확인');

  // 회원유형확인: Tab to 일반회원, Space to choose it, Tab to 다음, Enter.
  const radio = await tabTo(page, (f) => f.type === 'radio');
  assert.match(radio.label, /일반회원/);
  await page.keyboard.press('Space');
  assert.ok(await page.getByRole('radio', { name: /일반회원/ }).isChecked());
  assert.equal((await focused(page)).outline, 'solid', 'the focus ring shows');
  await capture(page, 'keyboard-member-type');
  await tabTo(page, (f) => f.tag === 'button' && f.text === '다음');
  await page.keyboard.press('Enter');

  // 이용약관동의: each document's text can be reached and scrolled; Space ticks each box; Enter agrees.
  await headingHasFocus(page, '이용약관동의');
  const region = await tabTo(page, (f) => f.tag === 'div' && f.text.startsWith('제1장 총칙'));
  assert.equal(region.outline, 'solid');
  await tabTo(page, (f) => f.type === 'checkbox' && f.label.includes('이용약관 동의'));
  await page.keyboard.press('Space');
  await tabTo(page, (f) => f.type === 'checkbox' && f.label.includes('개인정보의 수집·이용 동의'));
  await page.keyboard.press('Space');
  await tabTo(page, (f) => f.tag === 'button' && f.text === '동의합니다');
  await capture(page, 'keyboard-terms');
  await page.keyboard.press('Enter');

  // 본인확인: the provider's window opens as a pop-up on Enter; closed without verifying, focus is
  // back on the button; verified, the page goes on.
  await headingHasFocus(page, '본인확인');
  await tabTo(page, (f) => f.tag === 'button' && f.text === 'I-PIN(아이핀)인증');
  const abandoned = await openProviderPopup(page, () => page.keyboard.press('Enter'));
  await abandoned.close();
  await page.waitForFunction(() => document.activeElement?.textContent?.trim() === 'I-PIN(아이핀)인증');

  const popup = await openProviderPopup(page, () => page.keyboard.press('Enter'));
  await verifyInPopup(popup, '정다은', '1993-12-24');
  await headingHasFocus(page, '정보입력');
  assert.match(await page.locator('.verified').textContent(), /정다은/);
  assertNoPageErrors(page);
  await page.context().close();
});
