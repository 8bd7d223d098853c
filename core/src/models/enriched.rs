//! Biased MF enriched with side information (SVDFeature / LightFM style, TFRS's "enriched"
//! model): each person's vector and bias get a learned share per feature they have — age band,
//! gender, occupation, and the month of their first rating (their rating time) — and each film's
//! per genre and release decade:
//!
//! r̂ = μ + (b_u + f_u·w_u) + (b_i + f_i·w_i) + (p_u + f_u W_u) · (q_i + f_i W_i)
//!
//! with f_u, f_i the feature rows (one-hot bands; a film's genres share 1 between them). A film
//! or person with few ratings leans on what its features learned from everyone else — how side
//! information helps the cold ones. Features are known for every user and film, so the
//! effective vectors are plain biased MF ([`EnrichedWeights::effective`]): what the page serves,
//! folds visitors into and draws.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::Embedding;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::MfWeights;
use super::init::{mean_rating, normal_table, param, seen, table};
use super::params::{Parameters, load_parameters, parameters_from, read_values};
use super::recipes::squared_error_loss;
use crate::data::{Dataset, Rating};
use crate::rng::SeededRng;
use crate::train::{Recipe, Schedule, Trainable, rating_examples};
use crate::zoo::{IntoTrained, Trained};

/// Age bands of the MovieLens 1M documentation (under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+).
const AGE_BANDS: [u8; 6] = [18, 25, 35, 45, 50, 56];
/// Thirty days, in seconds: the rating-time bands.
const MONTH_S: u32 = 30 * 24 * 3600;
/// Rating-time bands kept (later months share the last one).
const MONTHS: usize = 12;

/// What is known of every person and film besides ratings, as dense feature rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SideFeatures {
    pub user_dim: usize,
    /// Row-major users × `user_dim`.
    pub user: Vec<f32>,
    pub item_dim: usize,
    /// Row-major films × `item_dim`.
    pub item: Vec<f32>,
    /// Names of the columns, users' then films' (for explanations).
    pub user_names: Vec<String>,
    pub item_names: Vec<String>,
}

impl SideFeatures {
    /// The features of `dataset`'s people and films. The rating-time band of a person is the month
    /// of their first rating in `train` (so nothing comes from the test ratings).
    pub fn of(dataset: &Dataset, train: &[Rating]) -> Self {
        let people = &dataset.people;
        let has_age = people.iter().any(|p| p.age.is_some());
        let has_gender = people.iter().any(|p| p.gender.is_some());
        let mut occupations: Vec<&str> = people
            .iter()
            .filter_map(|p| p.occupation.as_deref())
            .collect();
        occupations.sort_unstable();
        occupations.dedup();
        let mut user_names: Vec<String> = Vec::new();
        if has_age {
            user_names.extend((0..=AGE_BANDS.len()).map(|b| match b {
                0 => format!("age < {}", AGE_BANDS[0]),
                b if b == AGE_BANDS.len() => format!("age {}+", AGE_BANDS[b - 1]),
                b => format!("age {}–{}", AGE_BANDS[b - 1], AGE_BANDS[b] - 1),
            }));
        }
        if has_gender {
            user_names.extend(["gender F".to_string(), "gender M".to_string()]);
        }
        user_names.extend(occupations.iter().map(|o| format!("occupation {o}")));
        user_names.extend((0..MONTHS).map(|m| format!("first rating in month {}", m + 1)));
        let user_dim = user_names.len();

        let first_time = train.iter().map(|r| r.timestamp).min().unwrap_or(0);
        let mut joined = vec![u32::MAX; dataset.n_users()];
        for r in train {
            let t = &mut joined[r.user as usize];
            *t = (*t).min(r.timestamp);
        }
        let mut user = vec![0.0f32; dataset.n_users() * user_dim];
        for (u, person) in people.iter().enumerate() {
            let row = &mut user[u * user_dim..(u + 1) * user_dim];
            let mut at = 0;
            if has_age {
                if let Some(age) = person.age {
                    row[AGE_BANDS.iter().take_while(|&&b| age >= b).count()] = 1.0;
                }
                at += AGE_BANDS.len() + 1;
            }
            if has_gender {
                if let Some(gender) = person.gender {
                    row[at + usize::from(gender != 'F')] = 1.0;
                }
                at += 2;
            }
            if let Some(k) = person
                .occupation
                .as_deref()
                .and_then(|o| occupations.binary_search(&o).ok())
            {
                row[at + k] = 1.0;
            }
            at += occupations.len();
            if joined[u] != u32::MAX {
                let month = ((joined[u] - first_time) / MONTH_S) as usize;
                row[at + month.min(MONTHS - 1)] = 1.0;
            }
        }

        let (item_names, item) = film_features(dataset);
        let item_dim = item_names.len();
        Self {
            user_dim,
            user,
            item_dim,
            item,
            user_names,
            item_names,
        }
    }

    pub(crate) fn n_users(&self) -> usize {
        self.user.len() / self.user_dim.max(1)
    }

    pub(crate) fn n_items(&self) -> usize {
        self.item.len() / self.item_dim.max(1)
    }

    /// The people's and the films' feature rows as constant tensors on `device`.
    pub(crate) fn tensors(&self, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let rows = |values: &[f32], rows: usize, dim: usize| {
            Tensor::from_data(TensorData::new(values.to_vec(), [rows, dim]), device)
        };
        (
            rows(&self.user, self.n_users(), self.user_dim),
            rows(&self.item, self.n_items(), self.item_dim),
        )
    }
}

/// The films' feature columns (genres shared out, release decade) and their rows.
fn film_features(dataset: &Dataset) -> (Vec<String>, Vec<f32>) {
    let decades: Vec<u16> = {
        let mut d: Vec<u16> = dataset
            .films
            .iter()
            .filter_map(|f| f.year)
            .map(|y| y / 10 * 10)
            .collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let genres = dataset.genres.len();
    let mut item_names: Vec<String> = dataset
        .genres
        .iter()
        .map(|g| format!("genre {g}"))
        .collect();
    item_names.extend(decades.iter().map(|d| format!("released in the {d}s")));
    item_names.push("release year unknown".to_string());
    let item_dim = item_names.len();
    let mut item = vec![0.0f32; dataset.n_items() * item_dim];
    for (i, film) in dataset.films.iter().enumerate() {
        let row = &mut item[i * item_dim..(i + 1) * item_dim];
        let own: Vec<usize> = (0..genres).filter(|&g| film.has_genre(g)).collect();
        for &g in &own {
            row[g] = 1.0 / own.len() as f32;
        }
        let at = genres;
        match film
            .year
            .and_then(|y| decades.binary_search(&(y / 10 * 10)).ok())
        {
            Some(k) => row[at + k] = 1.0,
            None => row[at + decades.len()] = 1.0,
        }
    }
    (item_names, item)
}

/// Settings of the enriched model and of its training.
#[derive(Config, Debug, PartialEq)]
pub struct EnrichedConfig {
    #[config(default = 32)]
    pub dim: usize,
    #[config(default = 0.005)]
    pub learning_rate: f64,
    /// L2 on the gathered id rows (p_u, q_i), as MF's `reg`.
    #[config(default = 0.1)]
    pub reg: f64,
    /// L2 on the gathered feature shares (f_u W_u, f_i W_i).
    #[config(default = 0.08)]
    pub feature_reg: f64,
    #[config(default = 40)]
    pub epochs: usize,
    #[config(default = 1024)]
    pub batch_size: usize,
    #[config(default = 3)]
    pub patience: usize,
    #[config(default = 0.01)]
    pub init_std: f64,
    #[config(default = 42)]
    pub seed: u64,
}

/// A recipe needs the features too: the settings and the data they describe.
#[derive(Debug, Clone)]
pub struct EnrichedRecipe {
    pub config: EnrichedConfig,
    pub features: std::sync::Arc<SideFeatures>,
}

#[derive(Module, Debug)]
pub struct Enriched {
    pub user_factors: Embedding,
    pub item_factors: Embedding,
    pub user_bias: Embedding,
    pub item_bias: Embedding,
    /// W_u: user features × d.
    pub user_feature_factors: Param<Tensor<2>>,
    pub item_feature_factors: Param<Tensor<2>>,
    /// w_u: user features × 1.
    pub user_feature_bias: Param<Tensor<2>>,
    pub item_feature_bias: Param<Tensor<2>>,
    /// f_u rows, constant.
    pub user_features: Tensor<2>,
    pub item_features: Tensor<2>,
    #[module(skip)]
    pub features: std::sync::Arc<SideFeatures>,
    pub mean: f32,
}

/// Predictions of a batch and the squared norms of what it gathered.
pub struct EnrichedBatch {
    pub predictions: Tensor<1>,
    pub id_norms: Tensor<1>,
    pub feature_norms: Tensor<1>,
}

impl Enriched {
    pub fn new(
        config: &EnrichedConfig,
        features: std::sync::Arc<SideFeatures>,
        mean: f32,
        user_seen: &[bool],
        item_seen: &[bool],
        device: &Device,
    ) -> Self {
        let mut rng = SeededRng::new(config.seed ^ 0x656E_7269_6368);
        let d = config.dim;
        let (users, items) = (user_seen.len(), item_seen.len());
        let sd = config.init_std;
        let everyone = |n| vec![true; n];
        let (fu, fi) = (features.user_dim, features.item_dim);
        let user_feature_factors = normal_table(&everyone(fu), d, sd, &mut rng, device).weight;
        let item_feature_factors = normal_table(&everyone(fi), d, sd, &mut rng, device).weight;
        let (user_features, item_features) = features.tensors(device);
        Self {
            user_factors: normal_table(user_seen, d, sd, &mut rng, device),
            item_factors: normal_table(item_seen, d, sd, &mut rng, device),
            user_bias: table(vec![0.0; users], users, 1, device),
            item_bias: table(vec![0.0; items], items, 1, device),
            user_feature_factors,
            item_feature_factors,
            user_feature_bias: param(vec![0.0; fu], fu, 1, device),
            item_feature_bias: param(vec![0.0; fi], fi, 1, device),
            user_features,
            item_features,
            features,
            mean,
        }
    }

    pub fn forward_batch(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> EnrichedBatch {
        let fu = self.user_features.clone().select(0, users.clone());
        let fi = self.item_features.clone().select(0, items.clone());
        let pu = self.user_factors.weight.val().select(0, users.clone());
        let qi = self.item_factors.weight.val().select(0, items.clone());
        let su = fu.clone().matmul(self.user_feature_factors.val());
        let si = fi.clone().matmul(self.item_feature_factors.val());
        let bias = self.user_bias.weight.val().select(0, users)
            + self.item_bias.weight.val().select(0, items)
            + fu.matmul(self.user_feature_bias.val())
            + fi.matmul(self.item_feature_bias.val());
        let id_norms = pu.clone().square().sum() + qi.clone().square().sum();
        let feature_norms = su.clone().square().sum() + si.clone().square().sum();
        let dot = ((pu + su) * (qi + si)).sum_dim(1);
        EnrichedBatch {
            predictions: (dot + bias).add_scalar(self.mean).squeeze_dim::<1>(1),
            id_norms,
            feature_norms,
        }
    }

    pub fn forward(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> Tensor<1> {
        self.forward_batch(users, items).predictions
    }

    /// Every person's and film's effective vector and bias, features folded in: plain MF.
    pub fn effective(&self) -> MfWeights {
        // An id table plus its rows' feature shares, f W.
        let fold = |own: &Embedding, features: &Tensor<2>, shares: &Param<Tensor<2>>| {
            read_values(own.weight.val() + features.clone().matmul(shares.val()))
        };
        let (users, items) = (&self.user_features, &self.item_features);
        MfWeights {
            mean: self.mean,
            dim: self.user_factors.weight.shape().dims::<2>()[1],
            user_factors: fold(&self.user_factors, users, &self.user_feature_factors),
            item_factors: fold(&self.item_factors, items, &self.item_feature_factors),
            user_bias: fold(&self.user_bias, users, &self.user_feature_bias),
            item_bias: fold(&self.item_bias, items, &self.item_feature_bias),
        }
    }
}

/// The enriched model in plain memory.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnrichedWeights {
    pub dim: usize,
    pub mean: f32,
    pub features: SideFeatures,
    pub parameters: Parameters,
}

impl EnrichedWeights {
    /// Plain biased MF with the features folded into every vector and bias (computed on the CPU).
    pub fn effective(&self) -> MfWeights {
        Enriched::from_weights(self, &Device::flex()).effective()
    }
}

impl Trainable for Enriched {
    type Weights = EnrichedWeights;
    crate::train::rating_validation!();

    crate::train::visited_parameters!();

    fn weights_from(&self, values: Vec<Vec<f32>>) -> EnrichedWeights {
        EnrichedWeights {
            dim: self.user_factors.weight.shape().dims::<2>()[1],
            mean: self.mean,
            features: (*self.features).clone(),
            parameters: parameters_from(self, values),
        }
    }

    fn from_weights(weights: &EnrichedWeights, device: &Device) -> Self {
        let features = std::sync::Arc::new(weights.features.clone());
        let config = EnrichedConfig::new().with_dim(weights.dim);
        let (users, items) = (features.n_users(), features.n_items());
        let skeleton = Enriched::new(
            &config,
            features,
            weights.mean,
            &vec![true; users],
            &vec![true; items],
            device,
        );
        load_parameters(skeleton, &weights.parameters)
    }
}

impl Recipe for EnrichedRecipe {
    type Model = Enriched;
    rating_examples!();
    squared_error_loss!(Enriched, |recipe, out| {
        let c = &recipe.config;
        out.id_norms.mul_scalar(c.reg) + out.feature_norms.mul_scalar(c.feature_reg)
    });

    fn schedule(&self) -> Schedule {
        let c = &self.config;
        Schedule::adam(c.epochs, c.batch_size, c.learning_rate, c.patience, c.seed)
    }

    fn for_refit(&self, epochs: usize) -> Self {
        Self {
            config: self.config.clone().with_epochs(epochs).with_patience(0),
            features: self.features.clone(),
        }
    }

    fn init(&self, train: &[Rating], n_users: usize, n_items: usize, device: &Device) -> Enriched {
        let (user_seen, item_seen) = seen(train, n_users, n_items);
        Enriched::new(
            &self.config,
            self.features.clone(),
            mean_rating(train),
            &user_seen,
            &item_seen,
            device,
        )
    }
}

/// How the board scores it.
impl IntoTrained for EnrichedWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        (Trained::Factors(self.effective()), self.parameters.count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{RankThree, rmse};

    /// Features that carry part of the truth: each film's row is a one-hot of its group, and the
    /// groups differ in mean rating.
    fn grouped(users: usize, items: usize, groups: usize) -> SideFeatures {
        let mut item = vec![0.0; items * groups];
        for i in 0..items {
            item[i * groups + i % groups] = 1.0;
        }
        SideFeatures {
            user_dim: 1,
            user: vec![1.0; users],
            item_dim: groups,
            item,
            user_names: vec!["all".into()],
            item_names: (0..groups).map(|g| format!("group {g}")).collect(),
        }
    }

    #[test]
    fn it_learns_low_rank_data_better_than_the_bias_model_and_its_effective_mf_agrees() {
        let data = RankThree::new(150, 120, 23);
        let (split, users, items) = (&data.split, data.users, data.items);
        let bias = data.bias_rmse();
        let recipe = EnrichedRecipe {
            config: EnrichedConfig::new()
                .with_dim(3)
                .with_learning_rate(0.01)
                .with_reg(0.005)
                .with_feature_reg(0.005)
                .with_init_std(0.1)
                .with_batch_size(256)
                .with_epochs(100)
                .with_patience(5),
            features: std::sync::Arc::new(grouped(users, items, 4)),
        };
        let fit = data.fit(recipe);
        let effective = fit.weights.effective();
        let ours = rmse(&effective, &split.test);
        eprintln!(
            "enriched: test RMSE {ours:.4}, bias model {bias:.4}, {:?}",
            fit.summary
        );
        assert!(ours < bias * 0.6, "{ours:.4} vs bias {bias:.4}");
        // The plain-MF view predicts what the module does.
        let model = Enriched::from_weights(&fit.weights, &Device::flex());
        let pairs: Vec<(i64, i64)> = split
            .test
            .iter()
            .take(50)
            .map(|r| (r.user as i64, r.item as i64))
            .collect();
        let n = pairs.len();
        let device = Device::flex();
        let users_t = Tensor::<1, Int>::from_data(
            TensorData::new(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), [n]),
            &device,
        );
        let items_t = Tensor::<1, Int>::from_data(
            TensorData::new(pairs.iter().map(|p| p.1).collect::<Vec<_>>(), [n]),
            &device,
        );
        let module: Vec<f32> = model
            .forward(users_t, items_t)
            .into_data()
            .iter::<f32>()
            .collect();
        for (k, &(u, i)) in pairs.iter().enumerate() {
            let plain = crate::models::RatingModel::predict(&effective, u as u32, i as u32);
            assert!((plain - module[k]).abs() < 1e-4, "{plain} vs {}", module[k]);
        }
    }
}
