// Times training in the built page, in Debian's headless Chromium: for scripts/bench.
//
// Usage: node scripts/bench-browser.mjs DIST NAME=QUERY[@webgpu|@nowebgpu] ...
//   e.g. cpu=?split=u1&backend=cpu&autotrain=1; a NAME starting with `zoo` runs the whole model
//   zoo on u1 in the page instead and reports its rows
// Each run gets a fresh browser profile, opens DIST's index.html with QUERY (which must contain
// autotrain=1) and waits for train-state to be `done`. The app is not changed: an init script
// watches the page's DOM with a MutationObserver and stamps each change of the elements below
// with performance.now() (milliseconds since navigation started). Prints progress on stderr and,
// at the end, one line `BENCH_JSON {...}` on stdout. Exit status 1 when a run fails.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.BENCH_RUN_TIMEOUT_S ?? 300) * 1000;
// The flags of tests/e2e/support.mjs; BENCH_CHROMIUM_ARGS (space-separated) adds more.
const ARGS = ['--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ...(process.env.BENCH_CHROMIUM_ARGS ?? '').split(' ').filter(Boolean)];

// Runs in the page before its own scripts.
function watcher() {
  const bench = { events: [], last: {} };
  window.__bench = bench;
  const q = (id) => document.querySelector(`[data-testid="${id}"]`);
  const snapshot = () => {
    const state = q('train-state');
    // The whole "NNN ms/epoch · NNN ratings/s" text, so that two epochs with the same rounded
    // ms still count as two.
    const rate = state?.parentElement?.textContent.match(/[\d.,]+ ms\/epoch[^\d]*[\d.,]+ ratings\/s/);
    return {
      data: q('data-status')?.dataset.state ?? '',
      probe: q('backend-status')?.dataset.state ?? '',
      state: state?.dataset.state ?? '',
      epoch: q('train-epoch')?.textContent ?? '',
      backend: q('train-backend')?.dataset.state ?? '',
      stage: q('train-stage')?.textContent ?? '',
      rate: rate ? rate[0] : '',
      rmse: q('metric-rmse')?.textContent ?? '',
    };
  };
  // Several epoch counter values can pass within one task (the last epoch of the holdout run,
  // then the refit's epoch 0): the mutation records' old values keep each of them.
  const inEpoch = (node) => (node.nodeType === 1 ? node : node.parentElement)
    ?.closest('[data-testid="train-epoch"]');
  const watch = (records) => {
    const now = performance.now();
    for (const r of records ?? []) {
      if (r.type === 'characterData' && r.oldValue !== null && inEpoch(r.target)
        && r.oldValue !== bench.last.epoch) {
        bench.events.push({ t: now, key: 'epoch', value: r.oldValue });
        bench.last.epoch = r.oldValue;
      }
    }
    const snap = snapshot();
    for (const [key, value] of Object.entries(snap)) {
      if (value !== bench.last[key]) bench.events.push({ t: now, key, value });
    }
    bench.last = snap;
  };
  new MutationObserver(watch).observe(document, {
    subtree: true, childList: true, attributes: true, characterData: true,
    characterDataOldValue: true,
  });
}

function summarise(events) {
  const first = (key, value) => events.find((e) => e.key === key && e.value === value)?.t ?? null;
  const tTrain = first('state', 'training');
  const tDone = first('state', 'done');
  const stageAt = events.findIndex((e) => e.key === 'stage' && e.value !== '');
  const tStage = stageAt < 0 ? null : events[stageAt].t;
  // Epoch counter changes; the refit starts when the stage line appears (in event order: values
  // seen in the same task as the stage line but before it belong to the holdout run).
  const epochs = events.map((e, i) => ({ ...e, i }))
    .filter((e) => e.key === 'epoch' && tTrain !== null && e.t >= tTrain)
    .map((e) => ({ t: e.t, n: Number(e.value), refit: stageAt >= 0 && e.i > stageAt }));
  const holdout = epochs.filter((e) => !e.refit);
  const refit = epochs.filter((e) => e.refit);
  const maxN = (list) => list.reduce((m, e) => Math.max(m, e.n), 0);
  // The page's own per-epoch figures (shown for each of the holdout run's epochs).
  const rates = events.filter((e) => e.key === 'rate' && e.value !== '')
    .map((e) => Number(e.value.match(/^[\d.,]+/)[0].replace(/,/g, '')));
  // An epoch counter value can be overwritten before the page renders it (the holdout run's last
  // epoch, when the refit starts in the same task); each epoch's figure always shows.
  const holdoutEpochs = Math.max(maxN(holdout), rates.length);
  const refitEpochs = maxN(refit);
  const lastHoldoutEpoch = holdout.filter((e) => e.n === holdoutEpochs).at(0)?.t ?? null;
  const lastRefitEpoch = refit.filter((e) => e.n === refitEpochs && e.n > 0).at(0)?.t ?? null;
  const lastEpoch = lastRefitEpoch ?? lastHoldoutEpoch;
  // When each holdout epoch finished (the counter shows completed epochs): with the epoch at which
  // the identical native computation first reaches the target, this gives the page's time to it.
  const holdoutEpochT = {};
  for (const e of holdout) if (e.n > 0 && !(e.n in holdoutEpochT)) holdoutEpochT[e.n] = e.t;
  return {
    t_ready_ms: first('data', 'ready'),
    t_train_ms: tTrain,
    t_refit_ms: tStage,
    t_last_epoch_ms: lastEpoch,
    t_done_ms: tDone,
    holdout_epochs: holdoutEpochs,
    holdout_epoch_t_ms: holdoutEpochT,
    refit_epochs: refitEpochs,
    page_ms_per_epoch: rates,
    // Wall time per epoch over the whole run, start to last epoch (model set-up, refit set-up and
    // the page's rendering included).
    wall_ms_per_epoch: lastEpoch !== null && holdoutEpochs + refitEpochs > 0
      ? (lastEpoch - tTrain) / (holdoutEpochs + refitEpochs) : null,
    refit_wall_ms_per_epoch: lastRefitEpoch !== null && refitEpochs > 0
      ? (lastRefitEpoch - tStage) / refitEpochs : null,
  };
}

// Share of CPU time idle over `ms`, from /proc/stat (null where there is none): taken before each
// run, while no browser of ours is open, it tells whether other work competed with the run.
async function idleShare(ms = 1000) {
  const ticks = () => {
    try {
      const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return { idle: cpu[3] + cpu[4], total: cpu.reduce((a, b) => a + b, 0) };
    } catch {
      return null;
    }
  };
  const a = ticks();
  await new Promise((done) => setTimeout(done, ms));
  const b = ticks();
  return a && b && b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : null;
}

// (MovieLens item id, stars): Star Wars, Fargo, Godfather, Pulp Fiction, Toy Story, Titanic,
// Scream, Contact, English Patient, Liar Liar.
const VISITOR_RATINGS = [[50, 5], [100, 4], [127, 5], [56, 4], [1, 3], [313, 2], [288, 1], [258, 4], [286, 2], [294, 3]];

const result0ok = (state) => state === 'done';

// Debian's Chromium in a new, empty profile (removed by the caller).
async function freshBrowser(webgpu) {
  const profile = mkdtempSync(join(tmpdir(), 'filmspace-bench-'));
  const args = webgpu ? [...ARGS, '--enable-unsafe-webgpu'] : ARGS;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args, viewport: { width: 1280, height: 900 },
  });
  return { context, profile };
}

// The model zoo in the page: every model on u1, one after another; each row's figures as shown.
async function runZoo(base, name, query, webgpu) {
  const { context, profile } = await freshBrowser(webgpu);
  const errors = [];
  try {
    // The same ten-rating visitor as the training runs, for the serving times below.
    await context.addInitScript((ratings) => {
      if (!localStorage.getItem('filmspace.ratings.v1')) localStorage.setItem('filmspace.ratings.v1', ratings);
    }, JSON.stringify({ ratings: VISITOR_RATINGS.map(([item_id, rating]) => ({ item_id, rating })) }));
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(base + query);
    await page.waitForFunction(() => document.querySelector('[data-testid="data-status"]')?.dataset.state === 'ready',
      null, { timeout: 60_000 });
    const boxes = await page.locator('[data-testid="zoo-model"]').all();
    for (const box of boxes) {
      if (!(await box.isChecked())) await box.click();
    }
    process.stderr.write(`    ${name}: the whole zoo on u1 in the page${webgpu ? ' (--enable-unsafe-webgpu)' : ''}\n`);
    await page.locator('[data-testid="zoo-run"]').click();
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('[data-testid="zoo-state"]')?.dataset.state),
      null, { timeout: TIMEOUT_MS * 4, polling: 500 });
    const rows = await page.locator('[data-testid="zoo-row"]').evaluateAll((trs) => trs.map((tr) => {
      const cells = [...tr.querySelectorAll('td')].map((td) => td.textContent);
      return { model: tr.dataset.model, rmse: cells[0], mae: cells[1], p10: cells[2], r10: cells[3], ndcg10: cells[4],
        hr10: cells[5], train_s: Number(cells[6]), parameters: Number(cells[7]), backend: cells[8] };
    }));
    const state = await page.locator('[data-testid="zoo-state"]').getAttribute('data-state');
    process.stderr.write(`    ${name}: ${state}, ${rows.length} rows\n`);
    // Each row serving the visitor: the page's fold-in + scoring + ranking time, 7 recomputations
    // (the genre filter flipped between two genres recomputes the whole ranking).
    for (const row of rows) {
      await page.locator(`[data-testid="zoo-use"][data-model="${row.model}"]`).click();
      await page.waitForFunction((m) => document.querySelector('[data-testid="rec-source"]')?.dataset.model === m,
        row.model, { timeout: 30_000 });
      const samples = [];
      for (let k = 0; k < 7; k++) {
        await page.locator('[data-testid="genre-filter"]').selectOption({ index: 1 + (k % 2) });
        await page.waitForTimeout(50);
        samples.push(Number(await page.locator('[data-testid="foldin-ms"]').textContent()));
      }
      row.serve_ms = samples.sort((a, b) => a - b)[3];
    }
    return { name, query, webgpu, zoo: true, ok: state === 'done' && rows.length === boxes.length, state, rows, errors };
  } catch (error) {
    process.stderr.write(`    ${name}: FAILED: ${error.message.split('\n')[0]}\n`);
    return { name, query, webgpu, zoo: true, ok: false, error: error.message.split('\n')[0], errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function runOne(base, name, query, webgpu) {
  const idleBefore = await idleShare();
  const { context, profile } = await freshBrowser(webgpu);
  const errors = [];
  try {
    await context.addInitScript(watcher);
    // A visitor who rated ten films, so the fold-in time is measured once the model is ready.
    await context.addInitScript((ratings) => {
      if (!localStorage.getItem('filmspace.ratings.v1')) localStorage.setItem('filmspace.ratings.v1', ratings);
    }, JSON.stringify({ ratings: VISITOR_RATINGS.map(([item_id, rating]) => ({ item_id, rating })) }));
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    const url = base + query;
    process.stderr.write(`    ${name}: ${url}${webgpu ? ' (--enable-unsafe-webgpu)' : ''}\n`);
    const wallStart = Date.now();
    await page.goto(url);
    await page.waitForFunction(
      () => ['done', 'error'].includes(document.querySelector('[data-testid="train-state"]')?.dataset.state)
        || document.querySelector('[data-testid="data-status"]')?.dataset.state === 'error',
      null, { timeout: TIMEOUT_MS, polling: 100 });
    const nodeWallS = (Date.now() - wallStart) / 1000;
    const foldInMs = await page.waitForFunction(
      () => document.querySelector('[data-testid="rec-source"]')?.dataset.state === 'model'
        && document.querySelector('[data-testid="foldin-ms"]')?.textContent,
      null, { timeout: 10_000, polling: 50 }).then((h) => h.jsonValue()).then(Number).catch(() => null);
    // The genre classifier's time in the page (asked of a worker once the model is shown).
    const classifierMs = await page.waitForFunction(
      () => document.querySelector('[data-testid="classifier-ms"]')?.textContent,
      null, { timeout: 20_000, polling: 50 }).then((h) => h.jsonValue()).then(Number).catch(() => null);
    // Map redraws while hovering and zooming (the canvas stamps each draw's time).
    const drawMs = [];
    if (result0ok(await page.evaluate(() => document.querySelector('[data-testid="train-state"]')?.dataset.state))) {
      const canvas = page.locator('[data-testid="embedding-canvas"]');
      await canvas.scrollIntoViewIfNeeded().catch(() => {});
      const box = await canvas.boundingBox().catch(() => null);
      for (let i = 0; box && i < 30; i++) {
        const x = box.x + box.width * (0.2 + 0.6 * ((i * 7) % 30) / 30);
        const y = box.y + box.height * (0.2 + 0.6 * ((i * 11) % 30) / 30);
        await page.mouse.move(x, y);
        if (i % 3 === 0) await page.mouse.wheel(0, i % 2 ? 120 : -120);
        await page.waitForTimeout(20);
        const ms = await canvas.getAttribute('data-draw-ms');
        if (ms !== null) drawMs.push(Number(ms));
      }
    }
    const result = await page.evaluate(() => ({
      events: window.__bench.events,
      state: document.querySelector('[data-testid="train-state"]')?.dataset.state,
      data: document.querySelector('[data-testid="data-status"]')?.dataset.state,
      backend: document.querySelector('[data-testid="train-backend"]')?.dataset.state ?? null,
      backend_reason: document.querySelector('[data-testid="train-backend"]')?.getAttribute('title') ?? null,
      probe: document.querySelector('[data-testid="backend-status"]')?.dataset.state ?? null,
      adapter: document.querySelector('[data-testid="backend-status"]')?.dataset.adapter ?? null,
      rmse: document.querySelector('[data-testid="metric-rmse"]')?.textContent ?? null,
      mae: document.querySelector('[data-testid="metric-mae"]')?.textContent ?? null,
      alert: [...document.querySelectorAll('[role="alert"]')].map((e) => e.textContent).join(' | '),
      // With ?trace=1: the test RMSE the page scored after every epoch, with when it heard of it.
      trace: JSON.parse(document.querySelector('[data-testid="test-trace"]')?.dataset.trace ?? '[]'),
    }));
    const summary = summarise(result.events);
    const out = {
      name, query, webgpu, idle_before: idleBefore, ok: result.state === 'done', state: result.state, data: result.data,
      backend: result.backend, backend_reason: result.backend_reason, probe: result.probe,
      adapter: result.adapter, rmse: Number(result.rmse), mae: Number(result.mae),
      alert: result.alert, errors, node_wall_s: nodeWallS, foldin_ms: foldInMs, classifier_ms: classifierMs, draw_ms: drawMs,
      trace: result.trace, ...summary,
    };
    const seconds = (ms) => (ms === null ? '?' : (ms / 1000).toFixed(2));
    process.stderr.write(`    ${name}: ${out.state} on ${out.backend} (CPUs ${Math.round(100 * idleBefore)}% idle just before); epochs ${out.holdout_epochs} + refit ` +
      `${out.refit_epochs}; train ${seconds(out.t_done_ms - out.t_train_ms)} s, page open → done ` +
      `${seconds(out.t_done_ms)} s; RMSE ${result.rmse}` +
      `${out.alert ? `; alert: ${out.alert}` : ''}${errors.length ? `; errors: ${errors.join(' / ')}` : ''}\n`);
    return out;
  } catch (error) {
    process.stderr.write(`    ${name}: FAILED: ${error.message.split('\n')[0]}\n`);
    return { name, query, webgpu, ok: false, error: error.message.split('\n')[0], errors };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const [dist, ...specs] = process.argv.slice(2);
if (!dist || specs.length === 0) {
  console.error('usage: node scripts/bench-browser.mjs DIST NAME=QUERY[@webgpu|@nowebgpu] ...');
  process.exit(2);
}
const server = await serve(dist, 0);
const base = `http://127.0.0.1:${server.address().port}/`;
const runs = [];
try {
  for (const spec of specs) {
    const [, name, query, flag] = spec.match(/^([^=]+)=([^@]*)(?:@(webgpu|nowebgpu))?$/) ?? [];
    if (!name) throw new Error(`bad run spec ${spec}`);
    const run = name.startsWith('zoo') ? runZoo : runOne;
    runs.push(await run(base, name, query, flag !== 'nowebgpu'));
  }
} finally {
  server.close();
}
console.log(`BENCH_JSON ${JSON.stringify({ runs })}`);
process.exit(runs.every((r) => r.ok) ? 0 : 1);
