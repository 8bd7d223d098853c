//! What the film map shows, apart from how it is driven: the projection and its state, the
//! colouring, the films' facts, the model drawn, and where the visitor lands on it.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::embedding::view::Bounds;
use filmspace_core::embedding::{FilmVectors, Pca};
use filmspace_core::recommend::onboarding::genre_sizes;
use filmspace_core::recommend::primary_genre;
use filmspace_core::stats::FilmRatings;

pub const NEIGHBOURS: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    Pca,
    Tsne,
}

impl Projection {
    pub fn name(self) -> &'static str {
        match self {
            Projection::Pca => "pca",
            Projection::Tsne => "tsne",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProjectionState {
    /// No model to draw yet.
    Idle,
    /// Share done (0–1).
    Running(f64),
    Done,
    Error(String),
}

impl ProjectionState {
    pub fn name(&self) -> &'static str {
        match self {
            ProjectionState::Idle => "idle",
            ProjectionState::Running(_) => "running",
            ProjectionState::Done => "done",
            ProjectionState::Error(_) => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourBy {
    Genre,
    Decade,
    MeanRating,
    Popularity,
}

impl ColourBy {
    pub const ALL: [(ColourBy, &'static str, &'static str); 4] = [
        (ColourBy::Genre, "genre", "primary genre"),
        (ColourBy::Decade, "decade", "release decade"),
        (ColourBy::MeanRating, "mean", "mean rating"),
        (ColourBy::Popularity, "popularity", "number of ratings"),
    ];
}

/// Per-film facts the map colours and sizes by, from the whole data set.
#[derive(Debug, Clone, PartialEq)]
pub struct FilmFacts {
    pub primary: Vec<Option<usize>>,
    pub counts: Vec<u32>,
    pub means: Vec<Option<f32>>,
    /// The most ratings any film has (the top of the popularity colours).
    pub max_count: u32,
    /// The first and last release decades (1920 and 1990 in ML-100K), for the decade colours.
    pub decades: (u16, u16),
    /// The genres the legend lists (placeholders left out), with their bits.
    pub genres: Vec<(usize, String)>,
}

impl FilmFacts {
    pub fn of(dataset: &Dataset) -> FilmFacts {
        let sizes = genre_sizes(&dataset.films, &dataset.genres);
        let ratings = FilmRatings::of(dataset);
        let decade = |year: u16| year / 10 * 10;
        let years = dataset.films.iter().filter_map(|f| f.year);
        FilmFacts {
            genres: dataset.listed_genres(),
            primary: dataset
                .films
                .iter()
                .map(|f| primary_genre(f, &sizes))
                .collect(),
            means: ratings.means.iter().map(|m| m.map(|m| m as f32)).collect(),
            max_count: ratings.counts.iter().copied().max().unwrap_or(0),
            decades: (
                years.clone().min().map_or(1920, decade),
                years.max().map_or(1990, decade),
            ),
            counts: ratings.counts,
        }
    }
}

/// What is drawn: the model's points in the current projection. While a run trains, only its
/// latest PCA points are here (`films` and `pca` are `None`); the serving model brings both.
#[derive(Clone)]
pub struct MapModel {
    pub films: Option<Arc<FilmVectors>>,
    pub pca: Option<Arc<Pca>>,
    pub explained: [f64; 2],
    pub points: Arc<Vec<[f32; 2]>>,
    pub bounds: Bounds,
}

impl MapModel {
    pub(super) fn new(
        points: Vec<[f32; 2]>,
        explained: [f64; 2],
        films: Option<Arc<FilmVectors>>,
        pca: Option<Arc<Pca>>,
    ) -> MapModel {
        MapModel {
            bounds: Bounds::of(&points),
            points: Arc::new(points),
            explained,
            films,
            pca,
        }
    }

    pub(super) fn pca_points(&self) -> Option<Arc<Vec<[f32; 2]>>> {
        let (w, pca) = (self.films.as_ref()?, self.pca.as_ref()?);
        Some(Arc::new(pca.project_all(&w.values)))
    }
}

/// Where the visitor goes on the map: their folded-in vector through the PCA, or (t-SNE cannot
/// place new points) the rating-weighted centre of the films they rated.
pub fn visitor_position(
    model: &MapModel,
    projection: Projection,
    vector: Option<&[f32]>,
    rated: &[(u32, f32)],
) -> Option<[f32; 2]> {
    match (projection, vector, model.pca.as_ref()) {
        (Projection::Pca, Some(v), Some(pca)) => Some(pca.project(v)),
        _ => {
            let total: f32 = rated.iter().map(|r| r.1).sum();
            (total > 0.0).then(|| {
                let mut p = [0.0f32; 2];
                for &(item, w) in rated {
                    let q = model.points[item as usize];
                    p[0] += q[0] * w / total;
                    p[1] += q[1] * w / total;
                }
                p
            })
        }
    }
}
