//! Recommendations for someone who is not in the training data: fold them into the trained model
//! from a few ratings ([`foldin`]), rank with a blend built to rank ([`ranking`]), ask about the
//! right films first ([`onboarding`]), and measure it all on held-out people ([`evaluation`]).

pub mod evaluation;
pub mod foldin;
pub mod neighbours;
pub mod onboarding;
pub mod ranking;

pub use foldin::{FoldIn, FoldInRidge};
pub use neighbours::{CoRated, CoRatedBuilder, NEIGHBOURS_PER_FILM};
pub use onboarding::{onboarding_order, primary_genre};
pub use ranking::{BlendWeights, Catalogue, Ranking, Reason, Recommendation};
