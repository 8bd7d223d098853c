// Puts the WebGPU worker's module into the built page: wasm-bindgen's output for the app built
// with `--features webgpu` (glue and wasm) copied under content-hashed names, and their names
// written into dist/index.html as <meta name="filmspace-webgpu-glue|wasm"> for the page to start
// that worker with (src/worker/client.rs). Nothing fetches them before a run trains on WebGPU.
// Usage: node scripts/webgpu-module.mjs DIST BINDGEN_DIR
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dist = 'dist', built = 'target/webgpu-bindgen'] = process.argv.slice(2);
const NAME = 'filmspace-webgpu';

const wasm = readFileSync(join(built, `${NAME}_bg.wasm`));
const hash = createHash('sha256').update(wasm).digest('hex').slice(0, 16);
for (const old of readdirSync(dist).filter((f) => f.startsWith(`${NAME}-`))) rmSync(join(dist, old));
const glue = `${NAME}-${hash}.js`;
const module = `${NAME}-${hash}_bg.wasm`;
copyFileSync(join(built, `${NAME}.js`), join(dist, glue));
copyFileSync(join(built, `${NAME}_bg.wasm`), join(dist, module));

const index = join(dist, 'index.html');
const metas = `<meta name="${NAME}-glue" content="./${glue}" />`
  + `<meta name="${NAME}-wasm" content="./${module}" />`;
const html = readFileSync(index, 'utf8').replace(/<meta name="filmspace-webgpu-[^>]*>/g, '');
if (!html.includes('</head>')) throw new Error(`${index} has no </head>`);
writeFileSync(index, html.replace('</head>', `${metas}</head>`));
console.log(`WebGPU module: ${module} (${(wasm.length / 1e6).toFixed(1)} MB), named in ${index}`);
