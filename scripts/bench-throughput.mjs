// Training throughput (issue #16's table), not a test: one epoch of biased MF (d = 32) on
// generated ratings per training engine, natively (core/examples/throughput.rs) and in the built
// page's wasm in headless Chromium (its exported `throughput_probe`, the same core code). Engines:
// the hand-fused CPU step the trainer uses (lazy Adam on the rows a batch touches), Burn's Flex
// with dense Adam (the engine before it), and per-rating SGD in plain Rust as the reference. The
// ratios compare engines measured in the same run. Prints a Markdown table.
//
// Usage: node scripts/bench-throughput.mjs [DIST]
//   BENCH_THROUGHPUT_SETS=1000209:6040:3706,25000095:162541:59047 (ratings:users:items;
//   Burn runs on sets of at most 2 M ratings: an epoch of 25 M takes it minutes)
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const dist = process.argv[2] ?? 'dist';
const sets = (process.env.BENCH_THROUGHPUT_SETS ?? '1000209:6040:3706,25000095:162541:59047')
  .split(',').map((s) => s.split(':').map(Number)).map(([ratings, users, items]) => ({ ratings, users, items }));
const BURN_LIMIT = 2_000_000;

function native() {
  const out = execFileSync('cargo', ['run', '-q', '--release', '-p', 'filmspace-core', '--example', 'throughput', '--',
    ...sets.map((s) => `${s.ratings},${s.users},${s.items}`)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  return JSON.parse(line.slice('BENCH_JSON '.length));
}

async function wasm() {
  const server = await serve(dist, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/?backend=cpu`);
    await page.waitForFunction(() => typeof window.wasmBindings?.throughput_probe === 'function', null,
      { timeout: 120_000 });
    // V8 runs a function's first calls unoptimised and optimises it once it has run a while:
    // two small epochs of every engine first, discarded, so each set measures optimised code.
    for (let k = 0; k < 2; k++) {
      await page.evaluate(() => window.wasmBindings.throughput_probe(72_000, 943, 1_682, true));
    }
    const rates = [];
    for (const s of sets) {
      const json = await page.evaluate(({ ratings, users, items, burn }) =>
        window.wasmBindings.throughput_probe(ratings, users, items, burn),
      { ...s, burn: s.ratings <= BURN_LIMIT });
      rates.push(JSON.parse(json));
    }
    return rates;
  } finally {
    await browser.close();
    server.close();
  }
}

const nativeRates = native();
const wasmRates = await wasm();
const m = (x) => (x == null ? 'not run' : `${(x / 1e6).toFixed(2)} M`);
const ratio = (a, b) => (a == null || b == null ? '–' : (a / b).toFixed(2));
console.log('| where | ratings | users × items | fused step (ratings/s) | Burn Flex, dense Adam | scalar SGD reference | fused ÷ scalar | fused ÷ Burn | fused epoch (s) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [where, all] of [['native', nativeRates], ['wasm (Chromium)', wasmRates]]) {
  all.forEach((r, k) => {
    const s = sets[k];
    console.log(`| ${where} | ${r.ratings.toLocaleString('en')} | ${s.users.toLocaleString('en')} × ${s.items.toLocaleString('en')} | `
      + `${m(r.kernel)} | ${m(r.burn)} | ${m(r.scalar)} | ${ratio(r.kernel, r.scalar)} | ${ratio(r.kernel, r.burn)} | `
      + `${r.kernel_epoch_s.toFixed(2)} |`);
  });
}
