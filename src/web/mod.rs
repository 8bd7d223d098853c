//! The browser edge: fetching files, probing compute backends, reading files a person picks.
//! Nothing here knows a model's maths; everything computed comes from `filmspace_core`.

pub mod backend;
pub mod download;
pub mod fetch;
pub mod movielens;
pub mod offline;
pub mod schedule;
pub mod storage;
pub mod upload;

use wasm_bindgen::{JsCast, JsValue};

/// What a rejected promise or thrown value says: an error's message, or the value as text.
pub fn describe(value: JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
