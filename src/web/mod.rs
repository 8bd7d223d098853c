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
