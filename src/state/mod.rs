//! The page's stores: each holds signals the panels read and the commands they call, and drives
//! the workers and the core. One store a concern: training, the zoo's board, which model serves,
//! the visitor, the film map, the data set in use.

pub mod data;
pub mod device;
pub mod map;
pub mod serving;
pub mod training;
pub mod visitor;
pub mod zoo;
