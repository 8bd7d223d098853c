//! Lessons: short guided steps through the page, each a link (`?lesson=ID`) that sets the page
//! up and a text that quotes the page's live numbers, never canned ones. The text is built here
//! from [`LessonFacts`] so that it can be checked natively; the page only fills the facts in.

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
}

/// The over-fitting lesson's model: many dimensions, no penalty, a quick learning rate.
pub const OVERFIT_DIM: usize = 128;
pub const OVERFIT_LEARNING_RATE: f64 = 0.01;

impl Lesson {
    pub const ALL: [Lesson; 3] = [Lesson::Data, Lesson::Mf, Lesson::Overfitting];

    /// As in `?lesson=ID` and `data-lesson`.
    pub fn id(self) -> &'static str {
        match self {
            Lesson::Data => "data",
            Lesson::Mf => "mf",
            Lesson::Overfitting => "overfitting",
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
        }
    }

    /// The heading id of the panel the lesson is about, to scroll it into view.
    pub fn panel(self) -> &'static str {
        match self {
            Lesson::Data => "stats-title",
            Lesson::Mf | Lesson::Overfitting => "train-title",
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
            Lesson::Mf => {
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
            Lesson::Data => data_text(facts),
            Lesson::Mf => mf_text(facts),
            Lesson::Overfitting => overfitting_text(facts),
        }
    }
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn data_text(facts: &LessonFacts) -> LessonText {
    let facts_line = match facts.long_tail {
        Some(t) => format!(
            "Here {} ratings fall on {} films, and {:.2}% of the user × film matrix is empty. The \
             top 20% of films get {:.0}% of all ratings; the film in the middle has {} ratings, \
             and {} of the films have fewer than {FEW_RATINGS}.",
            t.ratings,
            t.films,
            t.sparsity * 100.0,
            t.top_fifth_share * 100.0,
            t.median_ratings,
            percent(t.share_with_few),
        ),
        None => "Load a data set to see its figures here.".into(),
    };
    LessonText {
        title: Lesson::Data.title(),
        paragraphs: vec![
            "Look at the data set panel: the number of ratings, the sparsity, and the curve of \
             ratings per film, most rated first."
                .into(),
            facts_line,
        ],
        question: "Why will any model be least sure about most of the films?".into(),
        answer: "Because most films have few ratings: a film's vector is learned only from the \
                 people who rated it, so a handful of ratings pins it down poorly, while the few \
                 popular films are seen thousands of times."
            .into(),
    }
}

fn mf_text(facts: &LessonFacts) -> LessonText {
    let run_line = match (facts.run, facts.final_train_loss) {
        (Some(run), Some(loss)) => {
            let test = facts
                .test_rmse
                .map(|r| format!(" On the test set the kept model scores RMSE {r:.4}."))
                .unwrap_or_default();
            format!(
                "This run's training loss ended at {loss:.4}; its validation RMSE was lowest, \
                 {:.4}, at epoch {} and ended at {:.4}.{test}",
                run.best_rmse, run.best_epoch, run.final_rmse
            )
        }
        _ => "Press Train and watch the two curves.".into(),
    };
    LessonText {
        title: Lesson::Mf.title(),
        paragraphs: vec![
            "Train the default model (d 32, λ 0.1). Each film and each person gets a vector; a \
             rating is predicted as the mean plus two biases plus their dot product."
                .into(),
            run_line,
        ],
        question: "Why does training stop before the last epoch, and which epoch does it keep?"
            .into(),
        answer: "It watches RMSE on ratings held out of training: once that stops improving for a \
                 few epochs, more epochs only memorise, so it keeps the epoch count that was best \
                 on the holdout and refits on all the training ratings."
            .into(),
    }
}

fn overfitting_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![format!(
        "Train with d {OVERFIT_DIM} and no regularisation (λ 0), then pin the run. Then set λ \
         back to {} and train again: both runs' curves share the chart.",
        TrainSettings::default().reg
    )];
    if let Some((label, pinned)) = &facts.pinned {
        lines.push(format!(
            "The pinned run ({label}) ended at validation RMSE {:.4}, {:.4} above its lowest \
             ({:.4} at epoch {}).",
            pinned.final_rmse,
            pinned.rise(),
            pinned.best_rmse,
            pinned.best_epoch
        ));
    }
    if let Some(run) = facts.run {
        lines.push(format!(
            "The current run ended at {:.4}, {:.4} above its lowest ({:.4}).",
            run.final_rmse,
            run.rise(),
            run.best_rmse
        ));
    }
    LessonText {
        title: Lesson::Overfitting.title(),
        paragraphs: lines,
        question: "Training loss kept falling in the unregularised run. Why did validation RMSE \
                   turn up?"
            .into(),
        answer: "With 128 free numbers per film and person and nothing pulling them towards zero, \
                 the model fits the noise of the few ratings most films and people have; λ makes \
                 every large weight cost something, so only patterns many ratings agree on are \
                 learned."
            .into(),
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
        assert_eq!(Lesson::Overfitting.next(), None);
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
}
