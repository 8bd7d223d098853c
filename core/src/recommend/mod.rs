//! Recommendations for someone who is not in the training data: fold them into a trained model
//! from a few ratings ([`foldin`], [`retrieval`]; any zoo model through [`served`]), rank with a
//! blend built to rank ([`ranking`]), ask about the right films first ([`onboarding`]), and
//! measure it all on held-out people ([`evaluation`]).

pub mod evaluation;
pub mod foldin;
pub mod neighbours;
pub mod onboarding;
pub mod ranking;
pub mod retrieval;
pub mod served;
mod validate;

pub use foldin::{FoldIn, FoldInRidge, Personal};
pub use neighbours::{CoRated, CoRatedBuilder, NEIGHBOURS_PER_FILM};
pub use onboarding::{onboarding_order, onboarding_order_by_counts, primary_genre};
pub use ranking::{BlendWeights, Catalogue, Ranking, Reason, Recommendation};
pub use retrieval::Retrieval;
pub use served::{EaseWeights, Served, ServingModel, VisitorFit};
