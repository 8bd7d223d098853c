// The film map in a real headless Chromium, after a short training: drawn (pixel check), search
// selects a film and lists its neighbours, zoom and reset, colouring and the genre legend, the
// classifier against its baselines, t-SNE in a worker, and the Embedding Projector export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { byTestId, dataState, inkedFraction, launch, openPage, startServer, withScreenshot } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(() => server?.close());

const canvasHash = (page) => page.evaluate(() => {
  const c = document.querySelector('[data-testid="embedding-canvas"]');
  const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  let h = 0;
  for (let i = 0; i < data.length; i += 97) h = (h * 31 + data[i]) >>> 0;
  return h;
});

describe('the film map', () => {
  test('draws the trained films, finds Star Wars and its neighbours, zooms, recolours, classifies, runs t-SNE, exports', async () => {
    const context = await launch({ webgpu: false });
    try {
      const page = await openPage(context);
      await withScreenshot(page, 'film-map', async () => {
        // The default run (a few seconds): the classifier needs a trained model, not three epochs.
        await page.goto(`${server.url}?split=u1&backend=cpu&autotrain=1`);
        assert.equal(await dataState(page), 'ready');
        // While training, the map already shows the epoch just trained.
        await page.waitForFunction(() => Number(document.querySelector('[data-testid="train-epoch"]')?.textContent) >= 2
          && document.querySelector('[data-testid="projection-state"]')?.dataset.state === 'done', null, { timeout: 60_000, polling: 20 });
        const live = await inkedFraction(page, 'embedding-canvas');
        const stateThen = await byTestId(page, 'train-state').getAttribute('data-state');
        assert.ok(live > 0.005, `the live map is blank (${live}) in state ${stateThen}`);
        await page.waitForFunction(() => document.querySelector('[data-testid="train-state"]')?.dataset.state === 'done', null, { timeout: 120_000 });
        await page.waitForFunction(() => document.querySelector('[data-testid="projection-state"]')?.dataset.state === 'done');
        await byTestId(page, 'embedding-canvas').scrollIntoViewIfNeeded();
        assert.ok(await inkedFraction(page, 'embedding-canvas') > 0.01, 'the map is blank');
        const variance = Number(await byTestId(page, 'pca-variance').textContent());
        assert.ok(variance > 0 && variance < 100, `PCA variance ${variance}`);

        await byTestId(page, 'canvas-search').fill('Star Wars (1977)');
        await byTestId(page, 'canvas-search').press('Enter');
        await byTestId(page, 'selected-film').waitFor();
        assert.equal(await byTestId(page, 'selected-film').getAttribute('data-item-id'), '50');
        const neighbours = await byTestId(page, 'neighbour-item').evaluateAll((items) =>
          items.map((li) => [Number(li.dataset.itemId), Number(li.dataset.similarity)]));
        assert.equal(neighbours.length, 10);
        assert.ok(neighbours.every(([id]) => id !== 50), 'Star Wars is not its own neighbour');
        for (let i = 1; i < neighbours.length; i++) assert.ok(neighbours[i - 1][1] >= neighbours[i][1]);

        // The selection is centred: hovering the centre names it.
        const centre = await byTestId(page, 'embedding-canvas').boundingBox();
        await page.mouse.move(centre.x + centre.width / 2, centre.y + centre.height / 2);
        await byTestId(page, 'map-tooltip').waitFor();
        assert.match(await byTestId(page, 'map-tooltip').textContent(), /Star Wars \(1977\).*583 ratings/);

        // Zoom with the wheel changes the picture; reset brings the first view back.
        await byTestId(page, 'map-reset').click();
        const fitted = await canvasHash(page);
        const box = await byTestId(page, 'embedding-canvas').boundingBox();
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, -600);
        await page.waitForFunction((h) => {
          const c = document.querySelector('[data-testid="embedding-canvas"]');
          const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
          let x = 0;
          for (let i = 0; i < data.length; i += 97) x = (x * 31 + data[i]) >>> 0;
          return x !== h;
        }, fitted);
        await byTestId(page, 'map-reset').click();

        // Colour by decade, then back to genres; a legend entry hides its films.
        await byTestId(page, 'color-select').selectOption('decade');
        assert.ok(await inkedFraction(page, 'embedding-canvas') > 0.01);
        await byTestId(page, 'color-select').selectOption('genre');
        const drama = page.locator('[data-testid="genre-legend"] [data-genre="Drama"]');
        const before = await inkedFraction(page, 'embedding-canvas');
        await drama.click();
        assert.equal(await drama.getAttribute('aria-pressed'), 'false');
        assert.ok(await inkedFraction(page, 'embedding-canvas') < before, 'hiding Drama removes dots');
        await drama.click();

        // Every genre of a film, one-vs-rest: the learned vectors rank a genre's films well above
        // random vectors do (natively on u1: mean AUC 0.660 against 0.533), a bar and a row each.
        await byTestId(page, 'classifier-auc').waitFor();
        const [auc, aucRandom, aucPopularity] = await Promise.all(['classifier-auc', 'classifier-auc-random',
          'classifier-auc-popularity'].map(async (id) => Number(await byTestId(page, id).textContent())));
        assert.ok(auc >= aucRandom + 0.05, `mean AUC ${auc} vs random ${aucRandom}`);
        assert.ok(aucPopularity > 0.5 && aucPopularity < 1, `popularity ${aucPopularity}`);
        const aucRows = await byTestId(page, 'classifier-auc-genres').locator('tbody tr').evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((c) => Number(c.textContent))));
        assert.ok(aucRows.length >= 15, `${aucRows.length} genres`);
        assert.ok(aucRows.every((row) => row.length === 3 && row.every((x) => x >= 0 && x <= 1)), JSON.stringify(aucRows));
        const mean = aucRows.reduce((s, row) => s + row[0], 0) / aucRows.length;
        assert.ok(Math.abs(mean - auc) < 0.002, `the mean ${auc} is the rows' mean ${mean}`);
        assert.ok(await inkedFraction(page, 'classifier-auc-chart') > 0.01, 'a bar per genre');

        // The primary-genre classifier beats both of its baselines (in its details block).
        await byTestId(page, 'classifier-single').locator('summary').click();
        await byTestId(page, 'classifier-accuracy').waitFor();
        const accuracy = Number(await byTestId(page, 'classifier-accuracy').textContent());
        assert.match(await byTestId(page, 'classifier-ms').textContent(), /^\d+$/, 'the classifier time is shown');
        // Per genre, the classifier beside both baselines (Drama, the most common, among them).
        const genres = await byTestId(page, 'classifier-genres').locator('tbody tr').evaluateAll((trs) =>
          trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent)));
        assert.ok(genres.length >= 5, `${genres.length} genres`);
        assert.ok(genres.every((row) => row.length === 5 && row.slice(2).every((x) => /^\d\.\d{3}$/.test(x))), JSON.stringify(genres));
        const baseline = Number(await byTestId(page, 'classifier-baseline').textContent());
        const random = Number(await byTestId(page, 'classifier-random').textContent());
        assert.ok(accuracy > baseline && accuracy > random, `${accuracy} vs ${baseline} / ${random}`);

        // Export: two TSV files of 1682 rows (+ a header for the metadata).
        const downloads = [];
        page.on('download', (d) => downloads.push(d));
        await byTestId(page, 'export-embeddings').click();
        await page.waitForFunction(() => true);
        for (let i = 0; i < 50 && downloads.length < 2; i++) await page.waitForTimeout(100);
        assert.equal(downloads.length, 2);
        const files = {};
        for (const d of downloads) files[d.suggestedFilename()] = readFileSync(await d.path(), 'utf8');
        const vectors = files['vectors.tsv'].trimEnd().split('\n');
        const metadata = files['metadata.tsv'].trimEnd().split('\n');
        assert.equal(vectors.length, 1682);
        assert.equal(metadata.length, 1683);
        assert.equal(metadata[0], 'title\tyear\tgenres\tcount\tmean rating');
        assert.ok(vectors.every((line) => line.split('\t').length === 32 && line.split('\t').every((x) => Number.isFinite(Number(x)))));

        // t-SNE runs in a worker (the state passes through `running`) and draws another map.
        const pcaPicture = await page.evaluate(() => document.querySelector('[data-testid="embedding-canvas"]').toDataURL());
        await page.evaluate(() => {
          window.__projectionStates = [];
          const state = document.querySelector('[data-testid="projection-state"]');
          new MutationObserver(() => window.__projectionStates.push(state.dataset.state))
            .observe(state, { attributes: true, attributeFilter: ['data-state'] });
        });
        await byTestId(page, 'projection-select').selectOption('tsne');
        await page.waitForFunction(() => window.__projectionStates.includes('running')
          && document.querySelector('[data-testid="projection-state"]')?.dataset.state === 'done', null, { timeout: 180_000 });
        assert.ok(await inkedFraction(page, 'embedding-canvas') > 0.01, 'the t-SNE map is blank');
        const tsnePicture = await page.evaluate(() => document.querySelector('[data-testid="embedding-canvas"]').toDataURL());
        assert.notEqual(tsnePicture, pcaPicture, 't-SNE drew the same picture as PCA');
        assert.deepEqual(page.errors, []);
      });
    } finally {
      await context.close();
    }
  });
});
