// The static server as a browser and a hostile client meet it, over plain HTTP on a folder built
// here: compressed variants by Accept-Encoding, types, caching, revalidation, security headers,
// and URLs that must not crash it or leave its folder.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { serve } from '../../scripts/static-server.mjs';
import { scratchDir } from './support.mjs';

const base = scratchDir('server');
const root = join(base, 'dist');
const WASM = Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...Array(3000).fill(7)]);
let server;
let port;

before(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(base, 'dist-secret'));
  writeFileSync(join(base, 'dist-secret', 's.txt'), 'secret');
  writeFileSync(join(root, 'index.html'),
    '<html><head><script type="module">import init from "./a.js"; init();</script></head></html>');
  writeFileSync(join(root, 'filmspace-0123456789abcdef_bg.wasm'), WASM);
  writeFileSync(join(root, 'filmspace-0123456789abcdef_bg.wasm.br'), brotliCompressSync(WASM));
  writeFileSync(join(root, 'filmspace-0123456789abcdef_bg.wasm.gz'), gzipSync(WASM));
  writeFileSync(join(root, 'data', 'u.data'), '1\t1\t5\t0\n'.repeat(100));
  server = await serve(root, 0);
  port = server.address().port;
});
after(() => server?.close());

/** A raw GET (no URL normalisation by a client library): status, headers and body bytes. */
function get(path, headers = {}) {
  return new Promise((done, failed) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', failed);
    req.end();
  });
}

describe('the static server', () => {
  test('sends brotli, gzip or the plain file as the client accepts, with the wasm type', async () => {
    const path = '/filmspace-0123456789abcdef_bg.wasm';
    const br = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(br.headers['content-type'], 'application/wasm');
    assert.deepEqual(brotliDecompressSync(br.body), WASM);
    assert.ok(br.body.length < WASM.length / 10, `${br.body.length} bytes`);
    const gz = await get(path, { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(gz.body), WASM);
    const plain = await get(path);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, WASM);
    assert.equal(br.headers.vary, 'accept-encoding');
  });

  test('hashed names are immutable; the rest revalidates by ETag', async () => {
    const hashed = await get('/filmspace-0123456789abcdef_bg.wasm');
    assert.match(hashed.headers['cache-control'], /immutable/);
    const data = await get('/data/u.data');
    assert.equal(data.headers['cache-control'], 'no-cache');
    assert.ok(data.headers.etag);
    const again = await get('/data/u.data', { 'if-none-match': data.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('security headers, with the page\'s inline loader allowed by its hash only', async () => {
    const page = await get('/');
    assert.equal(page.status, 200);
    const csp = page.headers['content-security-policy'];
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]{44}'/);
    assert.match(csp, /object-src 'none'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });

  test('a bad escape, a way out of the folder and a missing file are refused; the server lives on', async () => {
    assert.equal((await get('/%')).status, 400);
    assert.equal((await get('/..%2fdist-secret%2fs.txt')).status, 403);
    assert.equal((await get('/../dist-secret/s.txt')).status, 404, 'the path is normalised to /dist-secret');
    assert.equal((await get('/%2e%2e/%2e%2e/etc/passwd')).status, 404, 'read as /etc/passwd in the folder');
    assert.equal((await get('/nothing-here.js')).status, 404);
    assert.equal((await get('/data/u.data%00.html')).status, 400);
    assert.ok([400, 404].includes((await get('//')).status));
    assert.equal((await get('//etc/passwd')).status, 404, 'a host-like path stays inside');
    assert.equal((await get('/')).status, 200, 'still serving');
  });
});
