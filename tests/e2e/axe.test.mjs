// The accessibility scan itself: axe-core, injected into the page, finds a violation planted on
// purpose, so that every "0 serious, 0 critical" of the other tests means something.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { BASE_URL, launchBrowser, openPage } from './support.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the axe scan sees an unlabelled input and text without contrast', async () => {
  const page = await openPage(browser);
  await page.goto(`${BASE_URL}/`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.evaluate(() => {
    const planted = document.createElement('div');
    planted.innerHTML = '<input type="text"><p>faint</p>';
    // Through the CSSOM: the page's Content-Security-Policy refuses style attributes.
    planted.querySelector('p').style.color = '#eee';
    document.querySelector('main').append(planted);
  });
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => (await window.axe.run(document)).violations.map((v) => `${v.id}:${v.impact}`));
  assert.ok(found.includes('label:critical'), found.join(', '));
  assert.ok(found.includes('color-contrast:serious'), found.join(', '));
  await page.context().close();
});
