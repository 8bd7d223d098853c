//! A bundle opened on the loaded data set: its ids matched to the data set's, or a mismatch
//! explained.

use std::collections::HashMap;

use super::{BundleDataset, BundleError, ModelBundle};
use crate::data::Dataset;
use crate::models::MfWeights;

/// How well a bundle's ids fit the loaded data set.
#[derive(Debug, Clone, PartialEq)]
pub struct BundleMatch {
    /// The same ratings as the bundle was trained on (equal digests).
    pub same_ratings: bool,
    /// The bundle's films found in the data set, of how many it has.
    pub items_found: usize,
    pub items_in_bundle: usize,
    pub users_found: usize,
}

/// Below this share of its films found in the data set, a bundle is for other data.
const LEAST_ITEMS_FOUND: f64 = 0.5;

fn described(d: &BundleDataset) -> String {
    format!(
        "{} ({} people, {} films, {} ratings)",
        d.name, d.users, d.items, d.ratings
    )
}

/// Rows of `factors` (rank wide) put at the dense positions `index` gives for `ids`; rows of
/// ids the data set lacks are dropped, positions no id reaches stay zero. Returns the count found.
fn place(
    ids: &[i64],
    index: &HashMap<u32, u32>,
    rank: usize,
    factors: &[f32],
    bias: Option<&[f32]>,
    (out_factors, out_bias): (&mut [f32], &mut [f32]),
) -> usize {
    let mut found = 0;
    for (row, &id) in ids.iter().enumerate() {
        let Some(&at) = u32::try_from(id).ok().and_then(|id| index.get(&id)) else {
            continue;
        };
        let at = at as usize;
        out_factors[at * rank..(at + 1) * rank]
            .copy_from_slice(&factors[row * rank..(row + 1) * rank]);
        out_bias[at] = bias.map_or(0.0, |b| b[row]);
        found += 1;
    }
    found
}

impl ModelBundle {
    /// Each of `dataset`'s films' count of ratings as the bundle's trainer saw the whole data
    /// (dense ids; 0 for films it lacks), when the bundle carries them.
    pub fn counts_for(&self, dataset: &Dataset) -> Option<Vec<u32>> {
        let counts = self.item_counts.as_ref()?;
        let mut out = vec![0; dataset.n_items()];
        for (&id, &count) in self.item_ids.iter().zip(counts) {
            let at = u32::try_from(id).ok().and_then(|id| dataset.item_of(id));
            if let Some(at) = at {
                out[at as usize] = count.clamp(0, i64::from(u32::MAX)) as u32;
            }
        }
        Some(out)
    }

    /// The bundle's model in `dataset`'s dense ids (films or people it lacks get zero vectors and
    /// biases), or why it belongs to other data.
    pub fn weights_for(&self, dataset: &Dataset) -> Result<(MfWeights, BundleMatch), BundleError> {
        let here = BundleDataset::of(dataset);
        let rank = self.rank;
        let index = |ids: Vec<u32>| -> HashMap<u32, u32> {
            ids.into_iter()
                .enumerate()
                .map(|(k, id)| (id, k as u32))
                .collect()
        };
        let films = index(dataset.films.iter().map(|f| f.id).collect());
        let people = index(dataset.people.iter().map(|p| p.id).collect());
        let mut weights = MfWeights {
            mean: self.global_mean.unwrap_or(0.0),
            dim: rank,
            user_bias: vec![0.0; dataset.n_users()],
            item_bias: vec![0.0; dataset.n_items()],
            user_factors: vec![0.0; dataset.n_users() * rank],
            item_factors: vec![0.0; dataset.n_items() * rank],
        };
        let items_found = place(
            &self.item_ids,
            &films,
            rank,
            &self.item_factors,
            self.item_bias.as_deref(),
            (&mut weights.item_factors, &mut weights.item_bias),
        );
        let users_found = place(
            &self.user_ids,
            &people,
            rank,
            &self.user_factors,
            self.user_bias.as_deref(),
            (&mut weights.user_factors, &mut weights.user_bias),
        );
        let found = BundleMatch {
            same_ratings: here.fingerprint == self.info.dataset.fingerprint,
            items_found,
            items_in_bundle: self.item_ids.len(),
            users_found,
        };
        let share = items_found as f64 / self.item_ids.len().max(1) as f64;
        if !found.same_ratings && share < LEAST_ITEMS_FOUND {
            return Err(BundleError(format!(
                "this model was trained on {}, and the data set loaded is {}: only {items_found} \
                 of the model's {} films are in it. Load the data set it was trained on.",
                described(&self.info.dataset),
                described(&here),
                self.item_ids.len()
            )));
        }
        Ok((weights, found))
    }
}
