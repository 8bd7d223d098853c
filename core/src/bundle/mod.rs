//! The model bundle: one safetensors file for every trained factor model, the page's own and the
//! Spark job's (`spark/als.py` writes the same layout). Tensors carry the data set's own ids, so a
//! bundle opens on the data it was trained on whatever order the ids were read in.
//!
//! Tensors: `item_factors` F32 [items, rank], `item_ids` I64 [items], `user_factors` F32
//! [users, rank], `user_ids` I64 [users], and optionally `item_bias` F32 [items], `user_bias` F32
//! [users], `global_mean` F32 [1], `item_counts` I64 [items] (each film's ratings in the whole
//! data set: its popularity, for a page that holds the film list without the ratings).
//! `__metadata__`: `format`, `version`, `model`, `label`,
//! `settings`, `metrics`, `split` and `dataset` (the last three as JSON text).

mod board;
mod digest;
mod matching;

use std::collections::{BTreeMap, HashMap};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

pub use digest::ratings_digest;
pub use matching::BundleMatch;

use crate::data::Dataset;
use crate::models::MfWeights;

pub const BUNDLE_FORMAT: &str = "filmspace-model";
pub const BUNDLE_VERSION: u32 = 1;

/// The data set a bundle was trained on, as its trainer saw it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BundleDataset {
    pub name: String,
    pub users: usize,
    pub items: usize,
    pub ratings: usize,
    /// [`ratings_digest`] in 16 hex digits: the same ratings give the same digest in any order.
    pub fingerprint: String,
}

impl BundleDataset {
    pub fn of(dataset: &Dataset) -> Self {
        Self {
            name: dataset.release.label().to_string(),
            users: dataset.n_users(),
            items: dataset.n_items(),
            ratings: dataset.ratings.len(),
            fingerprint: format!("{:016x}", ratings_digest(dataset)),
        }
    }
}

/// The test metrics the trainer measured (the page's protocol); `None` where it has none.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BundleMetrics {
    pub rmse: Option<f64>,
    pub mae: Option<f64>,
    pub p10: Option<f64>,
    pub r10: Option<f64>,
    pub ndcg10: Option<f64>,
    pub hr10: Option<f64>,
}

impl BundleMetrics {
    pub fn of(
        errors: Option<crate::metrics::ErrorMetrics>,
        r: &crate::metrics::RankingMetrics,
    ) -> Self {
        Self {
            rmse: errors.map(|e| e.rmse),
            mae: errors.map(|e| e.mae),
            p10: Some(r.precision),
            r10: Some(r.recall),
            ndcg10: Some(r.ndcg),
            hr10: Some(r.hit_rate),
        }
    }
}

/// Settings given as a URL query (`?dim=32&reg=0.1`), as a bundle's settings: numbers as
/// numbers, anything else as text.
pub fn settings_from_query(query: &str) -> BTreeMap<String, serde_json::Value> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| {
            let value = value
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| serde_json::json!(value), serde_json::Value::Number);
            (key.to_string(), value)
        })
        .collect()
}

/// What a bundle says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleInfo {
    /// The board's name for the model (`spark-als`, `mf`, `als`…).
    pub model: String,
    pub label: String,
    /// Its settings (rank, λ, iterations…), as the trainer names them.
    pub settings: BTreeMap<String, serde_json::Value>,
    pub metrics: BundleMetrics,
    pub split: String,
    pub dataset: BundleDataset,
}

/// A trained factor model with the data set's own ids.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelBundle {
    pub info: BundleInfo,
    pub rank: usize,
    pub item_ids: Vec<i64>,
    /// Row-major items × rank.
    pub item_factors: Vec<f32>,
    pub user_ids: Vec<i64>,
    pub user_factors: Vec<f32>,
    pub item_bias: Option<Vec<f32>>,
    pub user_bias: Option<Vec<f32>>,
    pub global_mean: Option<f32>,
    /// Ratings of each film in the data set (all of it, not one split's part).
    pub item_counts: Option<Vec<i64>>,
}

/// Why a file is not a bundle this page can open, in words for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleError(pub String);

impl std::fmt::Display for BundleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn fail<T>(why: impl Into<String>) -> Result<T, BundleError> {
    Err(BundleError(why.into()))
}

fn le_bytes<T: Copy, const N: usize>(values: &[T], to: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| to(v)).collect()
}

impl ModelBundle {
    /// The bundle of `weights`, trained on `dataset` (dense ids mapped back to its own).
    pub fn of_weights(weights: &MfWeights, dataset: &Dataset, info: BundleInfo) -> Self {
        Self {
            info,
            rank: weights.dim,
            item_ids: dataset.films.iter().map(|f| i64::from(f.id)).collect(),
            item_factors: weights.item_factors.clone(),
            user_ids: dataset.people.iter().map(|p| i64::from(p.id)).collect(),
            user_factors: weights.user_factors.clone(),
            item_bias: Some(weights.item_bias.clone()),
            user_bias: Some(weights.user_bias.clone()),
            global_mean: Some(weights.mean),
            item_counts: Some(
                dataset
                    .ratings_per_item()
                    .into_iter()
                    .map(i64::from)
                    .collect(),
            ),
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let (items, users) = (self.item_ids.len(), self.user_ids.len());
        let f32s = |v: &[f32]| le_bytes(v, f32::to_le_bytes);
        let mut tensors: Vec<(&str, Dtype, Vec<usize>, Vec<u8>)> = vec![
            (
                "item_factors",
                Dtype::F32,
                vec![items, self.rank],
                f32s(&self.item_factors),
            ),
            (
                "item_ids",
                Dtype::I64,
                vec![items],
                le_bytes(&self.item_ids, i64::to_le_bytes),
            ),
            (
                "user_factors",
                Dtype::F32,
                vec![users, self.rank],
                f32s(&self.user_factors),
            ),
            (
                "user_ids",
                Dtype::I64,
                vec![users],
                le_bytes(&self.user_ids, i64::to_le_bytes),
            ),
        ];
        if let Some(bias) = &self.item_bias {
            tensors.push(("item_bias", Dtype::F32, vec![items], f32s(bias)));
        }
        if let Some(bias) = &self.user_bias {
            tensors.push(("user_bias", Dtype::F32, vec![users], f32s(bias)));
        }
        if let Some(mean) = self.global_mean {
            tensors.push(("global_mean", Dtype::F32, vec![1], f32s(&[mean])));
        }
        if let Some(counts) = &self.item_counts {
            let bytes = le_bytes(counts, i64::to_le_bytes);
            tensors.push(("item_counts", Dtype::I64, vec![items], bytes));
        }
        let views: Vec<(&str, TensorView)> = tensors
            .iter()
            .map(|(name, dtype, shape, data)| {
                let view = TensorView::new(*dtype, shape.clone(), data)
                    .expect("shapes are built from the data's own lengths");
                (*name, view)
            })
            .collect();
        safetensors::serialize(views, Some(self.metadata()))
            .expect("in-memory serialisation of well-formed tensors")
    }

    fn metadata(&self) -> HashMap<String, String> {
        let json = |v: serde_json::Result<String>| v.unwrap_or_default();
        let info = &self.info;
        HashMap::from([
            ("format".to_string(), BUNDLE_FORMAT.to_string()),
            ("version".to_string(), BUNDLE_VERSION.to_string()),
            ("model".to_string(), info.model.clone()),
            ("label".to_string(), info.label.clone()),
            (
                "settings".to_string(),
                json(serde_json::to_string(&info.settings)),
            ),
            (
                "metrics".to_string(),
                json(serde_json::to_string(&info.metrics)),
            ),
            ("split".to_string(), info.split.clone()),
            (
                "dataset".to_string(),
                json(serde_json::to_string(&info.dataset)),
            ),
        ])
    }

    /// Reads a bundle, checking every tensor's type and shape; the error says what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, BundleError> {
        let not_safetensors = |e: safetensors::SafeTensorError| {
            BundleError(format!(
                "this is not a model bundle (a safetensors file): {e}"
            ))
        };
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(not_safetensors)?;
        let tensors = SafeTensors::deserialize(bytes).map_err(not_safetensors)?;
        let meta = header.metadata().clone().unwrap_or_default();
        let info = info_of(&meta)?;
        let item_ids = ids(&tensors, "item_ids")?;
        let user_ids = ids(&tensors, "user_ids")?;
        let (item_factors, rank) = matrix(&tensors, "item_factors", item_ids.len())?;
        let (user_factors, user_rank) = matrix(&tensors, "user_factors", user_ids.len())?;
        if user_rank != rank {
            return fail(format!(
                "the bundle's user factors have rank {user_rank}, its item factors {rank}"
            ));
        }
        let optional = |name: &str, len: usize| -> Result<Option<Vec<f32>>, BundleError> {
            match tensors.tensor(name) {
                Ok(_) => Ok(Some(vector(&tensors, name, len)?)),
                Err(_) => Ok(None),
            }
        };
        Ok(Self {
            info,
            rank,
            item_bias: optional("item_bias", item_ids.len())?,
            user_bias: optional("user_bias", user_ids.len())?,
            global_mean: optional("global_mean", 1)?.map(|m| m[0]),
            item_counts: match tensors.tensor("item_counts") {
                Ok(_) => Some(ids_of_len(&tensors, "item_counts", item_ids.len())?),
                Err(_) => None,
            },
            item_ids,
            item_factors,
            user_ids,
            user_factors,
        })
    }
}

fn info_of(meta: &HashMap<String, String>) -> Result<BundleInfo, BundleError> {
    let get = |key: &str| meta.get(key).cloned().unwrap_or_default();
    if get("format") != BUNDLE_FORMAT {
        return fail(format!(
            "this safetensors file is not a filmspace model (its format is \"{}\", not \"{BUNDLE_FORMAT}\")",
            get("format")
        ));
    }
    let version: u32 = get("version").parse().unwrap_or(0);
    if version != BUNDLE_VERSION {
        return fail(format!(
            "this bundle is version {}, and this page reads version {BUNDLE_VERSION}",
            get("version")
        ));
    }
    Ok(BundleInfo {
        model: get("model"),
        label: get("label"),
        settings: json_field(meta, "settings")?,
        metrics: json_field(meta, "metrics")?,
        split: get("split"),
        dataset: json_field(meta, "dataset")?,
    })
}

/// A metadata entry that holds JSON, read as `T`.
fn json_field<T: serde::de::DeserializeOwned>(
    meta: &HashMap<String, String>,
    key: &str,
) -> Result<T, BundleError> {
    let text = meta.get(key).map_or("", String::as_str);
    serde_json::from_str(text).map_err(|e| {
        BundleError(format!(
            "the bundle's \"{key}\" is missing or malformed ({e})"
        ))
    })
}

fn tensor<'a>(
    tensors: &'a SafeTensors<'a>,
    name: &str,
    dtype: Dtype,
) -> Result<TensorView<'a>, BundleError> {
    let view = tensors
        .tensor(name)
        .map_err(|_| BundleError(format!("the bundle has no \"{name}\" tensor")))?;
    if view.dtype() != dtype {
        return fail(format!(
            "the bundle's \"{name}\" is {:?}, not {dtype:?}",
            view.dtype()
        ));
    }
    Ok(view)
}

fn ids(tensors: &SafeTensors, name: &str) -> Result<Vec<i64>, BundleError> {
    let view = tensor(tensors, name, Dtype::I64)?;
    if view.shape().len() != 1 {
        return fail(format!("the bundle's \"{name}\" is not a list of ids"));
    }
    Ok(view
        .data()
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect())
}

/// An I64 list of exactly `len` entries.
fn ids_of_len(tensors: &SafeTensors, name: &str, len: usize) -> Result<Vec<i64>, BundleError> {
    let values = ids(tensors, name)?;
    if values.len() != len {
        return fail(format!(
            "the bundle's \"{name}\" has {} entries, not {len}",
            values.len()
        ));
    }
    Ok(values)
}

fn floats(view: &TensorView) -> Vec<f32> {
    view.data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect()
}

/// A [rows, rank] F32 tensor with `rows` rows, and its rank.
fn matrix(
    tensors: &SafeTensors,
    name: &str,
    rows: usize,
) -> Result<(Vec<f32>, usize), BundleError> {
    let view = tensor(tensors, name, Dtype::F32)?;
    match view.shape() {
        [n, rank] if *n == rows && *rank > 0 => Ok((floats(&view), *rank)),
        shape => fail(format!(
            "the bundle's \"{name}\" has shape {shape:?}; its ids ask for {rows} rows"
        )),
    }
}

fn vector(tensors: &SafeTensors, name: &str, len: usize) -> Result<Vec<f32>, BundleError> {
    let view = tensor(tensors, name, Dtype::F32)?;
    if view.shape() != [len] {
        return fail(format!(
            "the bundle's \"{name}\" has shape {:?}, not [{len}]",
            view.shape()
        ));
    }
    Ok(floats(&view))
}

#[cfg(test)]
mod tests;
