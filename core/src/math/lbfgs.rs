//! L-BFGS: a quasi-Newton minimiser for smooth objectives with many parameters, remembering the
//! last few steps instead of a Hessian (what the genre classifier's logistic regression uses).

/// Minimises `objective` (loss and gradient) from `x` by L-BFGS (memory 8) with a backtracking
/// Armijo line search, for at most `max_iterations` steps or until the largest gradient entry is
/// below 1e-3, no step lowers the loss, or a step lowers it by less than 1e-10 of its size.
pub fn lbfgs(x: &mut [f32], max_iterations: usize, objective: impl Fn(&[f32], &mut [f32]) -> f64) {
    const MEMORY: usize = 8;
    let p = x.len();
    let mut gradient = vec![0f32; p];
    let mut loss = objective(x, &mut gradient);
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
    let (mut trial, mut trial_gradient) = (vec![0f32; p], vec![0f32; p]);
    let dot64 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for _ in 0..max_iterations {
        if gradient.iter().all(|g| g.abs() < 1e-3) {
            break;
        }
        // The two-loop recursion: direction = −H·g.
        let mut q: Vec<f64> = gradient.iter().map(|&g| g as f64).collect();
        let mut alphas = vec![0f64; history.len()];
        for (i, (s, y, rho)) in history.iter().enumerate().rev() {
            alphas[i] = rho * dot64(s, &q);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= alphas[i] * y);
        }
        let gamma = match history.last() {
            Some((s, y, _)) => dot64(s, y) / dot64(y, y),
            None => 1.0 / dot64(&q, &q).sqrt().max(1e-12),
        };
        q.iter_mut().for_each(|q| *q *= gamma);
        for (i, (s, y, rho)) in history.iter().enumerate() {
            let beta = rho * dot64(y, &q);
            q.iter_mut()
                .zip(s)
                .for_each(|(q, s)| *q += (alphas[i] - beta) * s);
        }
        let mut slope: f64 = q.iter().zip(&gradient).map(|(d, &g)| -d * g as f64).sum();
        if slope >= 0.0 {
            // Not a descent direction (should not happen on a convex loss): restart from −g.
            history.clear();
            q = gradient.iter().map(|&g| g as f64).collect();
            slope = -dot64(&q, &q);
        }
        let mut step = 1.0f64;
        let accepted = loop {
            for ((t, &xi), d) in trial.iter_mut().zip(x.iter()).zip(&q) {
                *t = (xi as f64 - step * d) as f32;
            }
            let trial_loss = objective(&trial, &mut trial_gradient);
            if trial_loss <= loss + 1e-4 * step * slope {
                break Some(trial_loss);
            }
            step *= 0.5;
            if step < 1e-8 {
                break None;
            }
        };
        let Some(trial_loss) = accepted else { break };
        let s: Vec<f64> = trial
            .iter()
            .zip(x.iter())
            .map(|(&t, &xi)| t as f64 - xi as f64)
            .collect();
        let y: Vec<f64> = trial_gradient
            .iter()
            .zip(&gradient)
            .map(|(&a, &b)| a as f64 - b as f64)
            .collect();
        let sy = dot64(&s, &y);
        if sy > 1e-12 {
            if history.len() == MEMORY {
                history.remove(0);
            }
            history.push((s, y, 1.0 / sy));
        }
        x.copy_from_slice(&trial);
        gradient.copy_from_slice(&trial_gradient);
        let improvement = loss - trial_loss;
        loss = trial_loss;
        if improvement < 1e-10 * loss.abs().max(1.0) {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_scaled_quadratic() {
        let centre = [3.0f32, -1.0, 0.5, 10.0];
        let scale = [1.0f32, 10.0, 0.1, 2.0];
        let mut x = vec![0f32; 4];
        lbfgs(&mut x, 100, |x, g| {
            let mut f = 0.0;
            for k in 0..4 {
                let d = x[k] - centre[k];
                g[k] = 2.0 * scale[k] * d;
                f += (scale[k] * d * d) as f64;
            }
            f
        });
        for k in 0..4 {
            assert!((x[k] - centre[k]).abs() < 1e-2, "{x:?}");
        }
    }

    #[test]
    fn walks_the_rosenbrock_valley_to_its_minimum() {
        let mut x = vec![-1.2f32, 1.0];
        lbfgs(&mut x, 500, |x, g| {
            let (a, b) = (x[0] as f64, x[1] as f64);
            g[0] = (-2.0 * (1.0 - a) - 400.0 * a * (b - a * a)) as f32;
            g[1] = (200.0 * (b - a * a)) as f32;
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        });
        assert!(
            (x[0] - 1.0).abs() < 2e-2 && (x[1] - 1.0).abs() < 4e-2,
            "{x:?}"
        );
    }
}
