//! The workers: the page asks, a worker answers, in the core's `protocol` messages. `client` is
//! the page's side (one client per store, runs tagged by id), `host` the worker's, `fit` the one
//! fit driver both the training panel and the zoo use, `run` where a fit runs and how it survives
//! a worker that dies, `measure` how fast this device trains (for `auto`), `wire` how a message and what travels
//! beside it cross.

pub mod client;
pub mod fit;
pub mod host;
pub mod measure;
pub mod run;
pub mod wire;
