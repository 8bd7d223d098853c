//! The workers: what the page asks of them and how they answer.

pub mod host;
pub mod training;
