// Shared set-up for the browser tests: a static server for dist/, headless Chromium with or
// without WebGPU, page-error collection, and a screenshot of any failing test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/static-server.mjs';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A scratch folder for this test file, removed when its process exits. */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `filmspace-${prefix}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startServer() {
  // Every path whose body was sent, in order (what the page and its workers downloaded).
  const sent = [];
  const server = await serve(process.env.FILMSPACE_DIST ?? 'dist', 0, {
    onSent: (path) => sent.push(new URL(path, 'http://x').pathname),
  });
  return { url: `http://127.0.0.1:${server.address().port}/`, sent, close: () => server.close() };
}

/** A fresh browser profile, removed when the context closes (a run leaves no gigabytes of
 * profiles behind: a full disk makes the browser's storage fail); `webgpu` adds
 * --enable-unsafe-webgpu (SwiftShader here). */
export async function launch({ webgpu = true } = {}) {
  const args = webgpu ? [...ARGS, '--enable-unsafe-webgpu'] : ARGS;
  const profile = mkdtempSync(join(tmpdir(), 'filmspace-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args, viewport: { width: 1280, height: 900 },
  });
  const close = context.close.bind(context);
  context.close = async (...options) => {
    await close(...options);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  };
  return context;
}

/** A page whose uncaught errors and console errors are recorded in `page.errors`. */
export async function openPage(context, url) {
  const page = context.pages()[0] ?? await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  if (url) await page.goto(url);
  return page;
}

/** Runs `body(page)`; on failure saves test-results/NAME.png before rethrowing. */
export async function withScreenshot(page, name, body) {
  try {
    await body();
  } catch (error) {
    mkdirSync('test-results', { recursive: true });
    const path = join('test-results', `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    error.message += `\n(screenshot: ${path})`;
    throw error;
  }
}

export const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Waits until `data-status` leaves `loading` and returns its state. */
export async function dataState(page, timeout = 60_000) {
  const status = byTestId(page, 'data-status');
  await page.waitForFunction(
    () => ['ready', 'empty', 'error'].includes(document.querySelector('[data-testid="data-status"]')?.dataset.state),
    null, { timeout });
  return status.getAttribute('data-state');
}

/** Waits until `backend-status` has a verdict (webgpu or cpu) and returns it. */
export async function backendState(page, timeout = 30_000) {
  await page.waitForFunction(
    () => ['webgpu', 'cpu'].includes(document.querySelector('[data-testid="backend-status"]')?.dataset.state),
    null, { timeout });
  return byTestId(page, 'backend-status').getAttribute('data-state');
}

/** Share of a canvas's pixels that are not white: 0 for a blank chart. */
export function inkedFraction(page, testId) {
  return page.evaluate((id) => {
    const canvas = document.querySelector(`[data-testid="${id}"]`);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240) inked++;
    }
    return inked / (data.length / 4);
  }, testId);
}

/** The rating area's card of a film (MovieLens id). */
export const card = (page, itemId) => page.locator(`[data-testid="film-card"][data-item-id="${itemId}"]`).first();

/** The visitor's ratings as the page lists them: [[item id, stars], …] by id. */
export async function myRatings(page) {
  return byTestId(page, 'my-rating').evaluateAll((rows) =>
    rows.map((r) => [Number(r.dataset.itemId), Number(r.dataset.rating)]).sort((a, b) => a[0] - b[0]));
}

/** Searches, picks the first result with the keyboard, and returns its item id. */
export async function searchAndPick(page, query) {
  const input = byTestId(page, 'film-search');
  await input.fill(query);
  const first = byTestId(page, 'search-result').first();
  await first.waitFor();
  const id = Number(await first.getAttribute('data-item-id'));
  await input.press('Enter');
  await card(page, id).waitFor();
  return id;
}

/** Runs `body(page)` in a fresh CPU-only browser profile, with a screenshot on failure. */
export async function withCpuPage(name, body) {
  const context = await launch({ webgpu: false });
  try {
    const page = await openPage(context);
    await withScreenshot(page, name, () => body(page));
  } finally {
    await context.close();
  }
}

const DATA = process.env.FILMSPACE_DATA_DIR ?? 'public/data/ml-100k';

/**
 * Writes `crafted.zip` with python's zipfile and returns its path. `entries` maps a name to a
 * file of the real data (`@u.item`), literal text, or `{ zeros: MiB }` (streamed, so a bomb costs
 * no memory); `declare` then rewrites the uncompressed size in the local headers and the central
 * directory: of every entry (a number), or of one (`{ size, only: name }`).
 */
export function makeZip(entries, declare = null) {
  const { size, only } = typeof declare === 'number' ? { size: declare, only: null } : (declare ?? {});
  const path = join(scratchDir('zip'), 'crafted.zip');
  execFileSync('python3', ['-c', `
import json, struct, sys, zipfile
path, entries, size, only = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4])
with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
    for name, content in entries.items():
        if isinstance(content, dict):
            with z.open(name, 'w') as f:
                for _ in range(content['zeros']):
                    f.write(b'0' * (1 << 20))
        elif content.startswith('@'):
            z.write(sys.argv[5] + '/' + content[1:], name)
        else:
            z.writestr(name, content)
if size is not None:
    data = bytearray(open(path, 'rb').read())
    # (signature, size field, name length field, name) of local headers and central entries.
    for signature, field, length, name_at in ((b'PK\\x03\\x04', 22, 26, 30), (b'PK\\x01\\x02', 24, 28, 46)):
        at = data.find(signature)
        while at >= 0:
            n = struct.unpack('<H', data[at + length:at + length + 2])[0]
            if only is None or data[at + name_at:at + name_at + n].decode() == only:
                data[at + field:at + field + 4] = struct.pack('<I', size)
            at = data.find(signature, at + 4)
    open(path, 'wb').write(bytes(data))
`, path, JSON.stringify(entries), JSON.stringify(size ?? null), JSON.stringify(only ?? null), DATA]);
  return path;
}
