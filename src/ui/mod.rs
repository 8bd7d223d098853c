//! Leptos components, one file per panel. They render state and send commands; no maths.

pub mod backend_panel;
pub mod charts;
pub mod data_panel;
pub mod film_card;
pub mod format;
pub mod header;
pub mod map_panel;
pub mod rate_panel;
pub mod recs_panel;
pub mod stars;
pub mod stats_panel;
pub mod train_panel;
pub mod zoo_panel;
