//! The embedding canvas: what the trained film vectors ([`FilmVectors`]: one row of `dim` values
//! per film in dense order, from whichever model serves) look like and know.
//!
//! - [`pca`]: a linear 2-D map (the two directions of largest variance), signs fixed so the map
//!   does not flip between epochs; also the seeded start of t-SNE.
//! - [`tsne`]: a non-linear 2-D map (Barnes–Hut t-SNE from the `bhtsne` crate) that keeps
//!   neighbourhoods rather than distances.
//! - [`neighbours`]: the films whose vectors point the same way (cosine similarity).
//! - [`classifier`]: how much genre the vectors carry, as a held-out genre classifier beside two
//!   honest baselines (the majority genre, and the same classifier on random vectors).
//! - [`projector`]: the two TSV files the TensorFlow Embedding Projector loads.
//!
//! Everything takes the vectors as one row-major `&[f32]` plus `dim`, so it works the same on
//! a model's weights, on a snapshot from a training worker, or on generated test data.

pub mod classifier;
pub mod film_vectors;
pub mod neighbours;
pub mod pca;
pub mod projector;
pub mod tsne;
pub mod view;

pub use classifier::{
    AucReport, FilmLabels, FitSettings, GenreAuc, GenreReport, GenreScore, Scores,
    SoftmaxRegression, genre_report, genre_report_for_labels,
};
pub use film_vectors::{FilmVectors, MAP_DIM};
pub use neighbours::nearest_by_cosine;
pub use pca::Pca;
pub use projector::{metadata_tsv, vectors_tsv};
pub use tsne::{
    TSNE_MAX_POINTS, TsneSettings, place_sample, tsne_2d, tsne_2d_with_progress, tsne_sample,
};
