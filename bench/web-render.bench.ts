// The web UI's promise: "pages render in under 100 ms after the API answers". Measured inside
// Chromium: from the moment the access-token list's API response ends (Resource Timing) to the
// moment its table rows are in the DOM (a MutationObserver), over repeated page loads, with
// 50 active tokens on the page. SQLite, one process, Debian's Chromium.
import { ensureWebBuild, launchChromium, signInThroughUi } from '../test/e2e/browser.js';
import { makeGroup, makePat } from '../test/support/factories.js';
import { TEST_ROOT_PASSWORD } from '../test/support/harness.js';
import { startServer } from '../test/support/server.js';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const TOKENS = 50;

ensureWebBuild();
const server = await startServer('sqlite', { now: new Date().toISOString() });
const group = await makeGroup(server, server.root, { path: 'render-bench' });
const { token } = await makePat(server, server.root);
for (let i = 0; i < TOKENS; i++) {
  const res = await fetch(`${server.url}/api/v4/groups/${group.id}/access_tokens`, {
    method: 'POST',
    headers: { 'private-token': token, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `token-${i}`, scopes: ['read_api'], description: 'bench' }),
  });
  if (res.status !== 201) throw new Error(`create: ${res.status}`);
}

const browser = await launchChromium();
const page = await browser.newPage();
// Runs before the app's own scripts (through the DevTools protocol, not an inline script the CSP forbids).
await page.addInitScript(() => {
  new MutationObserver((_, observer) => {
    if (document.querySelector('table.tokens tbody tr')) {
      (window as unknown as { renderedAt: number }).renderedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
});
await signInThroughUi(page, server.url, 'root', TEST_ROOT_PASSWORD);

const samples: number[] = [];
for (let i = 0; i < LOADS; i++) {
  await page.goto(`${server.url}/groups/render-bench/-/settings/access_tokens`);
  await page.waitForSelector('table.tokens tbody tr');
  samples.push(
    await page.evaluate(() => {
      const entry = performance
        .getEntriesByType('resource')
        .find((e) => e.name.includes('/access_tokens?state=active')) as PerformanceResourceTiming | undefined;
      if (!entry) throw new Error('no access token request seen');
      return (window as unknown as { renderedAt: number }).renderedAt - entry.responseEnd;
    }),
  );
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)]!;
const p90 = samples[Math.floor(samples.length * 0.9)]!;
console.log(`access tokens page, ${TOKENS} tokens: render after the API answered — median ${median.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${samples.at(-1)!.toFixed(1)} ms over ${LOADS} loads (budget 100 ms)`);
await browser.close();
await server.close();
