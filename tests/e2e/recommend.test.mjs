// Rating films and getting recommendations, in a real headless Chromium: search, stars by mouse
// and keyboard, recommendations with reasons that never repeat a rated film, ratings that survive
// a reload, the switch from baseline to model, filters, import / export / reset.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { byTestId, card, dataState, myRatings, searchAndPick, startServer, withCpuPage as withPage, scratchDir } from './support.mjs';

let server;
before(async () => { server = await startServer(); });
after(() => server?.close());


async function recs(page) {
  await byTestId(page, 'rec-list').locator('[data-testid="rec-item"]').first().waitFor();
  return byTestId(page, 'rec-item').evaluateAll((items) => items.map((li) => ({
    id: Number(li.dataset.itemId),
    score: Number(li.dataset.score),
    reasons: li.querySelectorAll('[data-testid="rec-reason"]').length,
    reason: li.querySelector('[data-testid="rec-reason"]')?.textContent ?? '',
    text: li.textContent,
  })));
}

async function waitForSource(page, state, timeout = 60_000) {
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid="rec-source"]')?.dataset.state === s, state, { timeout });
}

describe('rating films and getting recommendations', () => {
  test('search, rate three films, get ten explained recommendations; ratings survive a reload', async () => {
    await withPage('rate-and-recommend', async (page) => {
      await page.goto(server.url);
      assert.equal(await dataState(page), 'ready');
      await waitForSource(page, 'baseline');

      // Search: case, typos and the moved article.
      assert.equal(await searchAndPick(page, 'star wars'), 50);
      await card(page, 50).getByTestId('star-5').click();
      await byTestId(page, 'film-search').fill('godfater');
      assert.equal(await byTestId(page, 'search-result').first().getAttribute('data-item-id'), '127');
      await byTestId(page, 'film-search').fill('the usual suspects');
      assert.equal(await byTestId(page, 'search-result').first().getAttribute('data-item-id'), '12');
      // Keyboard: ↓ moves to the second result, Enter picks it.
      await byTestId(page, 'film-search').fill('star');
      const second = Number(await byTestId(page, 'search-result').nth(1).getAttribute('data-item-id'));
      await byTestId(page, 'film-search').press('ArrowDown');
      await byTestId(page, 'film-search').press('Enter');
      await card(page, second).waitFor();

      // Two onboarding films, one by mouse and one by keyboard.
      const grid = byTestId(page, 'onboarding');
      const cards = grid.getByTestId('film-card');
      assert.ok(await cards.count() >= 10, 'the onboarding grid shows about 12 films');
      const firstId = Number(await cards.nth(0).getAttribute('data-item-id'));
      await cards.nth(0).getByTestId('star-4').click();
      // Rated cards stay in the grid (focus is never lost); the second gets its rating by keyboard.
      assert.equal(await cards.nth(0).getByTestId('star-4').getAttribute('aria-checked'), 'true');
      const secondId = Number(await cards.nth(1).getAttribute('data-item-id'));
      await cards.nth(1).getByTestId('star-1').focus();
      await page.keyboard.press('2');
      assert.deepEqual(await myRatings(page), [[50, 5], [firstId, 4], [secondId, 2]].sort((a, b) => a[0] - b[0]));
      // Arrows move it from where the focus now is, and the focus is visible on the checked star.
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((id) =>
        document.querySelector(`[data-testid="my-rating"][data-item-id="${id}"]`)?.dataset.rating === '3', secondId);
      assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'star-3');
      assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle), 'none');

      // "Haven't seen" hides a card.
      const dismissed = Number(await cards.nth(2).getAttribute('data-item-id'));
      await cards.nth(2).getByTestId('not-seen').click();
      await page.waitForFunction((id) => !document.querySelector(`[data-testid="onboarding"] [data-item-id="${id}"]`), dismissed);

      const rated = new Set([50, firstId, secondId]);
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid="rec-item"]').length === n, 10);
      const list = await recs(page);
      assert.equal(list.length, 10);
      for (const rec of list) {
        assert.ok(!rated.has(rec.id), `rated film ${rec.id} was recommended`);
        assert.equal(rec.reasons, 1);
        assert.ok(rec.reason.length > 10, `empty reason for ${rec.id}`);
      }
      assert.ok(list.some((r) => r.reason.includes('Star Wars (1977) 5★')), JSON.stringify(list.map((r) => r.reason)));
      // Best first.
      for (let i = 1; i < list.length; i++) assert.ok(list[i - 1].score >= list[i].score);
      // The sequels of a 5★ Star Wars are there.
      assert.ok(list.some((r) => r.id === 172 || r.id === 181), JSON.stringify(list.map((r) => r.id)));
      // "Show me others" draws a new block without the rated films.
      await byTestId(page, 'onboarding-more').click();
      await page.waitForFunction((id) => !document.querySelector(`[data-testid="onboarding"] [data-item-id="${id}"]`), firstId);
      // More on demand.
      await byTestId(page, 'rec-more').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="rec-item"]').length === 20);

      await page.reload();
      assert.equal(await dataState(page), 'ready');
      await byTestId(page, 'my-rating').first().waitFor();
      assert.deepEqual(await myRatings(page), [[50, 5], [firstId, 4], [secondId, 3]].sort((a, b) => a[0] - b[0]));
      assert.equal(await page.locator(`[data-testid="onboarding"] [data-item-id="${dismissed}"]`).count(), 0);
      assert.deepEqual(page.errors, []);
    });
  });

  test('a trained model takes over: fold-in under 50 ms, filters, never a rated film', async () => {
    await withPage('recommend-model', async (page) => {
      await page.goto(`${server.url}?split=u1&backend=cpu&autotrain=1&epochs=3`);
      assert.equal(await dataState(page), 'ready');
      assert.equal(await searchAndPick(page, 'star wars'), 50);
      await card(page, 50).getByTestId('star-5').click();
      assert.equal(await searchAndPick(page, 'fargo'), 100);
      await card(page, 100).getByTestId('star-4').click();
      await waitForSource(page, 'model', 120_000);
      const ms = Number(await byTestId(page, 'foldin-ms').textContent());
      assert.ok(ms >= 0 && ms < 50, `fold-in took ${ms} ms`);
      const list = await recs(page);
      assert.equal(list.length, 10);
      assert.ok(list.every((r) => r.id !== 50 && r.id !== 100));
      assert.ok(list.every((r) => /predicted \d\.\d★/.test(r.text)), 'each shows its predicted rating');

      // Rating a recommended film removes it from the list at once.
      const top = list[0].id;
      const title = await byTestId(page, 'rec-item').first().locator('.rec-title').textContent();
      await byTestId(page, 'film-search').fill(title.replace(/\s*\(\d{4}\)$/, ''));
      await page.locator(`[data-testid="search-result"][data-item-id="${top}"]`).click();
      await card(page, top).waitFor();
      await card(page, top).getByTestId('star-3').click();
      await page.waitForFunction((id) => {
        const items = [...document.querySelectorAll('[data-testid="rec-item"]')];
        return items.length === 10 && items.every((li) => Number(li.dataset.itemId) !== id);
      }, top, { timeout: 5_000 });
      await byTestId(page, 'film-search').fill('');
      await byTestId(page, 'genre-filter').selectOption({ label: 'Sci-Fi' });
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="rec-item"]')]
        .every((li) => li.textContent.includes('Sci-Fi')));
      await byTestId(page, 'decade-filter').selectOption({ label: '1990s' });
      await page.waitForFunction(() => {
        const items = [...document.querySelectorAll('[data-testid="rec-item"]')];
        return items.length > 0 && items.every((li) => /\(199\d\)/.test(li.textContent) && li.textContent.includes('Sci-Fi'));
      });
      assert.deepEqual(page.errors, []);
    });
  });

  test('export, a bad import that changes nothing, a good import, and reset', async () => {
    await withPage('ratings-import-export', async (page) => {
      await page.goto(server.url);
      assert.equal(await dataState(page), 'ready');
      assert.equal(await searchAndPick(page, 'usual suspects'), 12);
      await card(page, 12).getByTestId('star-4').click();
      assert.equal(await searchAndPick(page, 'star wars'), 50);
      await card(page, 50).getByTestId('star-5').click();

      const [download] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'ratings-export').click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      assert.equal(csv, 'item_id,title,rating\n12,"Usual Suspects, The (1995)",4\n50,Star Wars (1977),5\n');

      const dir = scratchDir('import');
      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, 'item_id,title,rating\n64,Shawshank,7\n99999,Nobody,3\n');
      await byTestId(page, 'ratings-import').setInputFiles(bad);
      const notice = byTestId(page, 'ratings-notice');
      await notice.waitFor();
      const text = await notice.textContent();
      assert.match(text, /not imported/);
      assert.match(text, /line 2: rating 7/);
      assert.match(text, /line 3: no film has item_id 99999/);
      assert.deepEqual(await myRatings(page), [[12, 4], [50, 5]]);

      const junk = join(dir, 'junk.json');
      writeFileSync(junk, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff]));
      await byTestId(page, 'ratings-import').setInputFiles(junk);
      await page.waitForFunction(() => document.querySelector('[data-testid="ratings-notice"]')?.textContent.includes('not a text file'));
      assert.deepEqual(await myRatings(page), [[12, 4], [50, 5]]);

      const good = join(dir, 'good.json');
      writeFileSync(good, JSON.stringify({ ratings: [{ item_id: 64, rating: 5 }, { item_id: 50, rating: 3 }] }));
      await byTestId(page, 'ratings-import').setInputFiles(good);
      await page.waitForFunction(() => document.querySelector('[data-testid="ratings-notice"]')?.textContent.includes('Imported 2'));
      assert.deepEqual(await myRatings(page), [[12, 4], [50, 3], [64, 5]]);

      await byTestId(page, 'ratings-reset').click();
      await byTestId(page, 'ratings-reset-cancel').click();
      assert.equal((await myRatings(page)).length, 3);
      await byTestId(page, 'ratings-reset').click();
      await byTestId(page, 'ratings-reset-confirm').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="my-rating"]').length === 0);
      await page.reload();
      assert.equal(await dataState(page), 'ready');
      await waitForSource(page, 'baseline');
      assert.equal((await myRatings(page)).length, 0);
      assert.deepEqual(page.errors, []);
    });
  });
});
