//! The two lessons read off the model zoo's board: rating against ranking, and the course
//! notebooks' models with what each course reported.

use super::{COURSE_MODELS, Lesson, LessonFacts, LessonText, course_report};
use crate::zoo::{ZooModel, ZooRow};

/// The board's row of `model`, if it has one yet.
fn row_of(facts: &LessonFacts, model: ZooModel) -> Option<&ZooRow> {
    facts.board.iter().find(|row| row.model == model)
}

fn ndcg(row: &ZooRow) -> f64 {
    row.ranking.ndcg
}

/// "RMSE 0.9230, NDCG@10 0.1291", or NDCG alone for a model that predicts no rating.
fn measured(row: &ZooRow) -> String {
    match row.errors {
        Some(errors) => format!("RMSE {:.4}, NDCG@10 {:.4}", errors.rmse, ndcg(row)),
        None => format!("NDCG@10 {:.4} (no ratings predicted)", ndcg(row)),
    }
}

pub(super) fn rank_vs_rate_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![
        "The board below has popularity, biased MF, EASE and two-tower picked on u1. Press Run \
         the board, then read each model's NDCG@10 (how good its top-10 lists are) beside its \
         RMSE (how close its predicted ratings are)."
            .to_string(),
    ];
    if let (Some(mf), Some(popularity)) = (
        row_of(facts, ZooModel::Mf),
        row_of(facts, ZooModel::Popularity),
    ) {
        let rmse = mf.errors.map_or(f64::NAN, |e| e.rmse);
        let verdict = if ndcg(mf) < ndcg(popularity) {
            format!(
                "below popularity's {:.4}, a model that predicts no rating at all",
                ndcg(popularity)
            )
        } else {
            format!(
                "above popularity's {:.4} this time: it ranks better than it usually does",
                ndcg(popularity)
            )
        };
        lines.push(format!(
            "Biased MF predicts ratings to RMSE {rmse:.4}, yet its top-10 lists score NDCG@10 \
             {:.4}, {verdict}.",
            ndcg(mf)
        ));
    }
    let rankers: Vec<String> = [
        (ZooModel::Ease, "EASE, fitted on who rated what,"),
        (
            ZooModel::TwoTower,
            "two-tower, trained to pick the film a person rated out of a batch,",
        ),
    ]
    .into_iter()
    .filter_map(|(model, what)| {
        let row = row_of(facts, model)?;
        Some(format!("{what} reaches {:.4}", ndcg(row)))
    })
    .collect();
    if !rankers.is_empty() {
        lines.push(format!("Built to rank, {}.", rankers.join("; ")));
    }
    LessonText {
        title: Lesson::RankVsRate.title(),
        paragraphs: lines,
        question: "MF predicts ratings well. Why are its top-10 lists worse than \"most rated \
                   first\"?"
            .into(),
        answer: "MF is trained to get each observed rating right, not to order all the films: a \
                 film two people loved gets a high prediction and tops everyone's list, though \
                 few people will ever watch it. A top-10 list is judged on the films people went \
                 on to rate, and which films people rate is mostly popularity. EASE and two-tower \
                 learn from what people chose to rate, which is exactly what the list is judged on."
            .into(),
    }
}

pub(super) fn course_models_text(facts: &LessonFacts) -> LessonText {
    let mut lines = vec![
        "The board below has the course notebooks' models picked on u1: the dot product, one \
         dense layer, side information, the deep model, NCF, AutoRec, two-tower and ALS. Press \
         Run the board (the deep ones take a minute or two). Beside each, what its course or \
         paper reported, on its own data and split: compare which models win, not the decimals."
            .to_string(),
    ];
    for model in COURSE_MODELS {
        let here = row_of(facts, model).map_or("not on the board yet".to_string(), measured);
        let there = course_report(model).map_or("no figure reported".to_string(), |r| {
            format!("{} reported {}", r.source, r.reported)
        });
        lines.push(format!("{}: here {here}; {there}.", model.label()));
    }
    LessonText {
        title: Lesson::CourseModels.title(),
        paragraphs: lines,
        question: "Which of these would you put in front of people, and why might that differ \
                   from the one with the lowest RMSE?"
            .into(),
        answer: "For a list of films to watch, the model with the best top-10 metrics (NDCG@10), \
                 usually one built to rank such as two-tower; for predicting the stars a person \
                 would give, the lowest RMSE. The deeper models rarely win on 100,000 ratings: they \
                 have more to learn from the same few ratings per film, and the courses' own \
                 figures come from other data and splits, so only a board like this one, every \
                 model on the same split, can settle the order."
            .into(),
    }
}
