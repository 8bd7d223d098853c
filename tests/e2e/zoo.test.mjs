// The model zoo in a real headless Chromium: two quick models on u1 give two rows with metrics,
// a drawn chart and a CSV export; a row with vectors can serve the recommendations.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { byTestId, dataState, inkedFraction, launch, openPage, startServer, withScreenshot } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(() => server?.close());

describe('model zoo', () => {
  test('bias and ALS on u1: two rows with metrics, bars, a CSV, and ALS serving', async () => {
    const context = await launch({ webgpu: false });
    try {
      const page = await openPage(context);
      await withScreenshot(page, 'zoo', async () => {
        await page.goto(server.url);
        assert.equal(await dataState(page), 'ready');
        assert.equal(await byTestId(page, 'zoo-state').getAttribute('data-state'), 'idle');
        // Exactly bias and ALS picked.
        for (const box of await byTestId(page, 'zoo-model').all()) {
          const wanted = ['bias', 'als'].includes(await box.getAttribute('data-model'));
          if ((await box.isChecked()) !== wanted) await box.click();
        }
        assert.equal(await byTestId(page, 'zoo-model').count(), 12);
        await byTestId(page, 'zoo-run').click();
        await page.waitForFunction(() => ['done', 'error'].includes(
          document.querySelector('[data-testid="zoo-state"]')?.dataset.state), null, { timeout: 180_000 });
        assert.equal(await byTestId(page, 'zoo-state').getAttribute('data-state'), 'done');

        const rows = await byTestId(page, 'zoo-row').evaluateAll((trs) => trs.map((tr) => ({
          model: tr.dataset.model, rmse: tr.dataset.rmse, ndcg: tr.dataset.ndcg10,
        })));
        assert.deepEqual(rows.map((r) => r.model), ['bias', 'als']);
        // The protocol's reference figures on u1: bias 0.9530 / 0.0917, ALS (rank 50, λ 0.12) 0.9249.
        assert.equal(rows[0].rmse, '0.9530');
        assert.equal(rows[0].ndcg, '0.0917');
        assert.ok(Math.abs(Number(rows[1].rmse) - 0.9249) < 0.002, `ALS RMSE ${rows[1].rmse}`);
        assert.ok(await inkedFraction(page, 'zoo-chart') > 0.01, 'the bars are not drawn');

        const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'zoo-export').click()]);
        const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
        assert.equal(csv.length, 3);
        assert.match(csv[0], /^model,label,rmse,mae,p10,r10,ndcg10,hr10,train_seconds,parameters,backend$/);
        assert.match(csv[1], /^bias,"User \+ item bias",0\.9530,/);

        // Bias has no vectors; ALS can serve the recommendations.
        assert.ok(await page.locator('[data-testid="zoo-use"][data-model="bias"]').isDisabled());
        await page.locator('[data-testid="zoo-use"][data-model="als"]').click();
        await page.waitForFunction(() =>
          document.querySelector('[data-testid="rec-source"]')?.dataset.state === 'model', null, { timeout: 10_000 });
        assert.deepEqual(page.errors, []);
      });
    } finally {
      await context.close();
    }
  });
});
