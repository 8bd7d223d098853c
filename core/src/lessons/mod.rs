//! Lessons: short guided steps through the page, each a link (`?lesson=ID`) that sets the page
//! up and a text that quotes the page's live numbers, never canned ones. The text is built here
//! from [`LessonFacts`] so that it can be checked natively; the page only fills the facts in.

mod text;

use crate::settings::TrainSettings;
use crate::split::SplitKind;
use crate::stats::DatasetStats;
use crate::train::ValidationCurve;

/// The lessons, in teaching order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lesson {
    Data,
    Mf,
    Overfitting,
    Coldstart,
    Embeddings,
    Reuse,
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
    pub const ALL: [Lesson; 6] = [
        Lesson::Data,
        Lesson::Mf,
        Lesson::Overfitting,
        Lesson::Coldstart,
        Lesson::Embeddings,
        Lesson::Reuse,
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

    pub fn title(self) -> &'static str {
        match self {
            Lesson::Data => "1. The data: sparsity and the long tail",
            Lesson::Mf => "2. Matrix factorisation: training loss and validation RMSE",
            Lesson::Overfitting => "3. Over-fitting, and how regularisation heals it",
            Lesson::Coldstart => "4. Cold start: recommendations from 0, 1, 3 and 10 ratings",
            Lesson::Embeddings => "5. Embeddings: neighbours on the film map",
            Lesson::Reuse => "6. Reuse: do the vectors know genres?",
        }
    }

    /// The heading id of the panel the lesson is about, to scroll it into view.
    pub fn panel(self) -> &'static str {
        match self {
            Lesson::Data => "stats-title",
            Lesson::Mf | Lesson::Overfitting => "train-title",
            Lesson::Coldstart => "recs-title",
            Lesson::Embeddings | Lesson::Reuse => "map-title",
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
            Lesson::Data => {}
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RatingScale;

    fn stats(per_film: Vec<usize>) -> DatasetStats {
        DatasetStats {
            users: 10,
            items: per_film.len(),
            ratings: per_film.iter().sum(),
            scale: RatingScale::STARS,
            sparsity: 0.5,
            mean_rating: 3.5,
            histogram: Vec::new(),
            ratings_per_film: per_film,
            memory_bytes: 0,
        }
    }

    #[test]
    fn the_long_tail_is_counted_from_the_films_ratings() {
        // 20 films: one with 100 ratings, one with 50, then 18 with 1 rating each; the top 20%
        // are the first four films.
        let mut per_film = vec![100, 50];
        per_film.extend([1; 18]);
        let tail = LongTail::of(&stats(per_film));
        assert_eq!(
            (tail.films, tail.ratings, tail.median_ratings),
            (20, 168, 1)
        );
        assert!((tail.share_with_few - 0.9).abs() < 1e-12);
        assert!((tail.top_fifth_share - 152.0 / 168.0).abs() < 1e-12);
        let text = Lesson::Data.text(&LessonFacts {
            long_tail: Some(tail),
            ..Default::default()
        });
        assert!(text.paragraphs[1].contains("168 ratings fall on 20 films"));
        assert!(text.paragraphs[1].contains("50.00%"));
        assert!(text.paragraphs[1].contains("get 90% of all"));
        assert!(text.paragraphs[1].contains("90.0% of the films have fewer than 20"));
    }

    #[test]
    fn lessons_link_in_order_and_set_up_their_runs() {
        assert_eq!(
            Lesson::from_query("?split=u2&lesson=overfitting"),
            Some(Lesson::Overfitting)
        );
        assert_eq!(Lesson::from_query("?lesson=nope"), None);
        assert_eq!(Lesson::Data.previous(), None);
        assert_eq!(Lesson::Data.next(), Some(Lesson::Mf));
        assert_eq!(Lesson::Overfitting.next(), Some(Lesson::Coldstart));
        assert_eq!(Lesson::Reuse.next(), None);
        let mut settings = TrainSettings::default();
        Lesson::Overfitting.set_up(&mut settings);
        assert_eq!((settings.dim, settings.reg), (OVERFIT_DIM, 0.0));
        Lesson::Mf.set_up(&mut settings);
        assert_eq!(settings, TrainSettings::default());
    }

    #[test]
    fn the_overfitting_text_quotes_both_runs() {
        let curve = |final_rmse, best_rmse| ValidationCurve {
            final_rmse,
            best_rmse,
            best_epoch: 1,
            epochs: 4,
        };
        let text = Lesson::Overfitting.text(&LessonFacts {
            pinned: Some(("d 128 · λ 0".into(), curve(1.0068, 0.9482))),
            run: Some(curve(0.9301, 0.9299)),
            ..Default::default()
        });
        assert!(text.paragraphs[1].contains("1.0068, 0.0586 above its lowest (0.9482"));
        assert!(text.paragraphs[2].contains("0.9301, 0.0002 above"));
    }

    #[test]
    fn the_map_lessons_quote_the_neighbours_and_the_genre_scores() {
        let facts = LessonFacts {
            pca_explained: Some(0.2468),
            selected: Some((
                "Star Wars (1977)".into(),
                vec![
                    ("Return of the Jedi (1983)".into(), 0.912),
                    ("Alien (1979)".into(), 0.5),
                ],
            )),
            genre_auc: Some(GenreAucMeans {
                learned: 0.66,
                random: 0.533,
                popularity: 0.651,
            }),
            ..Default::default()
        };
        let map = Lesson::Embeddings.text(&facts).paragraphs.join(" ");
        assert!(map.contains("show 24.7% of the vectors' variance"));
        assert!(map.contains(
            "Nearest to Star Wars (1977): Return of the Jedi (1983) (0.912), Alien (1979) (0.500)."
        ));
        let reuse = Lesson::Reuse.text(&facts).paragraphs.join(" ");
        assert!(
            reuse.contains("score 0.660, beating random vectors (0.533) by 0.127"),
            "{reuse}"
        );
        assert!(reuse.contains("popularity alone (0.651) by 0.009"));
        let weaker = LessonFacts {
            genre_auc: Some(GenreAucMeans {
                learned: 0.6,
                random: 0.5,
                popularity: 0.65,
            }),
            ..Default::default()
        };
        assert!(
            Lesson::Reuse.text(&weaker).paragraphs[1].contains("but not popularity alone (0.650)")
        );
    }

    #[test]
    fn the_coldstart_text_names_the_count_the_ranker_and_the_top() {
        let facts = |rated, model: Option<&str>| LessonFacts {
            visitor: Some(VisitorFacts {
                rated,
                model: model.map(String::from),
                top: vec![
                    "Star Wars (1977)".into(),
                    "Fargo (1996)".into(),
                    "Contact (1997)".into(),
                    "Scream (1996)".into(),
                ],
            }),
            ..Default::default()
        };
        let none = Lesson::Coldstart.text(&facts(0, None)).paragraphs.join(" ");
        assert!(none.contains("With 0 ratings the baseline ranks"), "{none}");
        let some = Lesson::Coldstart
            .text(&facts(1, Some("biased MF")))
            .paragraphs
            .join(" ");
        assert!(
            some.contains("With 1 rating you are folded into biased MF"),
            "{some}"
        );
        assert!(some.contains("top of your list: Star Wars (1977), Fargo (1996), Contact (1997)."));
    }
}
