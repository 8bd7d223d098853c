//! How a message crosses between the page and a worker: its JSON text alone, or `[text, extra]`
//! when something travels beside it — a picked `File` to the worker (read there, never copied
//! through the page), a fit's rating columns to the worker and a read data set's packed ratings
//! back, each as an `ArrayBuffer` that is transferred (moved), not copied or encoded as text.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::web::schedule::next_macrotask;

/// A message's text and what travels beside it, if anything.
pub fn parts(data: &JsValue) -> (String, Option<JsValue>) {
    if Array::is_array(data) {
        let parts: Array = data.clone().unchecked_into();
        (
            parts.get(0).as_string().unwrap_or_default(),
            Some(parts.get(1)),
        )
    } else {
        (data.as_string().unwrap_or_default(), None)
    }
}

/// The message for `text` with `extra` beside it.
pub fn with_extra(text: String, extra: &JsValue) -> JsValue {
    Array::of2(&JsValue::from(text), extra).into()
}

/// The message for `text` with `bytes` beside it, copied once into a buffer of their own, and
/// the transfer list that moves that buffer rather than copying it again.
pub fn with_bytes(text: String, bytes: &[u8]) -> (JsValue, Array) {
    let buffer = Uint8Array::from(bytes).buffer();
    (with_extra(text, &buffer), Array::of1(&buffer))
}

/// The bytes of a transferred buffer (empty when `extra` is not one).
pub fn bytes_of(extra: &JsValue) -> Vec<u8> {
    extra
        .dyn_ref::<ArrayBuffer>()
        .map(|buffer| Uint8Array::new(buffer).to_vec())
        .unwrap_or_default()
}

/// Bytes copied from a transferred buffer per task: a read data set's 400 MB in one task held the
/// page for about half a second.
const PIECE_BYTES: usize = 16 << 20;

/// Puts the buffer that travelled beside `reply`'s text back into it, a piece per task (a read
/// data set's ratings: no byte vector of the whole between).
pub async fn receive_bytes(
    reply: &mut filmspace_core::protocol::Reply,
    extra: &JsValue,
) -> Result<(), String> {
    let Some(buffer) = extra.dyn_ref::<ArrayBuffer>() else {
        return Ok(());
    };
    let view = Uint8Array::new(buffer);
    let len = view.length() as usize;
    reply.expect_bytes(len)?;
    let mut piece = vec![0u8; PIECE_BYTES.min(len)];
    for (k, start) in (0..len).step_by(PIECE_BYTES).enumerate() {
        if k > 0 {
            next_macrotask().await;
        }
        let piece = &mut piece[..PIECE_BYTES.min(len - start)];
        view.subarray(start as u32, (start + piece.len()) as u32)
            .copy_to(piece);
        reply.append_bytes(piece)?;
    }
    Ok(())
}
