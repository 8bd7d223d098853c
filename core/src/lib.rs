//! filmspace's browser-free core: everything that can be computed without a browser.
//!
//! Data flows one way: files → [`data::Dataset`] → [`split::Split`] → models → metrics.
//! Nothing here knows about the web; the app crate brings the files and shows the results.

pub mod bundle;
pub mod data;
pub mod embedding;
pub mod lessons;
pub mod math;
pub mod metrics;
pub mod models;
pub mod profile;
pub mod protocol;
pub mod recommend;
pub mod report;
pub mod rng;
pub mod saved;
pub mod search;
pub mod settings;
pub mod split;
pub mod spreadsheet;
pub mod stats;
#[cfg(test)]
mod testing;
pub mod train;
pub mod zoo;
