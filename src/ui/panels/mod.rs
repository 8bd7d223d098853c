//! One component file per panel of the page.

pub mod backend_panel;
pub mod columns_dialog;
pub mod data_panel;
pub mod header;
pub mod lesson_panel;
pub mod map;
pub mod rate_panel;
pub mod recs_panel;
pub mod stats_panel;
pub mod train_panel;
pub mod zoo_panel;
