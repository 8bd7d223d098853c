//! Nearest films in the embedding by cosine similarity.
//!
//! Cosine, not Euclidean distance: a film's vector length mostly tracks how many ratings pulled
//! it away from its initialisation, while its direction is what the model learned about taste.
//! (These are neighbours in the *learned* space; `recommend::neighbours` has the co-rated ones.)

/// The `k` rows of `vectors` (rows of `dim` values) most cosine-similar to row `item`, never
/// `item` itself, as `(row, similarity)` by similarity descending, ties to the smaller row. A
/// zero vector has similarity 0 with everything. Empty when `item` is out of range.
pub fn nearest_by_cosine(vectors: &[f32], dim: usize, item: u32, k: usize) -> Vec<(u32, f32)> {
    let n = vectors.len().checked_div(dim).unwrap_or(0);
    let item = item as usize;
    if item >= n || k == 0 {
        return Vec::new();
    }
    let rows = || vectors.chunks_exact(dim).take(n);
    let norm = |row: &[f32]| row.iter().map(|v| v * v).sum::<f32>().sqrt();
    let query = &vectors[item * dim..(item + 1) * dim];
    let query_norm = norm(query);
    let mut scored: Vec<(u32, f32)> = rows()
        .enumerate()
        .filter(|&(j, _)| j != item)
        .map(|(j, row)| {
            let denominator = query_norm * norm(row);
            let similarity = if denominator > 0.0 {
                query.iter().zip(row).map(|(a, b)| a * b).sum::<f32>() / denominator
            } else {
                0.0
            };
            (j as u32, similarity)
        })
        .collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k < scored.len() {
        // Only the top k need sorting: O(n) selection, then O(k log k).
        scored.select_nth_unstable_by(k - 1, order);
        scored.truncate(k);
    }
    scored.sort_by(order);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    /// Brute force in f64: every pair's cosine, a full sort, the first k.
    fn brute_force(vectors: &[f32], dim: usize, item: usize, k: usize) -> Vec<(u32, f64)> {
        let n = vectors.len() / dim;
        let row = |i: usize| -> Vec<f64> {
            vectors[i * dim..(i + 1) * dim]
                .iter()
                .map(|&v| v as f64)
                .collect()
        };
        let q = row(item);
        let mut all = Vec::new();
        for j in 0..n {
            if j == item {
                continue;
            }
            let r = row(j);
            let dot: f64 = (0..dim).map(|d| q[d] * r[d]).sum();
            let nq: f64 = q.iter().map(|v| v * v).sum::<f64>().sqrt();
            let nr: f64 = r.iter().map(|v| v * v).sum::<f64>().sqrt();
            all.push((j as u32, if nq * nr == 0.0 { 0.0 } else { dot / (nq * nr) }));
        }
        all.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap().then(a.0.cmp(&b.0)));
        all.truncate(k);
        all
    }

    #[test]
    fn matches_a_brute_force_ranking() {
        let (n, dim) = (200, 8);
        let mut rng = SeededRng::new(11);
        let mut vectors: Vec<f32> = (0..n * dim).map(|_| rng.unit() as f32 - 0.5).collect();
        // A zero vector, and an exact duplicate direction (a tie) of row 3 at rows 10 and 20.
        vectors[5 * dim..6 * dim].fill(0.0);
        let row3: Vec<f32> = vectors[3 * dim..4 * dim].to_vec();
        for (d, v) in row3.iter().enumerate() {
            vectors[10 * dim + d] = 2.0 * v;
            vectors[20 * dim + d] = 2.0 * v;
        }
        for item in [0usize, 3, 5, 199] {
            for k in [1usize, 10, 50, 199, 500] {
                let got = nearest_by_cosine(&vectors, dim, item as u32, k);
                let want = brute_force(&vectors, dim, item, k);
                assert_eq!(got.len(), want.len().min(n - 1));
                assert!(got.iter().all(|&(j, _)| j as usize != item));
                for (g, w) in got.iter().zip(&want) {
                    assert!((g.1 as f64 - w.1).abs() < 1e-5, "{g:?} vs {w:?}");
                }
                // Same ids, except where two similarities are within float noise of each other.
                for (g, w) in got.iter().zip(&want) {
                    assert!(g.0 == w.0 || (g.1 as f64 - w.1).abs() < 1e-6, "{got:?}");
                }
            }
        }
        // The duplicates of row 3 come first for row 3, the smaller id first.
        let top = nearest_by_cosine(&vectors, dim, 3, 2);
        assert_eq!(top.iter().map(|p| p.0).collect::<Vec<_>>(), vec![10, 20]);
        // The zero vector is similar to nothing.
        assert!(
            nearest_by_cosine(&vectors, dim, 5, 3)
                .iter()
                .all(|p| p.1 == 0.0)
        );
        assert_eq!(
            nearest_by_cosine(&vectors, dim, 5, 3)
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn out_of_range_or_empty_requests_give_nothing() {
        assert!(nearest_by_cosine(&[1.0, 0.0], 2, 1, 5).is_empty());
        assert!(nearest_by_cosine(&[1.0, 0.0, 0.0, 1.0], 2, 0, 0).is_empty());
        assert!(nearest_by_cosine(&[], 0, 0, 5).is_empty());
        assert_eq!(
            nearest_by_cosine(&[1.0, 0.0, 0.0, 1.0], 2, 1, 5),
            vec![(0, 0.0)]
        );
    }
}
