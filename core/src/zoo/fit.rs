//! How each model of the board is fitted: the trainable ones through the one training
//! [`Pipeline`] (holdout run, then refit), the closed-form ones solved directly; and the native
//! runner that fits and scores one row.

use std::sync::Arc;

use burn::tensor::Device;

use crate::data::{Dataset, Rating};
use crate::models::{Blend, SideFeatures};
use crate::split::Split;
use crate::train::{
    EpochReport, Fitted, Pipeline, PipelineError, Recipe, Trainable, default_training_split,
    refit_split,
};

use super::{
    Fitting, Trained, ZooModel, ZooOptions, ZooRow, fit_closed_form, fit_trainable_with, mf_config,
};

/// What a trainable model's fit hands back.
pub struct TrainableFit {
    pub trained: Trained,
    pub history: Vec<EpochReport>,
    pub parameters: usize,
}

/// A trained model's weights made ready to score, with the number of parameters it learned.
pub trait IntoTrained: Clone {
    /// `train`: the ratings it was trained on (AutoRec reconstructs from them).
    fn into_trained(self, train: &[Rating], n_items: usize) -> (Trained, usize);

    /// The film vectors and their length, where the weights hold them as such (for the live map).
    fn film_factors(&self) -> Option<(&[f32], usize)> {
        None
    }
}

/// A trainable model's fit: the refit, and (for a blend's parts) the holdout run's model, which
/// never saw the holdout.
pub struct Part {
    pub holdout: Option<Trained>,
    pub refit: TrainableFit,
}

impl Part {
    /// The part made of a [`Fitted`] pipeline on `held` (the split with its holdout carved out);
    /// the holdout run's model is made ready to score only with `keep_holdout`.
    pub fn of<W: IntoTrained>(
        fitted: Fitted<W>,
        held: &Split,
        n_items: usize,
        keep_holdout: bool,
    ) -> Part {
        let history = fitted.holdout.history.clone();
        let refitted = fitted.refit.is_some();
        let holdout_model = keep_holdout.then(|| fitted.holdout.weights.clone());
        let holdout = holdout_model.map(|w| w.into_trained(&held.train, n_items).0);
        // The refit trained on the training ratings and the validation ones.
        let trained_on = if refitted {
            refit_split(held).train
        } else {
            held.train.clone()
        };
        let (trained, parameters) = fitted.into_model().into_trained(&trained_on, n_items);
        Part {
            holdout,
            refit: TrainableFit {
                trained,
                history,
                parameters,
            },
        }
    }
}

/// How the zoo's trainable models are fitted: the holdout run, then the refit for its best epoch
/// count. Natively in one go ([`fit_trainable`]); a page steps the same runs, yielding.
#[allow(async_fn_in_trait)]
pub trait Fitter {
    /// The split trained on, and the seed of its holdout.
    fn split(&self) -> (&Split, u64);

    /// `recipe`'s fit; `None` when it was stopped.
    async fn fit<R: ZooRecipe>(&mut self, recipe: R, keep_holdout: bool) -> PartFit;
}

/// A fit of one trainable model: the part, `None` when stopped, or why it failed.
pub type PartFit = Result<Option<Part>, PipelineError>;

/// A recipe whose fitted weights the board can score.
pub trait ZooRecipe: Recipe<Model: Trainable<Weights: IntoTrained>> {}

impl<R: Recipe<Model: Trainable<Weights: IntoTrained>>> ZooRecipe for R {}

/// The blend of `parts`, weighted on `holdout` (the ratings their holdout models never saw).
pub fn blend_of(parts: Vec<Part>, holdout: &[Rating]) -> TrainableFit {
    let parameters = parts.iter().map(|p| p.refit.parameters).sum::<usize>() + parts.len() + 1;
    let history = parts
        .first()
        .map(|p| p.refit.history.clone())
        .unwrap_or_default();
    let (fitted, finals): (Vec<Trained>, Vec<Trained>) = parts
        .into_iter()
        .map(|p| {
            (
                p.holdout.expect("a blend part keeps its holdout model"),
                p.refit.trained,
            )
        })
        .unzip();
    TrainableFit {
        trained: Trained::Blend(Box::new(Blend::fit(&fitted, finals, holdout))),
        history,
        parameters,
    }
}

/// Fits natively, synchronously, on one device.
struct NativeFitter<'a> {
    split: &'a Split,
    seed: u64,
    sizes: (usize, usize),
    device: &'a Device,
}

impl Fitter for NativeFitter<'_> {
    fn split(&self) -> (&Split, u64) {
        (self.split, self.seed)
    }

    async fn fit<R: ZooRecipe>(&mut self, recipe: R, keep_holdout: bool) -> PartFit {
        let held = default_training_split(self.split, self.seed);
        let mut pipeline = Pipeline::new(
            recipe,
            self.split,
            self.seed,
            self.sizes,
            self.device,
            false,
        );
        let fitted = pipeline.run()?;
        Ok(Some(Part::of(fitted, &held, self.sizes.1, keep_holdout)))
    }
}

/// Fits a trainable model natively: holdout run, then refit, on `device` (Flex in tests).
pub fn fit_trainable(
    model: ZooModel,
    dataset: &Dataset,
    split: &Split,
    device: &Device,
) -> TrainableFit {
    let mut fitter = NativeFitter {
        split,
        seed: mf_config().seed,
        sizes: (dataset.n_users(), dataset.n_items()),
        device,
    };
    let features = Arc::new(SideFeatures::of(dataset, &split.train));
    crate::train::ready(fit_trainable_with(model, features, &mut fitter))
        .expect("a fit on the CPU")
        .expect("native fitting is never stopped")
}

/// Fits any model of the zoo natively and scores it on `split.test`: one board row.
pub fn run_native(
    model: ZooModel,
    dataset: &Dataset,
    split: &Split,
    options: &ZooOptions,
    device: &Device,
    clock: &mut dyn FnMut() -> f64,
) -> (ZooRow, Trained) {
    let index = dataset.index(&split.train);
    let started = clock();
    let (trained, parameters, history) = if model.trainable() {
        let fit = fit_trainable(model, dataset, split, device);
        (fit.trained, fit.parameters, fit.history)
    } else {
        let (trained, n) = fit_closed_form(model, &split.train, &index, options);
        (trained, n, Vec::new())
    };
    let train_ms = clock() - started;
    let backend = if model.trainable() {
        "CPU (Flex)"
    } else {
        "closed form"
    };
    let row = ZooRow::scored(
        model,
        &trained,
        (&index, &split.test),
        Fitting {
            train_ms,
            parameters,
            backend: backend.to_string(),
            history,
        },
    );
    (row, trained)
}
