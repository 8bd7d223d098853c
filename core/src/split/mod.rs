//! Train / validation / test splits: GroupLens' canonical files, seeded ratio splits, and a
//! seeded validation holdout carved out of a training set (never out of a test set).

use crate::data::formats::ml100k::parse_ratings;
use crate::data::{DataError, Dataset, MovieLensFiles, Rating};
use crate::rng::{SeededRng, splitmix64};

/// The splits a person can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitKind {
    /// `u1`..`u5`: five disjoint 20% test folds (the number is 1..=5).
    Fold(u8),
    /// `ua`: each user's first 10 ratings (in `u.data` order) are the test set.
    Ua,
    /// `ub`: each user's ratings 11–20 are the test set.
    Ub,
    /// Seeded random 80% train / 20% test.
    Random80,
    /// Seeded random 70% train / 15% validation / 15% test, as in the PyTorch course.
    Random701515,
    /// Seeded random 90% train / 10% test.
    Random90,
    /// Each person's last 20% of ratings by time are the test set (the future is predicted
    /// from the past); ties in time keep file order.
    Temporal,
}

impl SplitKind {
    pub const ALL: [SplitKind; 11] = [
        SplitKind::Fold(1),
        SplitKind::Fold(2),
        SplitKind::Fold(3),
        SplitKind::Fold(4),
        SplitKind::Fold(5),
        SplitKind::Ua,
        SplitKind::Ub,
        SplitKind::Random80,
        SplitKind::Random701515,
        SplitKind::Random90,
        SplitKind::Temporal,
    ];

    /// Short name, as in URLs and file names: u1..u5, ua, ub, random80, random70, random90,
    /// temporal.
    pub fn name(self) -> String {
        match self {
            SplitKind::Fold(k) => format!("u{k}"),
            SplitKind::Ua => "ua".into(),
            SplitKind::Ub => "ub".into(),
            SplitKind::Random80 => "random80".into(),
            SplitKind::Random701515 => "random70".into(),
            SplitKind::Random90 => "random90".into(),
            SplitKind::Temporal => "temporal".into(),
        }
    }

    /// Whether the split is one of GroupLens' ML-100K files (u1–u5, ua, ub).
    pub fn is_canonical(self) -> bool {
        matches!(self, SplitKind::Fold(_) | SplitKind::Ua | SplitKind::Ub)
    }

    /// The splits that make sense for `dataset`: the canonical ones for ML-100K only, the
    /// temporal one where ratings have times.
    pub fn available_for(dataset: &Dataset) -> Vec<SplitKind> {
        let ml100k = dataset.release == crate::data::Release::Ml100k;
        let timed = dataset.ratings.iter().any(|r| r.timestamp != 0);
        Self::ALL
            .into_iter()
            .filter(|k| ml100k || !k.is_canonical())
            .filter(|k| timed || *k != SplitKind::Temporal)
            .collect()
    }

    /// The split a data set starts on: u1 for ML-100K (the course's), else seeded 80/20.
    pub fn default_for(dataset: &Dataset) -> SplitKind {
        if dataset.release == crate::data::Release::Ml100k {
            SplitKind::Fold(1)
        } else {
            SplitKind::Random80
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The GroupLens file pair that holds this split, if it is a canonical one.
    pub fn files(self) -> Option<(String, String)> {
        match self {
            k if !k.is_canonical() => None,
            _ => Some((
                format!("{}.base", self.name()),
                format!("{}.test", self.name()),
            )),
        }
    }
}

/// Ratings in dense ids, divided for one experiment. `validation` is empty unless the split or a
/// [`holdout`] made one.
#[derive(Debug, Clone, Default)]
pub struct Split {
    pub train: Vec<Rating>,
    pub validation: Vec<Rating>,
    pub test: Vec<Rating>,
}

fn by_user_then_item(ratings: &mut [Rating]) {
    ratings.sort_by_key(|r| (r.user, r.item));
}

/// Reads a canonical split from its two files (`u1.base`, `u1.test`, …).
pub fn split_from_files(
    dataset: &Dataset,
    (base_name, base): (&str, &str),
    (test_name, test): (&str, &str),
) -> Result<Split, DataError> {
    Ok(Split {
        train: dataset.densify(base_name, &parse_ratings(base_name, base)?)?,
        validation: Vec::new(),
        test: dataset.densify(test_name, &parse_ratings(test_name, test)?)?,
    })
}

/// A canonical split (u1..u5, ua, ub) read from its files in `files`; `None` for the random ones.
pub fn canonical_split(
    dataset: &Dataset,
    files: &MovieLensFiles,
    kind: SplitKind,
) -> Option<Result<Split, DataError>> {
    let (base, test) = kind.files()?;
    Some((|| {
        split_from_files(
            dataset,
            (&base, files.text(&base)?),
            (&test, files.text(&test)?),
        )
    })())
}

/// Builds a split from `u.data` order alone, exactly as GroupLens' `mku.sh` does for the
/// canonical ones (test fold k = lines (k−1)·20000+1 … k·20000 for 100,000 ratings; ua/ub by
/// per-user rank), and by [`pair_position`] of the ratings' ids as given for the random ones.
/// Canonical results are sorted by user, then item, like the files. A data set's ratings are
/// split by [`Dataset::split`], which hashes its own ids.
pub fn make_split(ratings: &[Rating], kind: SplitKind, seed: u64) -> Split {
    split_by_ids(ratings, kind, seed, |r| (r.user, r.item))
}

impl Dataset {
    /// This data set's ratings split as `kind` says; the random splits hash the pairs' own ids
    /// (not the dense ones), so the Spark job picks the same pairs from the same files.
    pub fn split(&self, kind: SplitKind, seed: u64) -> Split {
        split_by_ids(&self.ratings, kind, seed, |r| {
            (
                self.people[r.user as usize].id,
                self.films[r.item as usize].id,
            )
        })
    }
}

/// Where the pair (user, item) falls in [0, 1) for `seed`: SplitMix64 of the seed's SplitMix64
/// xor the pair packed as user · 2³² + item, its top 53 bits. The random splits cut this
/// position, so any engine that computes it (the Spark job does, in numpy) picks the same pairs.
pub fn pair_position(seed: u64, user: u32, item: u32) -> f64 {
    let key = (u64::from(user) << 32) | u64::from(item);
    let mixed = splitmix64(splitmix64(seed) ^ key);
    (mixed >> 11) as f64 / (1u64 << 53) as f64
}

/// The part (0-based) of `position` when [0, 1) is cut into consecutive `fractions`.
fn part_of(position: f64, fractions: &[f64]) -> usize {
    let mut cumulative = 0.0;
    for (k, fraction) in fractions.iter().enumerate() {
        cumulative += fraction;
        if position < cumulative {
            return k;
        }
    }
    fractions.len() - 1
}

/// `ratings` cut into parts of about the given fractions by each pair's [`pair_position`], file
/// order kept within a part.
fn hashed_parts(
    ratings: &[Rating],
    fractions: &[f64],
    seed: u64,
    ids: impl Fn(&Rating) -> (u32, u32),
) -> Vec<Vec<Rating>> {
    let mut parts = vec![Vec::new(); fractions.len()];
    for r in ratings {
        let (user, item) = ids(r);
        parts[part_of(pair_position(seed, user, item), fractions)].push(*r);
    }
    parts
}

fn split_by_ids(
    ratings: &[Rating],
    kind: SplitKind,
    seed: u64,
    ids: impl Fn(&Rating) -> (u32, u32),
) -> Split {
    let mut split = match kind {
        SplitKind::Fold(k) => {
            let fold = ratings.len() / 5;
            let range = (k as usize - 1) * fold..k as usize * fold;
            let test = ratings[range.clone()].to_vec();
            let train = ratings[..range.start]
                .iter()
                .chain(&ratings[range.end..])
                .copied()
                .collect();
            Split {
                train,
                validation: Vec::new(),
                test,
            }
        }
        SplitKind::Ua | SplitKind::Ub => {
            let (first, last) = if kind == SplitKind::Ua {
                (1, 10)
            } else {
                (11, 20)
            };
            let n_users = ratings
                .iter()
                .map(|r| r.user as usize + 1)
                .max()
                .unwrap_or(0);
            let mut seen = vec![0usize; n_users];
            let mut split = Split::default();
            for r in ratings {
                seen[r.user as usize] += 1;
                let rank = seen[r.user as usize];
                if (first..=last).contains(&rank) {
                    &mut split.test
                } else {
                    &mut split.train
                }
                .push(*r);
            }
            split
        }
        SplitKind::Random80 | SplitKind::Random90 | SplitKind::Random701515 => {
            let fractions: &[f64] = match kind {
                SplitKind::Random80 => &[0.8, 0.2],
                SplitKind::Random90 => &[0.9, 0.1],
                _ => &[0.7, 0.15, 0.15],
            };
            let mut parts = hashed_parts(ratings, fractions, seed, ids).into_iter();
            let train = parts.next().unwrap_or_default();
            let mut rest: Vec<Vec<Rating>> = parts.collect();
            let test = rest.pop().unwrap_or_default();
            return Split {
                train,
                validation: rest.pop().unwrap_or_default(),
                test,
            };
        }
        SplitKind::Temporal => temporal_split(ratings, 0.2),
    };
    by_user_then_item(&mut split.train);
    by_user_then_item(&mut split.test);
    split
}

/// Each person's latest `fraction` of ratings (rounded, at least one for anyone with two or
/// more) go to the test set; by time, then file order.
fn temporal_split(ratings: &[Rating], fraction: f64) -> Split {
    let n_users = ratings
        .iter()
        .map(|r| r.user as usize + 1)
        .max()
        .unwrap_or(0);
    let mut per_user: Vec<Vec<usize>> = vec![Vec::new(); n_users];
    for (k, r) in ratings.iter().enumerate() {
        per_user[r.user as usize].push(k);
    }
    let mut in_test = vec![false; ratings.len()];
    for mine in &mut per_user {
        mine.sort_by_key(|&k| (ratings[k].timestamp, k));
        let held = if mine.len() >= 2 {
            ((mine.len() as f64 * fraction).round() as usize).clamp(1, mine.len() - 1)
        } else {
            0
        };
        for &k in &mine[mine.len() - held..] {
            in_test[k] = true;
        }
    }
    let mut split = Split::default();
    for (r, test) in ratings.iter().zip(in_test) {
        if test {
            &mut split.test
        } else {
            &mut split.train
        }
        .push(*r);
    }
    split
}

/// Shuffles `ratings` with `seed` and cuts it into consecutive parts of the given fractions (which
/// should add up to 1; the last part takes the rounding remainder).
pub fn ratio_split(ratings: &[Rating], fractions: &[f64], seed: u64) -> Vec<Vec<Rating>> {
    let mut shuffled = ratings.to_vec();
    SeededRng::new(seed).shuffle(&mut shuffled);
    let mut parts = Vec::with_capacity(fractions.len());
    let mut start = 0;
    let mut cumulative = 0.0;
    for (i, fraction) in fractions.iter().enumerate() {
        cumulative += fraction;
        let end = if i + 1 == fractions.len() {
            shuffled.len()
        } else {
            ((cumulative * shuffled.len() as f64).round() as usize).min(shuffled.len())
        };
        parts.push(shuffled[start..end].to_vec());
        start = end;
    }
    parts
}

impl Split {
    /// `ratings` shuffled with `seed` and cut into train, validation and test parts of the given
    /// fractions ([`ratio_split`]).
    pub fn by_ratio(ratings: &[Rating], [train, validation, test]: [f64; 3], seed: u64) -> Self {
        let mut parts = ratio_split(ratings, &[train, validation, test], seed).into_iter();
        let mut next = || parts.next().expect("three parts");
        Self {
            train: next(),
            validation: next(),
            test: next(),
        }
    }
}

/// Moves a seeded `fraction` of `split.train` into `split.validation` (replacing it), for early
/// stopping and tuning. The test set is never touched.
pub fn holdout(split: &Split, fraction: f64, seed: u64) -> Split {
    let mut parts = ratio_split(&split.train, &[1.0 - fraction, fraction], seed).into_iter();
    Split {
        train: parts.next().unwrap_or_default(),
        validation: parts.next().unwrap_or_default(),
        test: split.test.clone(),
    }
}

#[cfg(test)]
mod tests;
