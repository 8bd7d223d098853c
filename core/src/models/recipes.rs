//! The [`crate::train::Recipe`] methods the Burn models share, as macros (the trait's items are
//! written into each model's `impl Recipe`, like [`crate::train::rating_examples`]).

/// `Recipe::batch_loss` of a rating model whose `forward_batch(users, items)` gives the batch's
/// `predictions` and the squared norms of what it gathered: the squared error on the picked
/// ratings plus `$penalty`, an expression of the recipe (`$recipe`) and that output (`$out`).
macro_rules! squared_error_loss {
    ($model:ty, |$recipe:ident, $out:ident| $penalty:expr) => {
        fn batch_loss(
            &self,
            model: &$model,
            examples: &$crate::train::RatingColumns,
            picked: &[u32],
            device: &burn::tensor::Device,
        ) -> $crate::train::BatchLoss {
            let $recipe = self;
            let batch = examples.gather(picked, device);
            let $out = model.forward_batch(batch.users, batch.items);
            $crate::train::BatchLoss {
                data_loss: ($out.predictions - batch.values).square().sum(),
                penalty: $penalty,
                ratings: batch.count,
            }
        }
    };
}
pub(crate) use squared_error_loss;

/// `Recipe::schedule` and `Recipe::for_refit` of a config that is its own recipe: Adam over its
/// `epochs`, `batch_size`, `learning_rate`, `patience` and `seed` (and the config's value of each
/// schedule field named), refitted for a given number of epochs without early stopping.
macro_rules! adam_recipe {
    ($($field:ident),*) => {
        fn schedule(&self) -> $crate::train::Schedule {
            let adam = $crate::train::Schedule::adam(
                self.epochs,
                self.batch_size,
                self.learning_rate,
                self.patience,
                self.seed,
            );
            $crate::train::Schedule {
                $($field: self.$field,)*
                ..adam
            }
        }

        fn for_refit(&self, epochs: usize) -> Self {
            self.clone().with_epochs(epochs).with_patience(0)
        }
    };
}
pub(crate) use adam_recipe;
