//! A digest of a data set's ratings that any engine can compute in any order, in parallel: the
//! wrapping sum over ratings of a SplitMix64 hash of (user id, item id, rating). The Spark job
//! computes the same sum in numpy, so a bundle says which ratings it was trained on.

use crate::data::Dataset;
use crate::rng::splitmix64;

/// One rating's share of the digest: the data set's own ids, the rating's f32 bits.
pub fn rating_hash(user: u32, item: u32, value: f32) -> u64 {
    let key = (u64::from(user) << 32) | u64::from(item);
    splitmix64(splitmix64(u64::from(value.to_bits())) ^ key)
}

pub fn ratings_digest(dataset: &Dataset) -> u64 {
    dataset.ratings.iter().fold(0u64, |sum, r| {
        let user = dataset.people[r.user as usize].id;
        let item = dataset.films[r.item as usize].id;
        sum.wrapping_add(rating_hash(user, item, r.value))
    })
}
