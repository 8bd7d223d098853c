//! The model zoo: every model of the comparison board, what it is, how it is fitted and how it
//! scores, so that the page, the benchmark and the tests run the same code. `catalogue` holds the
//! facts (a table), `fit` the fitting (trainable models through [`crate::train::Pipeline`],
//! closed-form ones solved directly), `trained` the fitted model, `board` the scored rows.

mod board;
mod catalogue;
mod fit;
mod trained;

pub use board::{Fitting, ZooRow, board_csv};
pub use catalogue::{
    CATALOGUE, EASE_MAX_ITEMS, ModelFacts, ZooModel, ZooOptions, autorec_config, cannot_fit,
    deep_config, dense_config, enriched_config, fit_closed_form, fit_trainable_with, mf_config,
    ncf_config, two_tower_config,
};
pub use fit::{
    Fitter, IntoTrained, Part, PartFit, TrainableFit, ZooRecipe, blend_of, fit_trainable,
    run_native,
};
pub use trained::Trained;
