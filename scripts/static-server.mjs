// The built page served as production would serve it, bound to 127.0.0.1 only: precompressed
// brotli or gzip chosen by Accept-Encoding (scripts/build writes the .br and .gz files), wasm with
// its own type (streaming compilation), hashed names cached for a year, everything else
// revalidated by ETag, and a Content-Security-Policy that allows exactly what the page runs.
// Usage: node scripts/static-server.mjs DIR [PORT]   (PORT 0 picks a free one; prints the URL)
import { createServer } from 'node:http';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json',
  '.png': 'image/png', '.zip': 'application/zip', '.webmanifest': 'application/manifest+json',
};
// Trunk writes NAME-<hash>.ext (and NAME-<hash>_bg.wasm), the hash a u64 in hex without leading
// zeros (so up to 16 digits): such a file never changes.
const HASHED = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css)$/;
// Precompressed siblings, best first.
const ENCODINGS = [['br', '.br'], ['gzip', '.gz']];

/** The page's inline scripts (Trunk's loader) as CSP hashes, so no other inline script runs. */
function scriptHashes(root) {
  let html = '';
  try { html = readFileSync(join(root, 'index.html'), 'utf8'); } catch { return []; }
  return [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)]
    .filter((m) => !/\bsrc=/.test(m[0].slice(0, m[0].indexOf('>'))) && m[1].trim() !== '')
    .map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
}

export function securityHeaders(root) {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval' ${scriptHashes(root).join(' ')}`.trim(),
    // Leptos sets style attributes (bars, the map's tooltip): inline styles, never scripts.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** The file a URL path names inside `root`, or a status code when there is none to serve. */
function locate(root, url) {
  let path;
  try {
    path = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return 400; // a bad escape such as "/%"
  }
  if (path.includes('\0')) return 400;
  let file = resolve(root, `.${path}`);
  const inside = relative(root, file);
  if (inside.startsWith('..') || isAbsolute(inside)) return 403;
  try {
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    return statSync(file).isFile() ? file : 404;
  } catch {
    return 404;
  }
}

/** The variant to send: a precompressed sibling the client accepts, else the file itself. */
function variant(file, acceptEncoding = '') {
  const accepted = new Set(acceptEncoding.split(',').map((e) => e.trim().split(';')[0]));
  for (const [encoding, suffix] of ENCODINGS) {
    if (!accepted.has(encoding)) continue;
    try {
      return { path: file + suffix, encoding, stat: statSync(file + suffix) };
    } catch { /* no such sibling */ }
  }
  return { path: file, encoding: null, stat: statSync(file) };
}

/** The security headers, worked out again whenever index.html changes (a new build). */
function securityFor(root) {
  let seen = null;
  let headers = null;
  return () => {
    let stamp = 0;
    try { stamp = statSync(join(root, 'index.html')).mtimeMs; } catch { /* not built yet */ }
    if (stamp !== seen) [seen, headers] = [stamp, securityHeaders(root)];
    return headers;
  };
}

/** Serves `dir`; `onSent(path, bytes)` hears of every body sent (the benchmark counts them). */
export function serve(dir, port = 0, { onSent } = {}) {
  const root = resolve(dir);
  const securityNow = securityFor(root);
  const fail = (res, status) =>
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...securityNow() })
      .end(`${status}\n`);
  const server = createServer((req, res) => {
    const security = securityNow();
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405);
    const file = locate(root, req.url);
    if (typeof file === 'number') return fail(res, file);
    const sent = variant(file, req.headers['accept-encoding']);
    const etag = `W/"${sent.stat.size.toString(16)}-${Math.floor(sent.stat.mtimeMs).toString(16)}"`;
    const headers = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
      etag,
      vary: 'accept-encoding',
      ...security,
    };
    if (sent.encoding) headers['content-encoding'] = sent.encoding;
    if (req.headers['if-none-match'] === etag) return res.writeHead(304, headers).end();
    headers['content-length'] = sent.stat.size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    const stream = createReadStream(sent.path);
    stream.on('error', () => res.destroy());
    stream.on('end', () => onSent?.(req.url, sent.stat.size));
    stream.pipe(res);
  });
  server.on('clientError', (_, socket) => socket.destroy());
  return new Promise((done) => server.listen(port, '127.0.0.1', () => done(server)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = 'dist', port = '8080'] = process.argv.slice(2);
  const server = await serve(dir, Number(port));
  console.log(`filmspace: serving ${dir} at http://127.0.0.1:${server.address().port}/`);
}
