// Writes a brotli (.br) and a gzip (.gz) copy beside every text, wasm and data file of the built
// page, for scripts/static-server.mjs to send to browsers that accept them; skips copies that are
// newer than their file. Usage: node scripts/compress.mjs DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.svg', '.json', '.webmanifest']);
// The MovieLens files the page fetches (the split files are never fetched: it splits u.data).
const DATA = new Set(['u.data', 'u.item', 'u.user', 'u.info']);
const isData = (path) => path.includes(join('data', 'ml-100k')) && DATA.has(basename(path));

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

const fresh = (copy, source) => {
  try { return statSync(copy).mtimeMs >= statSync(source).mtimeMs; } catch { return false; }
};

const dir = process.argv[2] ?? 'dist';
let before = 0;
let brotli = 0;
for (const path of [...files(dir)]) {
  if (!(COMPRESSIBLE.has(extname(path)) || isData(path))) continue;
  const bytes = readFileSync(path);
  before += bytes.length;
  if (!fresh(`${path}.br`, path)) {
    writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_LGWIN]: 24,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }));
  }
  if (!fresh(`${path}.gz`, path)) writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  brotli += statSync(`${path}.br`).size;
}
console.log(`compressed ${(before / 2 ** 20).toFixed(1)} MiB to ${(brotli / 2 ** 20).toFixed(1)} MiB (brotli)`);
