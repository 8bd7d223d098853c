// The walking skeleton in a real headless Chromium: the page loads ML-100K, shows its statistics
// and charts, reports the compute backend, and explains missing or broken data without dying.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendState, byTestId, dataState, inkedFraction, launch, openPage, startServer, withScreenshot, scratchDir } from './support.mjs';

const DATA = process.env.FILMSPACE_DATA_DIR ?? 'public/data/ml-100k';
let server;
before(async () => { server = await startServer(); });
after(() => server?.close());

/** Opens the page in a fresh browser, runs `body`, and always closes the browser. */
async function withPage(name, options, body, prepare = async () => {}) {
  const context = await launch(options);
  try {
    await prepare(context);
    const page = await openPage(context, server.url);
    await withScreenshot(page, name, () => body(page));
  } finally {
    await context.close();
  }
}

function zipOf(files) {
  const dir = scratchDir('zip');
  const zip = join(dir, 'ml-100k.zip');
  execFileSync('python3', ['-c', `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for path in sys.argv[2:]:
        z.write(path, 'ml-100k/' + path.rsplit('/', 1)[-1])
`, zip, ...files.map((f) => join(DATA, f))]);
  return zip;
}

describe('the data page', () => {
  test('loads ML-100K and shows the counts and drawn charts, with WebGPU reported', async () => {
    await withPage('loads', { webgpu: true }, async (page) => {
      assert.equal(await dataState(page), 'ready', await byTestId(page, 'data-status').textContent());
      assert.match(await byTestId(page, 'data-status').textContent(), /Loaded 100,000 ratings of 1682 films by 943 people/);
      assert.equal(await byTestId(page, 'stat-users').textContent(), '943');
      assert.equal(await byTestId(page, 'stat-items').textContent(), '1682');
      assert.equal(await byTestId(page, 'stat-ratings').textContent(), '100000');
      assert.equal(await byTestId(page, 'stat-sparsity').textContent(), '93.70%');
      // The charts are drawn: a fair share of their pixels is ink, not background.
      await page.waitForTimeout(200);
      for (const chart of ['rating-histogram', 'longtail-chart']) {
        const inked = await inkedFraction(page, chart);
        assert.ok(inked > 0.03, `${chart} looks blank (${(inked * 100).toFixed(2)}% inked)`);
      }
      const backend = byTestId(page, 'backend-status');
      assert.equal(await backendState(page), 'webgpu', await backend.textContent());
      // Headless Chromium's only adapter is SwiftShader, a software rasteriser.
      assert.equal(await backend.getAttribute('data-adapter'), 'software', await backend.textContent());
      assert.deepEqual(page.errors, []);
    });
  });

  test('reports the CPU backend when the browser has no WebGPU', async () => {
    await withPage('no-webgpu', { webgpu: false }, async (page) => {
      const backend = byTestId(page, 'backend-status');
      assert.equal(await backendState(page), 'cpu', await backend.textContent());
      assert.equal(await backend.getAttribute('data-adapter'), null);
      assert.match(await backend.textContent(), /CPU backend/);
      assert.equal(await dataState(page), 'ready');
      assert.deepEqual(page.errors.filter((e) => !e.includes('WebGPU')), []);
    });
  });

  test('a missing data folder waits for data rather than failing, and a picked zip fills the page', async () => {
    await withPage('missing-data', { webgpu: false }, async (page) => {
      assert.equal(await dataState(page), 'empty');
      assert.doesNotMatch(await byTestId(page, 'data-status').textContent(), /404|error/i);
      const picker = byTestId(page, 'data-zip-input');
      assert.ok(await picker.isEnabled());

      // A junk file is refused with a reason; then a real zip loads.
      const junk = join(scratchDir('junk'), 'junk.zip');
      writeFileSync(junk, Buffer.from('this is not a zip archive at all'));
      await picker.setInputFiles(junk);
      await page.waitForFunction(() =>
        /not a readable zip/.test(document.querySelector('[data-testid="data-zip-error"]')?.textContent ?? ''));
      assert.equal(await byTestId(page, 'data-status').getAttribute('data-state'), 'empty');
      await picker.setInputFiles(zipOf(['u.data', 'u.item', 'u.user', 'u.info']));
      await page.waitForFunction(() =>
        document.querySelector('[data-testid="data-status"]').dataset.state === 'ready', null, { timeout: 30_000 });
      assert.equal(await byTestId(page, 'stat-ratings').textContent(), '100000');
    }, (context) => context.route('**/data/ml-100k/**', (route) => route.fulfill({ status: 404, body: 'not found' })));
  });

  test('a truncated u.data names the file', async () => {
    const full = readFileSync(join(DATA, 'u.data'));
    await withPage('truncated', { webgpu: false }, async (page) => {
      assert.equal(await dataState(page), 'error');
      assert.match(await byTestId(page, 'data-status').textContent(), /u\.data/);
    }, (context) => context.route('**/data/ml-100k/u.data', (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: full.subarray(0, 1_000_003) })));
  });

  test('a malformed u.item line is reported with its line number', async () => {
    const lines = readFileSync(join(DATA, 'u.item'), 'latin1').split('\n');
    lines[4] = '5|a line with too few fields';
    await withPage('malformed', { webgpu: false }, async (page) => {
      assert.equal(await dataState(page), 'error');
      assert.match(await byTestId(page, 'data-status').textContent(), /u\.item, line 5: expected 24/);
      // The rest of the page stays usable.
      assert.ok(await byTestId(page, 'data-zip-input').isEnabled());
    }, (context) => context.route('**/data/ml-100k/u.item', (route) =>
      route.fulfill({ status: 200, body: Buffer.from(lines.join('\n'), 'latin1') })));
  });

  test('a bad zip never replaces data that loaded', async () => {
    await withPage('bad-zip', { webgpu: false }, async (page) => {
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'data-zip-input').setInputFiles(zipOf(['u.data', 'u.user']));
      const error = byTestId(page, 'data-zip-error');
      await error.waitFor();
      assert.match(await error.textContent(), /holds no u\.item/);
      assert.equal(await byTestId(page, 'data-status').getAttribute('data-state'), 'ready');
      assert.match(await byTestId(page, 'data-status').textContent(), /Loaded 100,000 ratings of 1682 films by 943 people/);
      assert.equal(await byTestId(page, 'stat-users').textContent(), '943');
    });
  });

  test('fits a phone screen and is keyboard reachable', async () => {
    await withPage('phone', { webgpu: false }, async (page) => {
      await page.setViewportSize({ width: 375, height: 740 });
      assert.equal(await dataState(page), 'ready');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
      // The lesson rail's links and the presenter toggle come first, then the data file input.
      const focused = [];
      for (let i = 0; i < 10; i++) {
        await page.keyboard.press('Tab');
        focused.push(await page.evaluate(() => document.activeElement?.dataset.testid
          ?? document.activeElement?.closest('[data-lesson]')?.dataset.lesson));
      }
      assert.deepEqual(focused, ['data', 'mf', 'overfitting', 'coldstart', 'embeddings', 'reuse', 'rank-vs-rate', 'course-models', 'presenter-toggle', 'data-file-input']);
    });
  });
});
