//! Checks a served model read back from storage before anything uses it: every length the
//! scoring code indexes by, every number finite. A copy that is readable JSON but inconsistent
//! (damaged, edited, or from an older page) is refused with what is wrong, never half-used.

use super::served::{Served, ServingModel};
use crate::embedding::FilmVectors;
use crate::models::{Dense, MfWeights, NeuralNet};

impl ServingModel {
    /// Ok when the model and its map vectors serve `n_items` films without an index out of
    /// range or a non-finite score.
    pub fn check(&self, n_items: usize) -> Result<(), String> {
        self.served.check(n_items)?;
        match &self.films {
            Some(films) => check_films(films, n_items),
            None => Ok(()),
        }
    }
}

impl Served {
    pub fn check(&self, n_items: usize) -> Result<(), String> {
        match self {
            Served::Linear(w) | Served::AutoRec(w) => check_mf(w, n_items),
            Served::Neural(net) => check_net(net, n_items),
            Served::Retrieval(r) => {
                check_mf(&r.ranker, n_items)?;
                ensure(
                    r.temperature.is_finite() && r.temperature > 0.0,
                    "its temperature is not a positive number",
                )
            }
            Served::Ease(e) => {
                ensure(e.n_items == n_items, "EASE is sized for other films")?;
                lengths("EASE's weights", e.weights.len(), n_items * n_items)?;
                finite("EASE's weights", &e.weights)
            }
            Served::Popularity(counts) => lengths("the popularity counts", counts.len(), n_items),
            Served::Blend { parts, weights } => {
                ensure(!parts.is_empty(), "a blend without parts")?;
                lengths("the blend's weights", weights.len(), parts.len() + 1)?;
                ensure(
                    weights.iter().all(|w| w.is_finite()),
                    "a blend weight is not finite",
                )?;
                parts.iter().try_for_each(|part| part.check(n_items))
            }
        }
    }
}

fn ensure(ok: bool, problem: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(problem.to_string()) }
}

fn lengths(what: &str, found: usize, expected: usize) -> Result<(), String> {
    ensure(
        found == expected,
        &format!(
            "{what} hold {found} number{}, not {expected}",
            if found == 1 { "" } else { "s" }
        ),
    )
}

fn finite(what: &str, values: &[f32]) -> Result<(), String> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(at) => Err(format!("{what} hold a number that is not finite (at {at})")),
        None => Ok(()),
    }
}

fn check_mf(w: &MfWeights, n_items: usize) -> Result<(), String> {
    ensure(w.mean.is_finite(), "its mean is not finite")?;
    lengths("the film biases", w.item_bias.len(), n_items)?;
    lengths("the film vectors", w.item_factors.len(), n_items * w.dim)?;
    lengths(
        "the people's vectors",
        w.user_factors.len(),
        w.user_bias.len() * w.dim,
    )?;
    for (what, values) in [
        ("the film biases", &w.item_bias),
        ("the film vectors", &w.item_factors),
        ("the people's biases", &w.user_bias),
        ("the people's vectors", &w.user_factors),
    ] {
        finite(what, values)?;
    }
    Ok(())
}

fn check_dense(what: &str, layer: &Dense, inputs: usize) -> Result<(), String> {
    ensure(
        layer.inputs == inputs,
        &format!("{what} takes {} inputs, not {inputs}", layer.inputs),
    )?;
    lengths(what, layer.weight.len(), layer.inputs * layer.outputs)?;
    lengths(what, layer.bias.len(), layer.outputs)?;
    finite(what, &layer.weight)?;
    finite(what, &layer.bias)
}

fn check_net(net: &NeuralNet, n_items: usize) -> Result<(), String> {
    ensure(net.mean.is_finite(), "its mean is not finite")?;
    lengths("the film biases", net.item_bias.len(), n_items)?;
    lengths(
        "the film embeddings",
        net.item_embedding.len(),
        n_items * net.dim,
    )?;
    lengths(
        "the film GMF vectors",
        net.gmf_item.len(),
        n_items * net.gmf_dim,
    )?;
    lengths(
        "the average person",
        net.mean_user.len(),
        net.dim + net.gmf_dim + 1,
    )?;
    for (what, values) in [
        ("the film biases", &net.item_bias),
        ("the film embeddings", &net.item_embedding),
        ("the film GMF vectors", &net.gmf_item),
        ("the average person", &net.mean_user),
    ] {
        finite(what, values)?;
    }
    // The first layer takes [person; film] embeddings, each later one the layer before.
    let mut width = 2 * net.dim;
    for (k, layer) in net.hidden.iter().enumerate() {
        check_dense(&format!("hidden layer {}", k + 1), layer, width)?;
        width = layer.outputs;
    }
    check_dense("the output layer", &net.output, width + net.gmf_dim)?;
    ensure(
        net.output.outputs == 1,
        "the output layer gives more than one number",
    )
}

fn check_films(films: &FilmVectors, n_items: usize) -> Result<(), String> {
    lengths(
        "the map's film vectors",
        films.values.len(),
        n_items * films.dim,
    )?;
    finite("the map's film vectors", &films.values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recommend::EaseWeights;

    fn mf() -> MfWeights {
        MfWeights {
            mean: 3.5,
            dim: 2,
            user_bias: vec![0.1],
            item_bias: vec![0.3, 0.0],
            user_factors: vec![0.1, 0.2],
            item_factors: vec![1.0, -2.5, 0.0, 7.25],
        }
    }

    #[test]
    fn a_consistent_model_passes_and_each_damage_is_named() {
        assert_eq!(ServingModel::new(Served::Linear(mf())).check(2), Ok(()));
        let damaged = |edit: fn(&mut MfWeights)| {
            let mut w = mf();
            edit(&mut w);
            ServingModel::new(Served::Linear(w)).check(2).unwrap_err()
        };
        assert_eq!(
            damaged(|w| w.item_factors.pop().map(drop).unwrap_or(())),
            "the film vectors hold 3 numbers, not 4"
        );
        assert_eq!(
            damaged(|w| w.user_factors.push(1.0)),
            "the people's vectors hold 3 numbers, not 2"
        );
        assert_eq!(
            damaged(|w| w.item_bias[1] = f32::NAN),
            "the film biases hold a number that is not finite (at 1)"
        );
    }

    #[test]
    fn ease_blends_and_popularity_are_checked_whole() {
        let ease = |weights: Vec<f32>| {
            Served::Ease(EaseWeights {
                n_items: 2,
                weights,
            })
        };
        assert_eq!(ease(vec![0.0; 4]).check(2), Ok(()));
        assert_eq!(
            ease(vec![0.0; 3]).check(2).unwrap_err(),
            "EASE's weights hold 3 numbers, not 4"
        );
        let blend = |weights: Vec<f64>, parts: Vec<Served>| Served::Blend { parts, weights };
        assert_eq!(
            blend(vec![0.1, 1.0], vec![Served::Linear(mf())]).check(2),
            Ok(())
        );
        assert_eq!(
            blend(vec![0.1], vec![Served::Linear(mf())])
                .check(2)
                .unwrap_err(),
            "the blend's weights hold 1 number, not 2"
        );
        assert_eq!(
            blend(vec![0.1, 1.0], vec![ease(vec![0.0; 9])])
                .check(2)
                .unwrap_err(),
            "EASE's weights hold 9 numbers, not 4"
        );
        assert!(blend(vec![0.0], Vec::new()).check(2).is_err());
        assert!(Served::Popularity(vec![3]).check(2).is_err());
    }
}
