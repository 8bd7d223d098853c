// The page as a new visitor on a real network meets it: served by scripts/static-server.mjs
// (compressed, cached, with its service worker), opened in Debian's headless Chromium with the
// network throttled by Chrome's own emulation (CDP Network.emulateNetworkConditions). Measures
// the bytes on the wire and the time from navigation until `data-status` is `ready`, until a
// first trained model (`?autotrain=1`), a second visit from the warm cache, and a reload with
// the network off. Prints a Markdown table; not a test.
//
// Usage: node scripts/bench-load.mjs [DIST]   (BENCH_LOAD_MBIT=20, BENCH_LOAD_RTT_MS=40)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const MBIT = Number(process.env.BENCH_LOAD_MBIT ?? 20);
const RTT = Number(process.env.BENCH_LOAD_RTT_MS ?? 40);
const ARGS = ['--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const dist = process.argv[2] ?? 'dist';
// Bytes are counted where they leave the server: the page's requests and its workers' alike.
const served = { bytes: 0 };
const server = await serve(dist, 0, { onSent: (_, bytes) => { served.bytes += bytes; } });
const url = `http://127.0.0.1:${server.address().port}/`;

/** A page under Chrome's network emulation (set on the page's DevTools session). */
async function throttled(context, offline = false) {
  const page = context.pages()[0] ?? await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline, latency: RTT, downloadThroughput: (MBIT * 1e6) / 8, uploadThroughput: (MBIT * 1e6) / 8,
  });
  return page;
}

/** Milliseconds from navigation until the selector's `data-state` is one of `states`: read in
 * the page, in the first animation frame that has it (not when a later call from here gets the
 * page's thread, which can wait behind the tasks that follow). */
async function until(page, testId, states, timeout = 180_000) {
  const handle = await page.waitForFunction(([id, wanted]) =>
    wanted.includes(document.querySelector(`[data-testid="${id}"]`)?.dataset.state) && performance.now(),
  [testId, states], { timeout, polling: 'raf' });
  return handle.jsonValue();
}

async function visit(profile, query, testId, states, { offline = false } = {}) {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, serviceWorkers: 'allow',
  });
  try {
    const page = await throttled(context, offline);
    served.bytes = 0;
    await page.goto(url + query);
    const ms = await until(page, testId, states);
    const atReady = served.bytes;
    // Let the service worker finish caching before this profile is reused.
    await page.evaluate(() => navigator.serviceWorker?.ready).catch(() => {});
    await page.waitForFunction(() => navigator.serviceWorker?.controller, null, { timeout: 120_000 }).catch(() => {});
    return { ms, bytes: atReady };
  } finally {
    await context.close();
  }
}

const rows = [];
const fresh = () => mkdtempSync(join(tmpdir(), 'filmspace-load-'));
const profile = fresh();
const first = await visit(profile, '', 'data-status', ['ready']);
rows.push(['first visit: navigation → ready', first]);
const second = await visit(profile, '', 'data-status', ['ready']);
rows.push(['second visit (warm cache) → ready', second]);
const offline = await visit(profile, '', 'data-status', ['ready'], { offline: true });
rows.push(['reload with the network off → ready', offline]);
const trained = await visit(fresh(), '?autotrain=1', 'train-state', ['done']);
rows.push(['first visit: navigation → first trained model (`?autotrain=1`)', trained]);
rmSync(profile, { recursive: true, force: true });
server.close();

console.log(`\n| ${MBIT} Mbit/s, ${RTT} ms RTT (Chrome's emulation), \`scripts/serve\`'s server | time | bytes served before it |`);
console.log('|---|---|---|');
for (const [label, { ms, bytes }] of rows) {
  console.log(`| ${label} | ${(ms / 1000).toFixed(2)} s | ${(bytes / 1e6).toFixed(2)} MB |`);
}
