//! t-SNE to two dimensions with the `bhtsne` crate (Barnes–Hut approximation).
//!
//! Distance: Euclidean between L2-normalised rows. On unit vectors ‖a − b‖² = 2 − 2·cos(a, b),
//! so neighbourhoods are the cosine ones of [`super::neighbours`] (direction, not vector length),
//! while the distance stays a true metric (1 − cos is not one), which the Gaussian bandwidths
//! of t-SNE assume. The nearest neighbours are found exactly, by brute force, and handed to the
//! crate (see `nearest_neighbours` for why not its own tree).
//!
//! Start: the PCA map ([`super::Pca`]) scaled to a standard deviation of 10⁻⁴ on its first axis,
//! as Kobak & Berens (2019) recommend; it keeps the global layout and makes the run
//! deterministic (the crate's own random start draws from the thread's entropy). With the
//! neighbours given too, nothing random is left; on one thread (wasm, or a one-thread rayon pool
//! natively) a run repeats exactly. Natively the crate's rayon loops may add in another order
//! from run to run, so maps then agree only up to rounding.
//!
//! Progress: the crate calls a callback after every epoch with the current coordinates
//! ([`tsne_2d_with_progress`]). It cannot run in slices: a fit runs all its epochs in one call,
//! and a second fit started from the first one's output restarts the optimiser (momentum,
//! per-coordinate gains, early exaggeration), so it is not the same run continued. In a page,
//! call it from a worker and forward the callback's snapshots.

use bhtsne::{Neighbor, tSNE};

use super::pca::Pca;

/// The most films a page maps with t-SNE: its neighbour search is exact (n² distances), so past
/// a few thousand points a run takes minutes. Larger catalogues map a sample ([`tsne_sample`]).
pub const TSNE_MAX_POINTS: usize = 5_000;

/// The items t-SNE maps: all of them up to `limit`, else the `limit` most rated (ties to the
/// smaller id) — the films a person knows, whose neighbourhoods the ratings pin down. In id
/// order.
pub fn tsne_sample(counts: &[u32], limit: usize) -> Vec<u32> {
    let mut items: Vec<u32> = (0..counts.len() as u32).collect();
    if items.len() > limit {
        items.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
        items.truncate(limit);
        items.sort_unstable();
    }
    items
}

/// The sample's map as a map of all `n` items: the others are NaN, which nothing draws or hits.
pub fn place_sample(n: usize, sample: &[u32], points: &[[f32; 2]]) -> Vec<[f32; 2]> {
    let mut all = vec![[f32::NAN; 2]; n];
    for (&item, &p) in sample.iter().zip(points) {
        all[item as usize] = p;
    }
    all
}

/// t-SNE settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TsneSettings {
    /// The effective number of neighbours each point attends to (the crate uses the 3·perplexity
    /// nearest ones). Lowered to (n − 1)/3 for small inputs, which the crate requires.
    pub perplexity: f32,
    /// Gradient steps; the first 250 (at most half) use early exaggeration, as in the reference
    /// code.
    pub epochs: usize,
    /// Barnes–Hut accuracy: 0.5 is the usual trade-off (larger is faster and coarser; must be > 0).
    pub theta: f32,
}

impl Default for TsneSettings {
    /// Perplexity 30 and θ 0.5 are the reference defaults for a thousand-odd points; 750 epochs
    /// is where the map of 1682 films stops changing visibly, at about a second natively.
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            epochs: 750,
            theta: 0.5,
        }
    }
}

/// Embeds the rows of `vectors` (`dim` values each) in 2-D. See [`tsne_2d_with_progress`].
pub fn tsne_2d(vectors: &[f32], dim: usize, settings: &TsneSettings) -> Vec<[f32; 2]> {
    tsne_2d_with_progress(vectors, dim, settings, |_, _| {})
}

/// Like [`tsne_2d`], calling `progress(epoch, coordinates)` after each epoch (0-based; the
/// coordinates as x₀, y₀, x₁, y₁, …). With fewer than 4 points (t-SNE needs a neighbour to
/// attend to) the result is the PCA map.
pub fn tsne_2d_with_progress(
    vectors: &[f32],
    dim: usize,
    settings: &TsneSettings,
    mut progress: impl FnMut(usize, &[f32]),
) -> Vec<[f32; 2]> {
    let n = vectors.len().checked_div(dim).unwrap_or(0);
    let mut unit: Vec<f32> = vectors[..n * dim].to_vec();
    for row in unit.chunks_exact_mut(dim.max(1)) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    let pca = Pca::fit(&unit, dim);
    let mut start = pca.project_all(&unit);
    if n < 4 {
        return start;
    }
    let spread = (start.iter().map(|p| p[0] * p[0]).sum::<f32>() / n as f32).sqrt();
    let scale = if spread > 0.0 { 1e-4 / spread } else { 0.0 };
    for p in &mut start {
        p[0] *= scale;
        p[1] *= scale;
    }
    // Identical rows start at the same place and would stay there: spread them by a tiny,
    // deterministic amount (well below the 10⁻⁴ scale of the start).
    for (i, p) in start.iter_mut().enumerate() {
        let angle = i as f32 * 2.399_963; // the golden angle, so offsets never line up
        p[0] += 1e-6 * angle.cos();
        p[1] += 1e-6 * angle.sin();
    }
    let initial: Vec<f32> = start.iter().flatten().copied().collect();

    // The crate panics unless n − 1 ≥ 3·⌊perplexity⌋; it attends to the 3·perplexity nearest.
    let perplexity = settings.perplexity.min(((n - 1) / 3) as f32).max(1.0);
    let neighbours = nearest_neighbours(&unit, dim, (3.0 * perplexity) as usize);
    let rows: Vec<&[f32]> = unit.chunks_exact(dim.max(1)).collect();
    let mut tsne: tSNE<f32, &[f32]> = tSNE::new(&rows);
    tsne.perplexity(perplexity)
        .epochs(settings.epochs)
        .stop_lying_epoch(250.min(settings.epochs / 2))
        .momentum_switch_epoch(250.min(settings.epochs / 2))
        .initial_embedding(initial)
        .epoch_callback(&mut progress)
        .barnes_hut_with_neighbors(settings.theta, &neighbours);
    tsne.embedding()
        .chunks_exact(2)
        .map(|p| [p[0], p[1]])
        .collect()
}

/// The `k` nearest other rows of each row by Euclidean distance, nearest first, ties to the
/// smaller index: exact, by brute force (n² · dim; 1682² × 32 ≈ 90 M multiply-adds, tens of
/// milliseconds). The crate's own search uses a vantage-point tree with randomly drawn vantage
/// points, whose floating-point differences t-SNE amplifies into a different map every run.
fn nearest_neighbours(unit: &[f32], dim: usize, k: usize) -> Vec<Vec<Neighbor<f32>>> {
    let rows: Vec<&[f32]> = unit.chunks_exact(dim.max(1)).collect();
    let order = |a: &Neighbor<f32>, b: &Neighbor<f32>| {
        a.distance
            .total_cmp(&b.distance)
            .then(a.index.cmp(&b.index))
    };
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let mut all: Vec<Neighbor<f32>> = rows
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(j, other)| Neighbor {
                    index: j,
                    distance: row
                        .iter()
                        .zip(other.iter())
                        .map(|(x, y)| (x - y) * (x - y))
                        .sum::<f32>()
                        .sqrt(),
                })
                .collect();
            if k < all.len() {
                all.select_nth_unstable_by(k - 1, order);
                all.truncate(k);
            }
            all.sort_by(order);
            all
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_catalogues_map_their_most_rated_films() {
        let counts = [5, 9, 1, 9, 0, 7];
        assert_eq!(tsne_sample(&counts, 10), vec![0, 1, 2, 3, 4, 5]);
        // The three most rated: 9 (items 1 and 3), then 7 (item 5); in id order.
        assert_eq!(tsne_sample(&counts, 3), vec![1, 3, 5]);
        assert_eq!(
            tsne_sample(&counts, 1),
            vec![1],
            "a tie goes to the smaller id"
        );
        let placed = place_sample(4, &[1, 3], &[[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(placed[1], [1.0, 2.0]);
        assert_eq!(placed[3], [3.0, 4.0]);
        assert!(placed[0][0].is_nan() && placed[2][1].is_nan());
    }

    use crate::rng::SeededRng;

    /// Three clusters of 20 points in 10-D: unit centres pointing different ways, plus noise.
    fn clusters() -> (Vec<f32>, Vec<usize>) {
        let dim = 10;
        let mut rng = SeededRng::new(8);
        let mut vectors = Vec::new();
        let mut labels = Vec::new();
        for i in 0..60 {
            let c = i % 3;
            labels.push(c);
            for j in 0..dim {
                let centre = if j / 3 == c { 1.0 } else { 0.0 };
                vectors.push(centre + 0.15 * (rng.unit() as f32 - 0.5));
            }
        }
        (vectors, labels)
    }

    #[test]
    fn clusters_stay_together_in_the_map() {
        let (vectors, labels) = clusters();
        let settings = TsneSettings {
            perplexity: 10.0,
            epochs: 400,
            theta: 0.5,
        };
        // One thread, as in a page: the rayon loops then add in a fixed order.
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool");
        let mut epochs_seen = 0;
        let map = one_thread.install(|| {
            tsne_2d_with_progress(&vectors, 10, &settings, |epoch, coordinates| {
                assert_eq!(epoch, epochs_seen);
                assert_eq!(coordinates.len(), 120);
                epochs_seen += 1;
            })
        });
        assert_eq!(epochs_seen, 400);
        assert_eq!(map.len(), 60);
        assert!(map.iter().flatten().all(|v| v.is_finite()));
        let distance =
            |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        // Every point's mean distance to its own cluster is below its distance to the nearest
        // point of any other cluster.
        for i in 0..60 {
            let own: Vec<f32> = (0..60)
                .filter(|&j| j != i && labels[j] == labels[i])
                .map(|j| distance(map[i], map[j]))
                .collect();
            let nearest_other = (0..60)
                .filter(|&j| labels[j] != labels[i])
                .map(|j| distance(map[i], map[j]))
                .fold(f32::INFINITY, f32::min);
            let own_mean = own.iter().sum::<f32>() / own.len() as f32;
            assert!(
                own_mean < nearest_other,
                "point {i}: {own_mean} vs {nearest_other}"
            );
        }
        // The start is seeded, so a second run on one thread gives the same map.
        assert_eq!(map, one_thread.install(|| tsne_2d(&vectors, 10, &settings)));
    }

    #[test]
    fn tiny_inputs_do_not_panic() {
        assert!(tsne_2d(&[], 3, &TsneSettings::default()).is_empty());
        assert_eq!(tsne_2d(&[1.0, 2.0], 2, &TsneSettings::default()).len(), 1);
        let five = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, -1.0, 0.0, 0.0, -1.0];
        let map = tsne_2d(&five, 2, &TsneSettings::default());
        assert_eq!(map.len(), 5);
        assert!(map.iter().flatten().all(|v| v.is_finite()));
    }
}
