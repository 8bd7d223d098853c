// The page's worker: it runs the page's own wasm module, not a second one. The page sends, first
// thing, the URL of its wasm-bindgen glue and its compiled WebAssembly.Module, so the worker
// downloads and compiles nothing; then Rust's worker host takes over the messages.
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
