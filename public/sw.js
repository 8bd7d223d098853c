// filmspace's service worker. After the first visit the page, its training worker and the data
// come from this cache, so a reload works with the network off and a second visit needs none.
// scripts/offline.mjs writes the build's file list and version below: a new build is a new
// sw.js, which caches its files beside the old ones; the page then offers to switch.
const VERSION = '__VERSION__';
const FILES = __FILES__;
const CACHE = `filmspace-${VERSION}`;

self.addEventListener('install', (event) => {
  // Revalidated, not refetched: the browser's HTTP cache usually holds them already.
  const requests = FILES.map((file) => new Request(file, { cache: 'no-cache' }));
  event.waitUntil((async () => {
    try {
      await (await caches.open(CACHE)).addAll(requests);
    } catch (error) {
      // The page says why it will need the network next time (a full disk, a file that failed).
      await caches.delete(CACHE);
      const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const page of pages) page.postMessage({ offlineFailed: `${error.name}: ${error.message}` });
      throw error;
    }
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('filmspace-') && key !== CACHE) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

// The page asks the waiting version to take over when the person accepts the update.
self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Any page URL (`?lesson=…`, `?split=u1`) is the one page.
    const cached = request.mode === 'navigate'
      ? await cache.match(new URL('./', self.registration.scope).href)
      : await cache.match(request);
    if (cached) return cached;
    const response = await fetch(request);
    // The WebGPU worker's module is not fetched on install (most visits never need it): kept
    // once a run has fetched it, so the next visit trains on WebGPU offline too.
    if (response.ok && /\/filmspace-webgpu-[^/]*$/.test(new URL(request.url).pathname)) {
      event.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  })());
});
