// Bringing your own data, as a person would: a generated data set in a MovieLens release's exact
// layout (core's data::synthetic via examples/generate.rs) is picked in headless Chromium on the
// built page. Measures, per size: pick → `ready` (unzip in a worker, parse, index), the longest
// main-thread task meanwhile, the tab's JS heap after loading, and the default model trained to
// `done` (holdout run with early stopping, then the refit) on the CPU backend. Prints a Markdown
// table; not a test.
//
// Usage: node scripts/bench-data.mjs [DIST]   (BENCH_DATA_SETS=ml-100k:100000,ml-1m:1000209)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = process.argv[2] ?? 'dist';
const sets = (process.env.BENCH_DATA_SETS ?? 'ml-100k:100000,ml-1m:1000209')
  .split(',').map((s) => s.split(':')).map(([layout, n]) => ({ layout, ratings: Number(n) }));
// GroupLens' own shapes where the size is theirs; else the generator's default.
const SHAPES = { 100000: ['943', '1682'], 1000209: ['6040', '3706'], 10000054: ['69878', '10677'] };

const folder = mkdtempSync(join(tmpdir(), 'filmspace-bench-data-'));
const server = await serve(dist, 0);
const url = `http://127.0.0.1:${server.address().port}/?backend=cpu`;

function generate({ layout, ratings }) {
  const path = join(folder, `${layout}-${ratings}.zip`);
  const shape = SHAPES[ratings] ? ['--users', SHAPES[ratings][0], '--items', SHAPES[ratings][1]] : [];
  execFileSync('cargo', ['run', '-q', '--release', '-p', 'filmspace-core', '--example', 'generate', '--',
    '--layout', layout, '--ratings', String(ratings), ...shape, '--out', path], { stdio: 'inherit' });
  return path;
}

async function measure(set) {
  const path = generate(set);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--enable-precise-memory-info'] });
  try {
    const page = await browser.newPage();
    await page.addInitScript(() => {
      window.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('[data-testid="data-status"]')?.dataset.state === 'ready',
      null, { timeout: 120_000 });
    await page.evaluate(() => { window.__longest = 0; });
    const before = await page.evaluate(() => performance.now());
    await page.locator('[data-testid="data-file-input"]').setInputFiles(path);
    await page.waitForFunction((name) =>
      document.querySelector('[data-testid="data-name"]')?.textContent === name, path.split('/').pop(),
    { timeout: 600_000 });
    const ready = await page.evaluate(() => performance.now());
    const longest = await page.evaluate(() => window.__longest);
    const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
    await page.locator('[data-testid="train-start"]').click();
    await page.waitForFunction(() =>
      ['done', 'error'].includes(document.querySelector('[data-testid="train-state"]')?.dataset.state),
    null, { timeout: 1_800_000 });
    const trained = await page.evaluate(() => performance.now());
    const rmse = await page.locator('[data-testid="metric-rmse"]').textContent();
    return {
      ...set, zip: statSync(path).size, loadMs: ready - before, longest, heap, trainMs: trained - ready, rmse,
    };
  } finally {
    await browser.close();
  }
}

const rows = [];
for (const set of sets) rows.push(await measure(set));
server.close();

const mb = (b) => (b / 1e6).toFixed(1);
console.log('| data set (generated) | ratings | zip MB | pick → ready (s) | longest main-thread task (ms) | JS heap after (MB; wasm memory not counted) | default model trained (s) | test RMSE |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.layout} layout | ${r.ratings.toLocaleString('en')} | ${mb(r.zip)} | ${(r.loadMs / 1000).toFixed(2)} | `
    + `${r.longest.toFixed(0)} | ${mb(r.heap)} | ${(r.trainMs / 1000).toFixed(1)} | ${r.rmse} |`);
}
