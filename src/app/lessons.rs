//! The lesson rail's glue to the page: presenter keys, a lesson's board, its address, and
//! scrolling to a panel.

use filmspace_core::lessons::Lesson;
use filmspace_core::split::SplitKind;
use filmspace_core::zoo::ZooModel;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::state::zoo::Zoo;

/// In presenter mode the arrow and page keys step through the lessons (a clicker sends Page
/// Down / Up) and Escape leaves; keys typed into a field are the field's.
pub(super) fn present_with_keys(
    presenting: RwSignal<bool>,
    lesson: ReadSignal<Option<Lesson>>,
    go: impl Fn(Lesson) + 'static,
) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !presenting.get_untracked() {
            return;
        }
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if in_field {
            return;
        }
        let current = lesson.get_untracked().unwrap_or(Lesson::ALL[0]);
        let step = match ev.key().as_str() {
            "ArrowRight" | "PageDown" => current.next(),
            "ArrowLeft" | "PageUp" => current.previous(),
            "Escape" => {
                presenting.set(false);
                None
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(step) = step {
            go(step);
        }
    });
    on_cleanup(move || handle.remove());
}

/// Picks the lesson's models on the board, on u1, unless the board is running.
pub(super) fn set_up_board(zoo: Zoo, lesson: Lesson) {
    let Some(models) = lesson.board() else { return };
    if zoo.is_running() {
        return;
    }
    let mut picked = models.to_vec();
    picked.sort_by_key(|m| ZooModel::ALL.iter().position(|x| x == m));
    zoo.picked.set(picked);
    if zoo.splits.get_untracked().contains(&SplitKind::Fold(1)) {
        zoo.split.set(SplitKind::Fold(1));
    }
}

/// Puts the lesson in the address (`?lesson=ID`, the other settings kept), so that the address
/// bar always links to the lesson on screen; Back returns to the previous one.
pub(super) fn link_to_lesson(lesson: Lesson) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let search = window.location().search().unwrap_or_default();
    let query = lesson.query_in(&search);
    if query == search {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
    }
}

/// Scrolls the panel whose heading has this id into view.
pub(super) fn show_heading(id: &str) {
    if let Some(heading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        heading.scroll_into_view();
    }
}
