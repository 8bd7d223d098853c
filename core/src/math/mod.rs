//! Small numerical building blocks the models and analyses share: seeded normal draws, the dot
//! product and column means, the Cholesky solves of small dense systems, and an L-BFGS minimiser.

mod cholesky;
mod lbfgs;
mod normal;
mod vector;

pub use cholesky::{cholesky, cholesky_solve};
pub use lbfgs::lbfgs;
pub use normal::{box_muller, standard_normal};
pub use vector::{column_means, dot, warm_up};
