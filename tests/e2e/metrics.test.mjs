// The web client's first load, measured: what it transfers (HTML + CSS + JS, gzip-compressed as a
// CDN or API Gateway would send it, and as served) and its time to interactive in headless Chromium
// throttled like a phone on a slow network (DevTools' "Fast 3G" and a 4× slower CPU, over CDP).
// Printed as `web-metrics ...` lines; the budgets below keep the client small without a build step.
// Alone: `BASE_URL=http://127.0.0.1:<port> node --test tests/e2e/metrics.test.mjs` with local-api running.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';

import { BASE_URL, launchBrowser } from './support.mjs';

// Chrome DevTools' "Fast 3G" preset.
const FAST_3G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.44 * 1000 * 1000) / 8,
  uploadThroughput: (675 * 1000) / 8,
};
const CPU_SLOWDOWN = 4;
const RUNS = 3;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** One cold load (a new context: no cache) under the throttled profile. */
async function coldLoad() {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'ko-KR' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  const bodies = new Map();
  page.on('response', async (response) => {
    const url = new URL(response.url());
    if (url.origin === BASE_URL && (url.pathname === '/' || url.pathname.startsWith('/web/'))) {
      bodies.set(url.pathname, await response.body());
    }
  });
  await page.goto(`${BASE_URL}/`);
  await page.waitForFunction(() => performance.getEntriesByName('membership:interactive').length > 0, null, { timeout: 60000 });
  const interactive = await page.evaluate(() => performance.getEntriesByName('membership:interactive')[0].startTime);
  await page.waitForLoadState('networkidle');
  await context.close();
  return { interactive, bodies };
}

test('first load: transfer size (gzip) and time to interactive on Fast 3G with a 4× slower CPU', async () => {
  const loads = [];
  for (let i = 0; i < RUNS; i += 1) loads.push(await coldLoad());
  const { bodies } = loads.at(-1);
  let raw = 0;
  let gzip = 0;
  for (const [path, body] of [...bodies].sort()) {
    const compressed = gzipSync(body, { level: 9 }).length;
    raw += body.length;
    gzip += compressed;
    console.log(`web-metrics file ${path.padEnd(24)} ${String(body.length).padStart(7)} B  gzip ${String(compressed).padStart(6)} B`);
  }
  const times = loads.map((l) => Math.round(l.interactive)).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`web-metrics files ${bodies.size}, transfer ${raw} B as served, ${gzip} B gzip`);
  console.log(`web-metrics time to interactive (Fast 3G, CPU ${CPU_SLOWDOWN}x, cold): median ${median} ms of ${times.join(', ')} ms`);
  assert.ok(bodies.has('/') && bodies.has('/web/app.js') && bodies.has('/web/app.css'));
  assert.ok(gzip < 100 * 1024, `the first load stays under 100 KiB gzip (${gzip} B)`);
});
