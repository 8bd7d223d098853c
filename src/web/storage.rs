//! IndexedDB, for what the page keeps between visits (a trained model is too big for
//! localStorage's few megabytes). One database, one object store, values under string keys.

use super::describe;
use js_sys::Promise;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "filmspace";
const STORE: &str = "kept";

/// Resolves with the request's result, or fails with its error.
async fn finished(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let succeeded = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &succeeded.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let failed = request.clone();
        let on_error = Closure::once_into_js(move || {
            let message = failed
                .error()
                .ok()
                .flatten()
                .map(|e| e.message())
                .unwrap_or_else(|| "unknown error".into());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(describe)
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser offers no IndexedDB (private mode?)")?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1).map_err(describe)?;
    let upgrading = request.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading
            .result()
            .map(|r| r.unchecked_into::<IdbDatabase>())
            && !db.object_store_names().contains(STORE)
        {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    Ok(finished(&request).await?.unchecked_into())
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<web_sys::IdbObjectStore, String> {
    db.transaction_with_str_and_mode(STORE, mode)
        .and_then(|t| t.object_store(STORE))
        .map_err(describe)
}

/// Resolves once a write's transaction has committed: a request's success alone is not yet on
/// disk, and a page closed (or reloaded) before the commit keeps the old value.
async fn committed(transaction: &web_sys::IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        // A failed request fires `error` and then `abort` on its transaction: one handler for
        // both, callable twice (a second reject of a settled promise does nothing).
        let failed = transaction.clone();
        let on_failure = Closure::<dyn FnMut()>::new(move || {
            let message = failed
                .error()
                .map(|e| e.message())
                .unwrap_or_else(|| "the write was aborted".into());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        })
        .into_js_value();
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(on_failure.unchecked_ref()));
        transaction.set_onabort(Some(on_failure.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(describe)
}

/// Writes with `write` on the store and waits for the commit.
async fn write(
    write: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<(), String> {
    let db = open().await?;
    let store = store(&db, IdbTransactionMode::Readwrite)?;
    let transaction = store.transaction();
    write(&store).map_err(describe)?;
    committed(&transaction).await
}

pub async fn put(key: &str, value: &str) -> Result<(), String> {
    write(|store| store.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))).await
}

pub async fn get(key: &str) -> Result<Option<String>, String> {
    let db = open().await?;
    let request = store(&db, IdbTransactionMode::Readonly)?
        .get(&JsValue::from_str(key))
        .map_err(describe)?;
    Ok(finished(&request).await?.as_string())
}

pub async fn delete(key: &str) -> Result<(), String> {
    write(|store| store.delete(&JsValue::from_str(key))).await
}

/// localStorage, for small things that must be saved synchronously on every change (the visitor's
/// ratings): written before any other work, so nothing is lost if the page closes right after.
pub mod local {
    fn storage() -> Result<web_sys::Storage, String> {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .ok_or_else(|| "this browser offers no localStorage (private mode?)".to_string())
    }

    pub fn get(key: &str) -> Option<String> {
        storage().ok()?.get_item(key).ok().flatten()
    }

    pub fn set(key: &str, value: &str) -> Result<(), String> {
        storage()?
            .set_item(key, value)
            .map_err(|_| "the browser refused to save (storage full?)".to_string())
    }

    pub fn remove(key: &str) -> Result<(), String> {
        storage()?
            .remove_item(key)
            .map_err(|_| "the browser refused to forget".to_string())
    }
}
