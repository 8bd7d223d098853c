// Bringing your own data, as a person would: a generated data set in a MovieLens release's exact
// layout (core's data::synthetic via examples/generate.rs) is picked in headless Chromium on the
// built page. Measures, per size: pick → `ready` (unzip in a worker, parse, index), the longest
// main-thread task meanwhile, the tab's JS heap after loading, and the default model trained to
// `done` (holdout run with early stopping, then the refit) on the CPU backend; from 5 M ratings,
// only its first epoch and that epoch's ratings/s (`train-rate`), then Stop. Also the peak
// resident memory of the tab's renderer process (its workers are threads of it) and of all of
// Chromium's processes, sampled every 100 ms from /proc. Prints a Markdown table; not a test.
//
// Usage: node scripts/bench-data.mjs [DIST]   (BENCH_DATA_SETS=ml-100k:100000,ml-1m:1000209)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = process.argv[2] ?? 'dist';
const sets = (process.env.BENCH_DATA_SETS ?? 'ml-100k:100000,ml-1m:1000209')
  .split(',').map((s) => s.split(':')).map(([layout, n]) => ({ layout, ratings: Number(n) }));
// GroupLens' own shapes where the size is theirs; else the generator's default.
const SHAPES = {
  100000: ['943', '1682'], 1000209: ['6040', '3706'], 10000054: ['69878', '10677'],
  25000095: ['162541', '59047'],
};
const ONE_EPOCH_FROM = 5_000_000;

// Resident bytes of `root`'s descendants (this script's: the Chromium it launched), and of the
// largest renderer among them.
function residentBytes(root) {
  const { readdirSync, readFileSync } = require('node:fs');
  const children = new Map();
  const rss = new Map();
  const renderer = new Set();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      rss.set(Number(name), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('--type=renderer')) renderer.add(Number(name));
    } catch { /* the process ended meanwhile */ }
  }
  let total = 0;
  let largestRenderer = 0;
  const walk = (pid) => {
    if (pid !== root) total += rss.get(pid) ?? 0;
    if (renderer.has(pid)) largestRenderer = Math.max(largestRenderer, rss.get(pid) ?? 0);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return { total, renderer: largestRenderer };
}

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
  const peak = { total: 0, renderer: 0 };
  const sampler = setInterval(() => {
    const now = residentBytes(process.pid);
    peak.total = Math.max(peak.total, now.total);
    peak.renderer = Math.max(peak.renderer, now.renderer);
  }, 100);
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
    const longestToReady = longest;
    const loadPeak = { ...peak };
    await page.evaluate(() => { window.__longest = 0; });
    await page.locator('[data-testid="train-start"]').click();
    let trainMs;
    let rmse = '–';
    let rate = '';
    if (set.ratings >= ONE_EPOCH_FROM) {
      await page.waitForFunction(() =>
        Number(document.querySelector('[data-testid="train-rate"]')?.dataset.ratingsPerS) > 0,
      null, { timeout: 1_800_000 });
      trainMs = await page.evaluate(() => performance.now()) - ready;
      rate = await page.locator('[data-testid="train-rate"]').getAttribute('data-ratings-per-s');
      await page.locator('[data-testid="train-stop"]').click();
    } else {
      await page.waitForFunction(() =>
        ['done', 'error'].includes(document.querySelector('[data-testid="train-state"]')?.dataset.state),
      null, { timeout: 1_800_000 });
      trainMs = await page.evaluate(() => performance.now()) - ready;
      rmse = await page.locator('[data-testid="metric-rmse"]').textContent();
    }
    const longestTraining = await page.evaluate(() => window.__longest);
    return {
      ...set, zip: statSync(path).size, loadMs: ready - before, longest: longestToReady, heap, trainMs, rmse,
      rate, loadPeak, peak: { ...peak }, longestTraining,
    };
  } finally {
    clearInterval(sampler);
    await browser.close();
  }
}

const rows = [];
for (const set of sets) rows.push(await measure(set));
server.close();

const mb = (b) => (b / 1e6).toFixed(1);
const gb = (b) => (b / 1e9).toFixed(2);
console.log('| data set (generated) | ratings | zip MB | pick → ready (s) | longest main-thread task to ready (ms) | JS heap after (MB; wasm memory not counted) | peak RSS to ready: tab / all Chromium (GB) | default model trained (s) | test RMSE | first epoch (s after ready; ratings/s) | longest task while training (ms) | peak RSS overall: tab / all (GB) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const epoch = r.rate ? `${(r.trainMs / 1000).toFixed(1)}; ${Number(r.rate).toLocaleString('en')}` : '–';
  const trained = r.rate ? '–' : (r.trainMs / 1000).toFixed(1);
  console.log(`| ${r.layout} layout | ${r.ratings.toLocaleString('en')} | ${mb(r.zip)} | ${(r.loadMs / 1000).toFixed(2)} | `
    + `${r.longest.toFixed(0)} | ${mb(r.heap)} | ${gb(r.loadPeak.renderer)} / ${gb(r.loadPeak.total)} | ${trained} | ${r.rmse} | `
    + `${epoch} | ${r.longestTraining.toFixed(0)} | ${gb(r.peak.renderer)} / ${gb(r.peak.total)} |`);
}
