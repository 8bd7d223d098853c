// The page's workers. The first message says which wasm-bindgen glue to import and which module
// to run: on the CPU the page's own compiled WebAssembly.Module (nothing downloaded or compiled
// twice); on WebGPU the URL of the module built with Burn's wgpu backend, which only such a
// worker fetches. Then Rust's worker host takes over the messages.
self.onmessage = async (event) => {
  self.onmessage = null;
  try {
    const { glue, module } = event.data;
    const bindings = await import(glue);
    await bindings.default({ module_or_path: module });
    bindings.start_training_worker();
  } catch (error) {
    // Thrown outside the promise, so the page's Worker gets an `error` event and says so.
    setTimeout(() => { throw error; });
  }
};
