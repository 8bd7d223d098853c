//! Leptos components: one file per panel in `panels/`, small reused pieces in `widgets/`. They
//! render state and send commands; no maths.

pub mod panels;
pub mod widgets;
