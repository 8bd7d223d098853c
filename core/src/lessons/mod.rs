//! Lessons: short guided steps through the page, each a link (`?lesson=ID`) that sets the page
//! up and a text that quotes the page's live numbers, never canned ones. The text is built here
//! from [`LessonFacts`] so that it can be checked natively; the page only fills the facts in.

mod board_text;
mod courses;
mod text;

pub use courses::{COURSE_MODELS, CourseReport, course_report};

use crate::settings::TrainSettings;
use crate::split::SplitKind;
use crate::stats::DatasetStats;
use crate::train::ValidationCurve;
use crate::zoo::{ZooModel, ZooRow};

/// The lessons, in teaching order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lesson {
    Data,
    Mf,
    Overfitting,
    Coldstart,
    Embeddings,
    Reuse,
    RankVsRate,
    CourseModels,
}

/// What a lesson says: a title, what to do and notice, one question and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonText {
    pub title: &'static str,
    pub paragraphs: Vec<String>,
    pub question: String,
    pub answer: String,
}

/// The long tail of a data set: how unevenly ratings fall on films.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LongTail {
    pub films: usize,
    pub ratings: usize,
    pub sparsity: f64,
    /// Ratings of the film in the middle of the most-to-least-rated order.
    pub median_ratings: usize,
    /// Share of films with fewer than [`FEW_RATINGS`] ratings.
    pub share_with_few: f64,
    /// Share of all ratings that go to the most-rated fifth of the films (as the data set panel
    /// says it).
    pub top_fifth_share: f64,
}

/// Below this many ratings a film's vector has little to learn from.
pub const FEW_RATINGS: usize = 20;

impl LongTail {
    pub fn of(stats: &DatasetStats) -> Self {
        let per_film = &stats.ratings_per_film; // most rated first
        let films = per_film.len();
        let few = per_film.iter().filter(|&&n| n < FEW_RATINGS).count();
        let share_with_few = if films == 0 {
            0.0
        } else {
            few as f64 / films as f64
        };
        Self {
            films,
            ratings: stats.ratings,
            sparsity: stats.sparsity,
            median_ratings: per_film.get(films / 2).copied().unwrap_or(0),
            share_with_few,
            top_fifth_share: stats.share_of_top(0.2),
        }
    }
}

/// The page's numbers a lesson may quote; `None` until the page has them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LessonFacts {
    pub long_tail: Option<LongTail>,
    /// The current run's holdout validation curve and its last training loss.
    pub run: Option<ValidationCurve>,
    pub final_train_loss: Option<f64>,
    /// The trained model's test RMSE on the split, as the board shows it.
    pub test_rmse: Option<f64>,
    /// The pinned run's settings and curve.
    pub pinned: Option<(String, ValidationCurve)>,
    /// The visitor: how many films they rated, what ranks their list, its first titles.
    pub visitor: Option<VisitorFacts>,
    /// Share of the vectors' variance the map's two PCA axes show (0–1).
    pub pca_explained: Option<f64>,
    /// The film selected on the map and its nearest films with their cosine similarity.
    pub selected: Option<(String, Vec<(String, f32)>)>,
    /// The genre classifier's mean ROC-AUC on learned vectors, random vectors, popularity alone.
    pub genre_auc: Option<GenreAucMeans>,
    /// The model zoo's rows, as the board shows them.
    pub board: Vec<ZooRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VisitorFacts {
    pub rated: usize,
    /// The serving model's label; `None` while the baseline ranks.
    pub model: Option<String>,
    pub top: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenreAucMeans {
    pub learned: f64,
    pub random: f64,
    pub popularity: f64,
}

/// The over-fitting lesson's model: many dimensions, no penalty, a quick learning rate.
pub const OVERFIT_DIM: usize = 128;
pub const OVERFIT_LEARNING_RATE: f64 = 0.01;

impl Lesson {
    pub const ALL: [Lesson; 8] = [
        Lesson::Data,
        Lesson::Mf,
        Lesson::Overfitting,
        Lesson::Coldstart,
        Lesson::Embeddings,
        Lesson::Reuse,
        Lesson::RankVsRate,
        Lesson::CourseModels,
    ];

    /// As in `?lesson=ID` and `data-lesson`.
    pub fn id(self) -> &'static str {
        match self {
            Lesson::Data => "data",
            Lesson::Mf => "mf",
            Lesson::Overfitting => "overfitting",
            Lesson::Coldstart => "coldstart",
            Lesson::Embeddings => "embeddings",
            Lesson::Reuse => "reuse",
            Lesson::RankVsRate => "rank-vs-rate",
            Lesson::CourseModels => "course-models",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.id() == id)
    }

    /// The lesson a query string names (`?lesson=ID`), if any.
    pub fn from_query(query: &str) -> Option<Self> {
        query
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| pair.strip_prefix("lesson="))
            .and_then(Self::parse)
    }

    /// `search` (a query string) with its `lesson=` set to this lesson and every other setting
    /// kept, as the address of this lesson on the same page.
    pub fn query_in(self, search: &str) -> String {
        let mut pairs: Vec<String> = search
            .trim_start_matches('?')
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.starts_with("lesson="))
            .map(String::from)
            .collect();
        pairs.push(format!("lesson={}", self.id()));
        format!("?{}", pairs.join("&"))
    }

    pub fn title(self) -> &'static str {
        match self {
            Lesson::Data => "1. The data: sparsity and the long tail",
            Lesson::Mf => "2. Matrix factorisation: training loss and validation RMSE",
            Lesson::Overfitting => "3. Over-fitting, and how regularisation heals it",
            Lesson::Coldstart => "4. Cold start: recommendations from 0, 1, 3 and 10 ratings",
            Lesson::Embeddings => "5. Embeddings: neighbours on the film map",
            Lesson::Reuse => "6. Reuse: do the vectors know genres?",
            Lesson::RankVsRate => {
                "7. Rating is not ranking: MF against popularity, EASE and two-tower"
            }
            Lesson::CourseModels => "8. The course models side by side",
        }
    }

    /// The heading id of the panel the lesson is about, to scroll it into view.
    pub fn panel(self) -> &'static str {
        match self {
            Lesson::Data => "stats-title",
            Lesson::Mf | Lesson::Overfitting => "train-title",
            Lesson::Coldstart => "recs-title",
            Lesson::Embeddings | Lesson::Reuse => "map-title",
            Lesson::RankVsRate | Lesson::CourseModels => "zoo-title",
        }
    }

    pub fn next(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|&l| l == self)?;
        Self::ALL.get(at + 1).copied()
    }

    pub fn previous(self) -> Option<Self> {
        let at = Self::ALL.iter().position(|&l| l == self)?;
        at.checked_sub(1).map(|i| Self::ALL[i])
    }

    /// Puts the settings the lesson starts from: the papers' u1 split, and for over-fitting a
    /// large model without penalty.
    pub fn set_up(self, settings: &mut TrainSettings) {
        let defaults = TrainSettings::default();
        match self {
            Lesson::Data | Lesson::RankVsRate | Lesson::CourseModels => {}
            // The map and the classifier read the default model's vectors.
            Lesson::Mf | Lesson::Coldstart | Lesson::Embeddings | Lesson::Reuse => {
                settings.split = SplitKind::Fold(1);
                settings.dim = defaults.dim;
                settings.reg = defaults.reg;
                settings.learning_rate = defaults.learning_rate;
            }
            Lesson::Overfitting => {
                settings.split = SplitKind::Fold(1);
                settings.dim = OVERFIT_DIM;
                settings.reg = 0.0;
                settings.learning_rate = OVERFIT_LEARNING_RATE;
            }
        }
    }

    pub fn text(self, facts: &LessonFacts) -> LessonText {
        match self {
            Lesson::Data => text::data_text(facts),
            Lesson::Mf => text::mf_text(facts),
            Lesson::Overfitting => text::overfitting_text(facts),
            Lesson::Coldstart => text::coldstart_text(facts),
            Lesson::Embeddings => text::embeddings_text(facts),
            Lesson::Reuse => text::reuse_text(facts),
            Lesson::RankVsRate => board_text::rank_vs_rate_text(facts),
            Lesson::CourseModels => board_text::course_models_text(facts),
        }
    }

    /// The models the lesson picks on the board (on u1), if it is about the board.
    pub fn board(self) -> Option<&'static [ZooModel]> {
        const RANK_VS_RATE: [ZooModel; 4] = [
            ZooModel::Popularity,
            ZooModel::Mf,
            ZooModel::TwoTower,
            ZooModel::Ease,
        ];
        match self {
            Lesson::RankVsRate => Some(&RANK_VS_RATE),
            Lesson::CourseModels => Some(&COURSE_MODELS),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
