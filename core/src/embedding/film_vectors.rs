//! The vectors a model learned for its films, as the canvas takes them: one row per film in dense
//! order. Rows longer than [`MAP_DIM`] (I-AutoRec's 500 hidden codes, EASE's 1682 film-to-film
//! weights) are sketched down by a seeded Gaussian random projection, which keeps distances and
//! angles within a few tens of per cent (Johnson–Lindenstrauss) at a fraction of the cost of the
//! maps, neighbours and classifier on the full rows.

use crate::rng::SeededRng;

/// Longest row the canvas takes as it is.
pub const MAP_DIM: usize = 64;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FilmVectors {
    pub dim: usize,
    /// Row-major films × dim.
    pub values: Vec<f32>,
    /// The model's own row length, when the rows were sketched from longer ones.
    pub sketched_from: Option<usize>,
}

impl FilmVectors {
    /// `values` (films × `dim`) as they are, or sketched to [`MAP_DIM`] when longer.
    pub fn of(values: Vec<f32>, dim: usize) -> FilmVectors {
        if dim <= MAP_DIM {
            return FilmVectors {
                dim,
                values,
                sketched_from: None,
            };
        }
        // R: dim × MAP_DIM, N(0, 1/MAP_DIM), so squared lengths are kept in expectation.
        let mut rng = SeededRng::new(0x736B_6574_6368 ^ dim as u64);
        let scale = (1.0 / MAP_DIM as f64).sqrt();
        let projection: Vec<f32> = (0..dim * MAP_DIM)
            .map(|_| (gaussian(&mut rng) * scale) as f32)
            .collect();
        let mut out = vec![0f32; values.len() / dim * MAP_DIM];
        for (row, sketch) in values.chunks_exact(dim).zip(out.chunks_exact_mut(MAP_DIM)) {
            for (&x, r) in row.iter().zip(projection.chunks_exact(MAP_DIM)) {
                if x != 0.0 {
                    for (s, &p) in sketch.iter_mut().zip(r) {
                        *s += x * p;
                    }
                }
            }
        }
        FilmVectors {
            dim: MAP_DIM,
            values: out,
            sketched_from: Some(dim),
        }
    }

    pub fn n_items(&self) -> usize {
        self.values.len() / self.dim.max(1)
    }

    pub fn row(&self, item: u32) -> &[f32] {
        let at = item as usize * self.dim;
        &self.values[at..at + self.dim]
    }
}

/// A standard normal draw; this order of uniforms is what the shipped sketches were made with.
fn gaussian(rng: &mut SeededRng) -> f64 {
    let u = rng.unit().max(1e-12);
    crate::math::box_muller(u, rng.unit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_rows_are_kept_and_long_ones_keep_their_distances() {
        let short = FilmVectors::of(vec![1.0, 2.0, 3.0, 4.0], 2);
        assert_eq!(
            (short.dim, short.sketched_from, short.n_items()),
            (2, None, 2)
        );
        // 40 random rows of 400 numbers: with 64 dimensions a distance's ratio has a spread of
        // about 1/√128 ≈ 0.09, so all 780 stay within 45% and their median within 3% of 1.
        let mut rng = SeededRng::new(3);
        let dim = 400;
        let values: Vec<f32> = (0..40 * dim).map(|_| gaussian(&mut rng) as f32).collect();
        let sketch = FilmVectors::of(values.clone(), dim);
        assert_eq!(
            (sketch.dim, sketch.sketched_from, sketch.n_items()),
            (MAP_DIM, Some(dim), 40)
        );
        let distance = |rows: &[f32], d: usize, a: usize, b: usize| -> f32 {
            (0..d)
                .map(|k| (rows[a * d + k] - rows[b * d + k]).powi(2))
                .sum::<f32>()
                .sqrt()
        };
        let mut ratios = Vec::new();
        for a in 0..40 {
            for b in a + 1..40 {
                ratios.push(distance(&sketch.values, MAP_DIM, a, b) / distance(&values, dim, a, b));
            }
        }
        ratios.sort_by(f32::total_cmp);
        assert!(
            ratios[0] > 0.55 && ratios[ratios.len() - 1] < 1.45,
            "{ratios:?}"
        );
        let median = ratios[ratios.len() / 2];
        assert!((median - 1.0).abs() < 0.03, "median {median}");
    }
}
