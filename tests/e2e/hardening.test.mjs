// Hostile files, two tabs and damaged storage, in a real headless Chromium: each is refused or
// repaired with a clear message, the page reports no uncaught error, and the visitor's ratings
// survive every one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byTestId, card, dataState, launch, makeZip, myRatings, openPage, searchAndPick, startServer, withScreenshot, scratchDir } from './support.mjs';

const DATA = process.env.FILMSPACE_DATA_DIR ?? 'public/data/ml-100k';
let server;
before(async () => { server = await startServer(); });
after(() => server?.close());

async function withContext(name, body, options = { webgpu: false }) {
  const context = await launch(options);
  try {
    const page = await openPage(context, server.url);
    await withScreenshot(page, name, () => body(page, context));
  } finally {
    await context.close();
  }
}

const scratch = () => scratchDir('hostile');

/** Rates a film found by `query` and returns its id. */
async function rate(page, query, stars) {
  const id = await searchAndPick(page, query);
  await card(page, id).getByTestId(`star-${stars}`).click();
  return id;
}

/** Picks `zip` and waits for `data-zip-error` to say `pattern` (an earlier refusal may show). */
async function zipRefused(page, zip, pattern) {
  await byTestId(page, 'data-zip-input').setInputFiles(zip);
  const error = byTestId(page, 'data-zip-error');
  await page.waitForFunction(([source, flags]) => new RegExp(source, flags)
    .test(document.querySelector('[data-testid="data-zip-error"]')?.textContent ?? ''),
  [pattern.source, pattern.flags], { timeout: 30_000 }).catch(() => {});
  const text = await error.textContent();
  assert.match(text, pattern);
  assert.equal(await dataState(page), 'ready');
  assert.match(await byTestId(page, 'data-status').textContent(), /Loaded 100,000 ratings/);
  return text;
}

describe('hostile files', () => {
  test('a zip declaring 3 GiB and two zip bombs are refused with their size; data and ratings stay', async () => {
    await withContext('zip-bombs', async (page) => {
      assert.equal(await dataState(page), 'ready');
      await rate(page, 'star wars', 5);
      const real = { 'ml-100k/u.item': '@u.item', 'ml-100k/u.user': '@u.user' };
      const declared = makeZip({ 'ml-100k/u.data': '@u.data', ...real }, 3 * 2 ** 30);
      await zipRefused(page, declared, /ml-100k\/u\.data declares 3 GiB uncompressed, more than the 256 MiB a file may hold/);
      const bomb = makeZip({ 'ml-100k/u.data': { zeros: 300 }, ...real });
      await zipRefused(page, bomb, /u\.data declares 300 MiB uncompressed, more than the 256 MiB/);
      const lying = makeZip({ 'ml-100k/u.data': { zeros: 300 }, ...real }, 100);
      await zipRefused(page, lying, /u\.data unzips to more than the 100 bytes it declares/);
      assert.deepEqual(await myRatings(page), [[50, 5]]);
      assert.deepEqual(page.errors, []);
    });
  });

  test('a picked file over the limit is refused by its size before it is read', async () => {
    await withContext('huge-files', async (page) => {
      assert.equal(await dataState(page), 'ready');
      await rate(page, 'star wars', 4);
      // The file's size is what the page checks first: a small file that says it is 3 GiB.
      await page.evaluate(() => {
        const size = Object.getOwnPropertyDescriptor(Blob.prototype, 'size').get;
        Object.defineProperty(Blob.prototype, 'size', {
          get() { return this.name?.startsWith('huge') ? 3 * 2 ** 30 : size.call(this); },
        });
      });
      const dir = scratch();
      writeFileSync(join(dir, 'huge.zip'), 'PK');
      await zipRefused(page, join(dir, 'huge.zip'), /huge\.zip is 3 GiB, more than the 256 MiB this page reads .*trains with Spark instead: scripts\/spark-als/);
      writeFileSync(join(dir, 'huge.csv'), 'item_id,title,rating\n1,x,5\n');
      await byTestId(page, 'ratings-import').setInputFiles(join(dir, 'huge.csv'));
      await page.waitForFunction(() => /huge\.csv is 3 GiB, more than the 16 MiB/
        .test(document.querySelector('[data-testid="ratings-notice"]')?.textContent));
      assert.deepEqual(await myRatings(page), [[50, 4]]);
      assert.deepEqual(page.errors, []);
    });
  });

  test('a title that is a spreadsheet formula is exported as text and imports back', async () => {
    await withContext('formula-title', async (page) => {
      assert.equal(await dataState(page), 'ready');
      const items = readFileSync(join(DATA, 'u.item'), 'latin1')
        .replace('50|Star Wars (1977)|', '50|=HYPERLINK("http://evil.example","y") (1977)|');
      const zip = makeZip({ 'ml-100k/u.data': '@u.data', 'ml-100k/u.user': '@u.user',
        'ml-100k/u.item': items });
      await byTestId(page, 'data-zip-input').setInputFiles(zip);
      await page.waitForFunction(() => /from crafted\.zip/.test(document.querySelector('[data-testid="data-status"]')?.textContent));
      assert.equal(await rate(page, 'hyperlink', 5), 50);
      const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'ratings-export').click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      assert.equal(csv, 'item_id,title,rating\n50,"\'=HYPERLINK(""http://evil.example"",""y"") (1977)",5\n');
      const mine = join(scratch(), 'mine.csv');
      writeFileSync(mine, csv);
      await byTestId(page, 'ratings-import').setInputFiles(mine);
      await page.waitForFunction(() => /Imported 1 ratings from mine\.csv \(0 new\)/
        .test(document.querySelector('[data-testid="ratings-notice"]')?.textContent));
      assert.deepEqual(await myRatings(page), [[50, 5]]);
      assert.deepEqual(page.errors, []);
    });
  });
});

describe('two tabs and damaged storage', () => {
  test('two tabs rating different films both keep theirs, and each shows the other\'s', async () => {
    await withContext('two-tabs', async (first, context) => {
      const second = await context.newPage();
      second.errors = [];
      second.on('pageerror', (e) => second.errors.push(e.message));
      await second.goto(server.url);
      assert.equal(await dataState(first), 'ready');
      assert.equal(await dataState(second), 'ready');
      await rate(first, 'star wars', 5);
      await rate(second, 'usual suspects', 3);
      // Each tab follows the other's writes without a reload…
      for (const page of [first, second]) {
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="my-rating"]').length === 2);
        assert.deepEqual(await myRatings(page), [[12, 3], [50, 5]]);
      }
      // …and a rating changed in one after that is merged, not written over the other's.
      await card(first, 50).getByTestId('star-2').click();
      await first.reload();
      assert.equal(await dataState(first), 'ready');
      await first.waitForFunction(() => document.querySelectorAll('[data-testid="my-rating"]').length === 2);
      assert.deepEqual(await myRatings(first), [[12, 3], [50, 2]]);
      assert.deepEqual([...first.errors, ...second.errors], []);
    });
  });

  test('unreadable saved ratings are kept aside and named; invalid entries are left out', async () => {
    await withContext('damaged-ratings', async (page) => {
      assert.equal(await dataState(page), 'ready');
      await page.evaluate(() => localStorage.setItem('filmspace.ratings.v1', '{"ratings": [{"item_id": 50, "rat'));
      await page.reload();
      assert.equal(await dataState(page), 'ready');
      const notice = byTestId(page, 'ratings-notice');
      await notice.waitFor();
      assert.match(await notice.textContent(), /could not be read.*kept as it was.*filmspace\.ratings\.v1\.unreadable/);
      await rate(page, 'usual suspects', 4);
      const stored = await page.evaluate(() => [localStorage.getItem('filmspace.ratings.v1.unreadable'),
        JSON.parse(localStorage.getItem('filmspace.ratings.v1'))]);
      assert.equal(stored[0], '{"ratings": [{"item_id": 50, "rat');
      assert.deepEqual(stored[1], { ratings: [{ item_id: 12, rating: 4 }] });

      await page.evaluate(() => localStorage.setItem('filmspace.ratings.v1',
        '{"ratings":[{"item_id":12,"rating":4},{"item_id":50,"rating":9}]}'));
      await page.reload();
      await notice.waitFor();
      assert.match(await notice.textContent(), /1 of your saved ratings could not be used.*9 is not 0.5–5 stars \(film 50\).*filmspace\.ratings\.v1\.unreadable\.2/);
      assert.deepEqual(await myRatings(page), [[12, 4]]);
      assert.deepEqual(page.errors, []);
    });
  });

  test('a readable but inconsistent kept model is dropped with a message, not a crash', async () => {
    await withContext('inconsistent-model', async (page) => {
      assert.equal(await dataState(page), 'ready');
      await rate(page, 'star wars', 5);
      const fill = (n) => Array.from({ length: n }, (_, i) => ((i * 7) % 13 - 6) / 50);
      const kept = {
        version: 2, model: 'Als', settings: null, split: 'u1', backend: 'CPU', history: [], board: [],
        serving: { served: { Linear: { mean: 3.5, dim: 2, user_bias: [], item_bias: fill(1682),
          user_factors: [], item_factors: fill(1682 * 2 - 1) } }, films: null },
      };
      await page.evaluate((text) => new Promise((resolve, reject) => {
        const open = indexedDB.open('filmspace', 1);
        open.onupgradeneeded = () => open.result.createObjectStore('kept');
        open.onsuccess = () => {
          const tx = open.result.transaction('kept', 'readwrite');
          tx.objectStore('kept').put(text, 'model');
          tx.oncomplete = () => { open.result.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
      }), JSON.stringify(kept));
      await page.reload();
      assert.equal(await dataState(page), 'ready');
      const message = byTestId(page, 'serving-message');
      await message.waitFor({ timeout: 20_000 });
      assert.match(await message.textContent(), /the kept model is damaged \(the film vectors hold 3363 numbers, not 3364\)/);
      assert.deepEqual(await myRatings(page), [[50, 5]]);
      await byTestId(page, 'rec-item').first().waitFor();
      assert.deepEqual(page.errors, []);
    });
  });

  test('IndexedDB that fails, or is missing, costs the kept model only: said once, no crash', async () => {
    await withContext('storage-fails', async (page, context) => {
      // Every write's transaction aborts after its request: `error` and then `abort` fire.
      await context.addInitScript(() => {
        const put = IDBObjectStore.prototype.put;
        IDBObjectStore.prototype.put = function (...args) {
          const request = put.apply(this, args);
          this.transaction.abort();
          return request;
        };
      });
      await page.goto(`${server.url}?split=u1&epochs=1`);
      assert.equal(await dataState(page), 'ready');
      await rate(page, 'star wars', 5);
      await byTestId(page, 'train-start').click();
      const message = byTestId(page, 'train-serving-message');
      await message.waitFor({ timeout: 90_000 });
      assert.match(await message.textContent(), /could not be kept in this browser/);
      assert.deepEqual(await myRatings(page), [[50, 5]]);
      assert.deepEqual(page.errors, []);
    });
  });

  test('without IndexedDB or with localStorage full the page works and says what is not kept', async () => {
    await withContext('no-storage', async (page, context) => {
      await context.addInitScript(() => {
        Object.defineProperty(window, 'indexedDB', { value: undefined });
        Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };
      });
      await page.reload();
      assert.equal(await dataState(page), 'ready');
      const kept = byTestId(page, 'serving-message');
      await kept.waitFor({ timeout: 20_000 });
      assert.match(await kept.textContent(), /No model can be kept for your next visit: this browser offers no IndexedDB/);
      await rate(page, 'star wars', 5);
      await page.waitForFunction(() => /could not be saved in this browser.*stay on this page/
        .test(document.querySelector('[data-testid="ratings-notice"]')?.textContent));
      assert.deepEqual(await myRatings(page), [[50, 5]]);
      await byTestId(page, 'rec-item').first().waitFor();
      assert.deepEqual(page.errors, []);
    });
  });
});
