// Writes dist/sw.js from public/sw.js with the build's files to cache and a version derived
// from their contents (so a new build installs a new service worker, and an unchanged one does
// not). Only what the page fetches is listed: the MovieLens files it loads, not the split files.
// Usage: node scripts/offline.mjs DIST
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const DATA = new Set(['u.data', 'u.item', 'u.user', 'u.info']);
const dist = process.argv[2] ?? 'dist';

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (entry.isFile()) yield path;
  }
}

const listed = [...files(dist)]
  .map((path) => relative(dist, path).split(sep).join('/'))
  .filter((name) => !/\.(br|gz)$/.test(name) && !name.startsWith('.') && name !== 'sw.js')
  .filter((name) => !name.startsWith('data/') || DATA.has(name.split('/').pop()))
  // The WebGPU worker's module is kept when a run first fetches it (public/sw.js), not on install:
  // a visit that never trains on WebGPU never downloads it.
  .filter((name) => !name.startsWith('filmspace-webgpu-'))
  .sort();
const version = createHash('sha256');
for (const name of listed) version.update(name).update(readFileSync(join(dist, name)));
const urls = listed.map((name) => (name === 'index.html' ? './' : `./${name}`));
const template = readFileSync('public/sw.js', 'utf8');
writeFileSync(join(dist, 'sw.js'), template
  .replace("'__VERSION__'", JSON.stringify(version.digest('hex').slice(0, 16)))
  .replace('__FILES__', JSON.stringify(urls, null, 2)));
console.log(`service worker: ${urls.length} files to keep offline`);
