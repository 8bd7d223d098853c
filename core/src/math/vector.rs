//! Sums over `f32` slices: the dot product and the column means of a row-major table.

/// The dot product, with eight running sums so that it vectorises.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Reads one number per cache line of each slice, in a loop of independent loads: a batch's
/// rows, scattered over tables larger than the caches, then arrive together rather than one
/// miss at a time in the loop that uses them (wasm has no prefetch instruction).
#[inline]
pub fn warm_up<'a>(slices: impl Iterator<Item = &'a [f32]>) {
    let mut sum = 0.0f32;
    for slice in slices {
        for x in slice.iter().step_by(16) {
            sum += x;
        }
    }
    std::hint::black_box(sum);
}

/// The mean of each of the `cols` columns of row-major `values` (an empty table gives zeros).
pub fn column_means(values: &[f32], cols: usize) -> Vec<f32> {
    let rows = (values.len() / cols.max(1)).max(1) as f32;
    (0..cols)
        .map(|k| values.iter().skip(k).step_by(cols).sum::<f32>() / rows)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 8, 9, 33] {
            let a: Vec<f32> = (0..n).map(|k| k as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..n).map(|k| 1.0 - k as f32 * 0.25).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - plain).abs() < 1e-4 * plain.abs().max(1.0),
                "n = {n}"
            );
        }
    }

    #[test]
    fn column_means_of_a_small_table() {
        assert_eq!(column_means(&[1.0, 2.0, 3.0, 6.0], 2), vec![2.0, 4.0]);
        assert_eq!(column_means(&[], 3), vec![0.0; 3]);
        assert_eq!(column_means(&[5.0], 0), Vec::<f32>::new());
    }
}
