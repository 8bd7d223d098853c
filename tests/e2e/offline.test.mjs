// The page as production serves it, in a real headless Chromium: compressed responses under a
// strict Content-Security-Policy with no violation, a reload with the network off that still
// trains and recommends, and a new build that the page offers to switch to.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '../../scripts/static-server.mjs';
import { byTestId, dataState, launch, openPage, withScreenshot } from './support.mjs';

const DIST = process.env.FILMSPACE_DIST ?? 'dist';
// A copy of the build per run, so a test can publish a "new build" without touching dist/.
const copy = join(mkdtempSync(join(tmpdir(), 'filmspace-build-')), 'dist');
let server;
let url;
before(async () => {
  cpSync(DIST, copy, { recursive: true });
  server = await serve(copy, 0);
  url = `http://127.0.0.1:${server.address().port}/`;
});
after(() => server?.close());

/** A fresh browser whose pages record CSP violations in `window.__violations`. */
async function withBrowser(name, body) {
  const context = await launch({ webgpu: false });
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  try {
    const page = await openPage(context);
    await withScreenshot(page, name, () => body(page, context));
  } finally {
    await context.close();
  }
}

const trainState = (page) => byTestId(page, 'train-state').getAttribute('data-state');
async function trainsToDone(page) {
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="train-state"]')?.dataset.state === 'done', null, { timeout: 120_000 });
  assert.equal(await trainState(page), 'done');
}

describe('served like production', () => {
  test('compressed wasm and data under a strict CSP: the page trains with no violation', async () => {
    await withBrowser('csp', async (page) => {
      const responses = new Map();
      page.on('response', (r) => responses.set(new URL(r.url()).pathname, r));
      await page.goto(`${url}?split=u1&epochs=2&autotrain=1`);
      assert.equal(await dataState(page), 'ready');
      await trainsToDone(page);
      const wasm = [...responses.keys()].find((p) => /^\/filmspace-[0-9a-f]{8,16}_bg\.wasm$/.test(p));
      const headers = await responses.get(wasm).allHeaders();
      assert.ok(['br', 'gzip'].includes(headers['content-encoding']), headers['content-encoding']);
      assert.equal(headers['content-type'], 'application/wasm');
      assert.match(headers['cache-control'], /immutable/);
      const data = await responses.get('/data/ml-100k/u.data').allHeaders();
      assert.ok(['br', 'gzip'].includes(data['content-encoding']));
      assert.match(data.etag, /^W\//);
      const root = await responses.get('/').allHeaders();
      assert.match(root['content-security-policy'], /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
      assert.equal(root['x-content-type-options'], 'nosniff');
      assert.deepEqual(await page.evaluate(() => window.__violations), []);
      assert.deepEqual(page.errors, []);
    });
  });

  test('after one visit a reload with the network off is ready, trains and recommends', async () => {
    await withBrowser('offline', async (page, context) => {
      await page.goto(url);
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'offline-status').waitFor({ timeout: 120_000 });
      await context.setOffline(true);
      await page.goto(`${url}?split=u1&epochs=2`);
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'train-start').click();
      await trainsToDone(page);
      await byTestId(page, 'rec-item').first().waitFor();
      assert.deepEqual(await page.evaluate(() => window.__violations), []);
      assert.deepEqual(page.errors, []);
    });
  });

  test('a new build is cached beside the old one and the page offers to switch to it', async () => {
    await withBrowser('update', async (page) => {
      await page.goto(url);
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'offline-status').waitFor({ timeout: 120_000 });
      // Publish a "new build": a service worker that differs by a line (the build would compress
      // it again; here its stale compressed copies are removed).
      appendFileSync(join(copy, 'sw.js'), '\n// the next build\n');
      for (const stale of ['sw.js.br', 'sw.js.gz']) rmSync(join(copy, stale), { force: true });
      await page.evaluate(async () => (await navigator.serviceWorker.ready).update());
      const update = byTestId(page, 'update-ready');
      await update.waitFor({ timeout: 120_000 });
      await Promise.all([page.waitForEvent('load'), update.click()]);
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'offline-status').waitFor({ timeout: 30_000 });
      assert.deepEqual(page.errors, []);
    });
  });
});
