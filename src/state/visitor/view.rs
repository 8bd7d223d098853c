//! What the visitor's panels show, as plain values: the films' knowledge, the recommendation
//! rows and their reasons in words, the notices.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::recommend::Reason;
use filmspace_core::search::TitleIndex;

/// What the page knows about the films, built once per dataset.
#[derive(Clone)]
pub struct Films {
    pub dataset: Arc<Dataset>,
    pub titles: Arc<TitleIndex>,
    /// Dense ids, best questions first.
    pub onboarding: Arc<Vec<u32>>,
}

/// Where the recommendations come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Baseline,
    Model,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Baseline => "baseline",
            Source::Model => "model",
        }
    }
}

/// One recommendation, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct RecRow {
    pub item_id: u32,
    pub title: String,
    pub genres: String,
    pub score: f32,
    pub predicted: Option<f32>,
    pub reason: String,
}

/// The model behind model-made recommendations.
#[derive(Debug, Clone, PartialEq)]
pub struct ServedNote {
    pub label: &'static str,
    /// The zoo's short name, or "trained" for the training panel's model.
    pub name: &'static str,
    /// It predicts ratings (and is blended with the co-rated and popularity signals).
    pub rates: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recs {
    pub source: Source,
    pub model: Option<ServedNote>,
    pub rows: Vec<RecRow>,
    /// Fold-in, scoring every film and the blend, in milliseconds (model only).
    pub fold_in_ms: Option<f64>,
    /// The visitor's folded-in vector, in the model's space (model only).
    pub vector: Option<Vec<f32>>,
    /// The visitor's ratings in dense ids, as the ranking saw them.
    pub rated: Vec<(u32, f32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
    Problems(String, Vec<String>),
}

pub(super) fn reason_text(reasons: &[Reason], dataset: &Dataset) -> String {
    let rated: Vec<String> = reasons
        .iter()
        .filter_map(|r| match r {
            Reason::Rated { item, rating } => Some(format!(
                "{} {}★",
                dataset.films[*item as usize].title,
                dataset.scale.to_stars(*rating)
            )),
            Reason::Popular { .. } => None,
        })
        .collect();
    match reasons.first() {
        Some(Reason::Popular { ratings }) => {
            format!("widely watched: rated by {ratings} people")
        }
        _ => format!("because you rated {}", rated.join(" and ")),
    }
}

pub(super) fn decade_of(year: Option<u16>) -> Option<u16> {
    year.map(|y| y / 10 * 10)
}
