//! What each lesson says, from the page's facts. Numbers are formatted as the page shows them
//! elsewhere, so that a learner (and a test) finds the same figures in both places.

use super::{FEW_RATINGS, Lesson, LessonFacts, LessonText, OVERFIT_DIM};
use crate::settings::TrainSettings;

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

pub(super) fn data_text(facts: &LessonFacts) -> LessonText {
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

pub(super) fn mf_text(facts: &LessonFacts) -> LessonText {
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

pub(super) fn overfitting_text(facts: &LessonFacts) -> LessonText {
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

pub(super) fn embeddings_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![
        "Train the default model, then search a film you know on the map (or click one): its \
         neighbours are the films whose vectors point the same way, by cosine similarity over \
         all d numbers."
            .to_string(),
    ];
    if let Some(explained) = facts.pca_explained {
        lines.push(format!(
            "The map's two PCA axes show {:.1}% of the vectors' variance: the picture flattens \
             the rest, so trust the neighbour list over distances on the canvas.",
            explained * 100.0
        ));
    }
    if let Some((title, neighbours)) = &facts.selected {
        let listed: Vec<String> = neighbours
            .iter()
            .take(3)
            .map(|(name, similarity)| format!("{name} ({similarity:.3})"))
            .collect();
        lines.push(match listed.is_empty() {
            true => format!("{title} has no neighbours in this model."),
            false => format!("Nearest to {title}: {}.", listed.join(", ")),
        });
    }
    LessonText {
        title: Lesson::Embeddings.title(),
        paragraphs: lines,
        question: "Does the map's horizontal axis mean something like \"action vs romance\"?"
            .into(),
        answer: "Not by design: the model only learned to predict ratings, and turning every \
                 vector by the same rotation predicts exactly the same ratings, so no axis has a \
                 fixed meaning. PCA's axes are merely the directions in which these vectors spread \
                 most; what is meaningful is which films lie close together."
            .into(),
    }
}

pub(super) fn reuse_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![
        "After training, the map panel predicts each genre from the film vectors alone (a \
         logistic regression per genre, scored on films it did not see) and compares them with \
         random vectors and with popularity alone."
            .to_string(),
    ];
    if let Some(auc) = facts.genre_auc {
        let against_popularity = if auc.learned > auc.popularity {
            format!(
                "and popularity alone ({:.3}) by {:.3}",
                auc.popularity,
                auc.learned - auc.popularity
            )
        } else {
            format!(
                "but not popularity alone ({:.3}): these vectors know little about genre beyond \
                 how much a film is rated",
                auc.popularity
            )
        };
        lines.push(format!(
            "Mean ROC-AUC over the genres: the learned vectors score {:.3}, beating random vectors \
             ({:.3}) by {:.3}, {against_popularity}.",
            auc.learned,
            auc.random,
            auc.learned - auc.random
        ));
    }
    LessonText {
        title: Lesson::Reuse.title(),
        paragraphs: lines,
        question: "Nobody told the model any genre. How can its vectors predict genres at all?"
            .into(),
        answer: "People who like one western tend to like others, so to predict ratings the model \
                 gives films that the same people rate alike similar vectors; genre is one of the \
                 things such films share, so it can be read back from the vectors. Popularity \
                 predicts some genres too, which is why it is the fairer baseline."
            .into(),
    }
}

pub(super) fn coldstart_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![
        "Train the default model, then rate films you know in \"Rate films you know\": none, then \
         1, then 3, then 10. Watch the top of your list after each."
            .to_string(),
    ];
    if let Some(visitor) = &facts.visitor {
        let plural = if visitor.rated == 1 { "" } else { "s" };
        let ranker = match &visitor.model {
            Some(model) => format!("you are folded into {model}"),
            None => "the baseline ranks".to_string(),
        };
        let top = visitor
            .top
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(format!(
            "With {} rating{plural} {ranker}; the top of your list: {top}.",
            visitor.rated
        ));
    }
    LessonText {
        title: Lesson::Coldstart.title(),
        paragraphs: lines,
        question: "Why does one rating change the list so little, and ten change it so much?"
            .into(),
        answer: "Your vector is solved from your ratings against the films' vectors, with a \
                 penalty that pulls it towards zero: one rating fixes it along one direction only, \
                 so popularity and the films' biases still dominate; every further rating adds a \
                 direction, until your taste outweighs the crowd's."
            .into(),
    }
}
