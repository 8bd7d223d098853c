//! The small dense solves the closed-form models share (fold-in, ALS): Cholesky of a symmetric
//! positive definite matrix, row-major n×n in f64.

/// Lower-triangular L with L·Lᵀ = m (row-major n×n, symmetric positive definite).
pub fn cholesky(m: &[f64], n: usize) -> Vec<f64> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                // A ridge term keeps the pivot positive; the max guards rounding on huge inputs.
                l[i * n + i] = (m[i * n + i] - sum).max(1e-12).sqrt();
            } else {
                l[i * n + j] = (m[i * n + j] - sum) / l[j * n + j];
            }
        }
    }
    l
}

/// Solves L·Lᵀ x = b.
pub fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        let sum: f64 = (0..i).map(|k| l[i * n + k] * y[k]).sum();
        y[i] = (b[i] - sum) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let sum: f64 = (i + 1..n).map(|k| l[k * n + i] * x[k]).sum();
        x[i] = (y[i] - sum) / l[i * n + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_hand_checked_system() {
        // [[4, 2], [2, 3]] x = [2, 1]: det 8, x = [(3·2 − 2·1)/8, (4·1 − 2·2)/8] = [0.5, 0].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2);
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2f64.sqrt()]);
        let x = cholesky_solve(&l, 2, &[2.0, 1.0]);
        assert!((x[0] - 0.5).abs() < 1e-12 && x[1].abs() < 1e-12, "{x:?}");
    }
}
