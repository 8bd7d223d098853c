// Model bundles in a real headless Chromium: a bundle Spark trained (scripts/spark-als, left by
// the Spark tests that scripts/test runs first) opens in the zoo, joins the board with Spark's
// metrics and serves a Star Wars fan the sequels with their reason; a model this page trained
// goes out through "Export model" and comes back in to the very same recommendations; a release
// whose ratings are too many for the tab opens as its film list alone, and a Spark bundle
// recommends on it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { byTestId, dataState, makeZip, searchAndPick, card, startServer, withCpuPage } from './support.mjs';

const SPARK_BUNDLE = 'target/spark-fixtures/ml-100k-real/spark-als.safetensors';
const NEEDS_SPARK_BUNDLE = {
  skip: !existsSync(SPARK_BUNDLE) && 'no Spark bundle yet: scripts/test makes one (spark/tests) before the browser tests',
};

let server;
before(async () => { server = await startServer(); });
after(() => server?.close());

async function recommendations(page) {
  await byTestId(page, 'rec-item').first().waitFor();
  return byTestId(page, 'rec-item').evaluateAll((items) => items.map((li) => ({
    id: Number(li.dataset.itemId),
    reason: li.querySelector('[data-testid="rec-reason"]')?.textContent ?? '',
  })));
}

async function waitForServing(page, name) {
  await page.waitForFunction((n) =>
    document.querySelector('[data-testid="rec-source"]')?.dataset.model === n, name, { timeout: 30_000 });
}

/** The map draws Spark's film vectors, and the genre classifier reads them better than random ones. */
async function sparkVectorsMappedAndClassified(page) {
  await page.waitForFunction(() => /Spark MLlib ALS \(opened bundle\): 50 numbers per film/
    .test(document.querySelector('[data-testid="map-source"]')?.textContent ?? ''));
  await byTestId(page, 'classifier-auc').waitFor({ timeout: 120_000 });
  const [auc, random] = await Promise.all(['classifier-auc', 'classifier-auc-random'].map((id) => byTestId(page, id).textContent()));
  assert.ok(Number(auc) > Number(random), `genre AUC on Spark's vectors ${auc} vs random vectors ${random}`);
}

/** A sequel (either, or the one given) is among the Star Wars fan's recommendations, for that reason. */
async function sequelFor(page, only = null) {
  const list = await recommendations(page);
  const sequel = list.find((r) => (only ? [only] : [172, 181]).includes(r.id));
  assert.ok(sequel, `the top 10 for a Star Wars fan: ${list.map((r) => r.id)}`);
  assert.match(sequel.reason, /Star Wars \(1977\) 5★/);
}

async function starWarsFan(page) {
  const id = await searchAndPick(page, 'star wars');
  assert.equal(id, 50);
  await card(page, id).getByTestId('star-5').click();
}

describe('model bundles', () => {
  test('a Spark bundle opens on ML-100K: its row, Spark\'s metrics, and the sequels for a Star Wars fan',
    NEEDS_SPARK_BUNDLE,
    async () => {
      await withCpuPage('bundle-spark', async (page) => {
        await page.goto(`${server.url}?backend=cpu`);
        assert.equal(await dataState(page), 'ready');
        await starWarsFan(page);
        // A file that is not a bundle is refused in words, and nothing changes.
        await byTestId(page, 'model-file-input').setInputFiles({ name: 'notes.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('userId,movieId\n1,2\n') });
        assert.match(await byTestId(page, 'zoo-message').textContent(), /notes\.safetensors was not opened: this is not a model bundle/);
        assert.equal(await byTestId(page, 'zoo-row').count(), 0);

        await byTestId(page, 'model-file-input').setInputFiles(SPARK_BUNDLE);
        await waitForServing(page, 'spark-als');
        const note = await byTestId(page, 'model-file-note').textContent();
        assert.match(note, /Spark MLlib ALS \(rank 50\) trained on MovieLens 100K \(100000 ratings, split u1\), the very ratings loaded here/);
        const row = page.locator('[data-testid="zoo-row"][data-model="spark-als"]');
        const sparkJson = JSON.parse(Buffer.from(readFileSync(SPARK_BUNDLE)).subarray(8, 8 + Number(readFileSync(SPARK_BUNDLE).readBigUInt64LE(0))).toString());
        const metrics = JSON.parse(sparkJson.__metadata__.metrics);
        assert.equal(await row.getAttribute('data-rmse'), metrics.rmse.toFixed(4));
        assert.equal(await row.getAttribute('data-ndcg10'), metrics.ndcg10.toFixed(4));
        assert.match(await row.textContent(), /Spark local\[\*\]/);

        const list = await recommendations(page);
        const sequel = list.find((r) => r.id === 172 || r.id === 181);
        assert.ok(sequel, `Spark ALS's top 10 for a Star Wars fan: ${list.map((r) => r.id)}`);
        assert.match(sequel.reason, /Star Wars \(1977\) 5★/);
        assert.ok(!list.some((r) => r.id === 50));
        await sparkVectorsMappedAndClassified(page);
        assert.deepEqual(page.errors, []);
      });
    });

  test('a model trained here goes out as a bundle and comes back to the same recommendations', async () => {
    await withCpuPage('bundle-roundtrip', async (page) => {
      await page.goto(`${server.url}?backend=cpu&autotrain=1&epochs=4`);
      assert.equal(await dataState(page), 'ready');
      await page.waitForFunction(() => document.querySelector('[data-testid="train-state"]')?.dataset.state === 'done',
        null, { timeout: 120_000 });
      await starWarsFan(page);
      await waitForServing(page, 'trained');
      const before = await recommendations(page);

      const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'export-model').click()]);
      assert.match(download.suggestedFilename(), /^filmspace-u1-mf\.safetensors$/);
      const path = await download.path();
      const bytes = readFileSync(path);
      const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
      assert.deepEqual(header.item_factors.shape, [1682, 32]);
      assert.equal(header.item_ids.dtype, 'I64');
      assert.equal(header.__metadata__.format, 'filmspace-model');
      assert.equal(JSON.parse(header.__metadata__.settings).dim, 32);

      await byTestId(page, 'model-file-input').setInputFiles(path);
      await waitForServing(page, 'mf');
      const row = page.locator('[data-testid="zoo-row"][data-model="mf"]');
      assert.equal(await row.getAttribute('data-rmse'), await byTestId(page, 'metric-rmse').textContent());
      const after = await recommendations(page);
      assert.deepEqual(after.map((r) => r.id), before.map((r) => r.id));
      assert.deepEqual(page.errors, []);
    });
  });

  test('ratings too many for the tab: the film list alone and a Spark bundle recommend, map and classify',
    NEEDS_SPARK_BUNDLE,
    async () => {
      await withCpuPage('bundle-catalogue', async (page) => {
        await page.goto(`${server.url}?backend=cpu`);
        assert.equal(await dataState(page), 'ready');
        // ML-100K whose u.data says it is 3 GiB: refused, with the way out offered.
        const zip = makeZip({ 'ml-100k/u.data': '@u.data', 'ml-100k/u.item': '@u.item', 'ml-100k/u.user': '@u.user' },
          { size: 3 * 2 ** 30, only: 'ml-100k/u.data' });
        await byTestId(page, 'data-file-input').setInputFiles(zip);
        await byTestId(page, 'data-catalogue-only').waitFor({ timeout: 30_000 });
        assert.match(await byTestId(page, 'data-zip-error').textContent(),
          /crafted\.zip was not used: .*ml-100k\/u\.data declares 3 GiB uncompressed.*trains with Spark instead/);
        assert.match(await byTestId(page, 'data-status').textContent(), /Loaded 100,000 ratings/);

        await byTestId(page, 'data-catalogue-only').click();
        await page.waitForFunction(() => /Loaded the film list of 1,682 films from crafted\.zip \(MovieLens 100K\), without its ratings/
          .test(document.querySelector('[data-testid="data-status"]')?.textContent ?? ''), null, { timeout: 30_000 });
        assert.equal(await byTestId(page, 'data-catalogue-only').count(), 0);
        assert.match(await byTestId(page, 'stats-catalogue').textContent(), /A film list of 1,682 films without its ratings/);
        // Nothing trains on a film list: said in words, not attempted.
        await byTestId(page, 'train-start').click();
        assert.match(await byTestId(page, 'train-message').textContent(), /film list without its ratings/);

        await byTestId(page, 'model-file-input').setInputFiles(SPARK_BUNDLE);
        await waitForServing(page, 'spark-als');
        assert.match(await byTestId(page, 'model-file-note').textContent(),
          /Spark MLlib ALS \(rank 50\) trained on MovieLens 100K \(100000 ratings, split u1\), opened on the film list loaded here: 1682 of its 1682 films/);
        assert.ok(await page.locator('[data-testid="zoo-row"][data-model="spark-als"]').count() === 1);
        // The bundle's counts order the onboarding films: the most rated (Star Wars, 583) first.
        const grid = page.locator('[data-testid="onboarding"] [data-testid="film-card"]');
        await grid.first().waitFor();
        const first = await grid.first().getAttribute('data-item-id');
        assert.equal(first, '50');

        await starWarsFan(page);
        await sequelFor(page);
        await sparkVectorsMappedAndClassified(page);

        // After a reload the same film list finds its kept model, with its counts, and the ratings.
        await page.reload();
        assert.equal(await dataState(page), 'ready');
        await byTestId(page, 'data-file-input').setInputFiles(zip);
        await byTestId(page, 'data-catalogue-only').click();
        await waitForServing(page, 'spark-als');
        // Star Wars is rated, so the next most rated film leads: Contact (258), 509 ratings in u.data.
        await page.waitForFunction(() => document.querySelector('[data-testid="onboarding"] [data-testid="film-card"]')
          ?.dataset.itemId === '258', null, { timeout: 30_000 }).catch(() => {});
        assert.equal(await grid.first().getAttribute('data-item-id'), '258');
        await sequelFor(page);
        assert.deepEqual(page.errors, []);
      });
    });
});
