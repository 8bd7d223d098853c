//! Leptos components, one file per panel. They render state and send commands; no maths.

pub mod backend_panel;
pub mod charts;
pub mod data_panel;
pub mod format;
pub mod header;
pub mod stats_panel;
pub mod train_panel;
