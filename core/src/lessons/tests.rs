//! The lessons' texts against hand-made facts.

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
    assert_eq!(
        Lesson::Coldstart.query_in("?split=u2&lesson=mf&epochs=3"),
        "?split=u2&epochs=3&lesson=coldstart"
    );
    assert_eq!(Lesson::Data.query_in(""), "?lesson=data");
    assert_eq!(Lesson::Data.previous(), None);
    assert_eq!(Lesson::Data.next(), Some(Lesson::Mf));
    assert_eq!(Lesson::Overfitting.next(), Some(Lesson::Coldstart));
    assert_eq!(Lesson::Reuse.next(), Some(Lesson::RankVsRate));
    assert_eq!(Lesson::CourseModels.next(), None);
    assert_eq!(
        Lesson::from_query("lesson=rank-vs-rate"),
        Some(Lesson::RankVsRate)
    );
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
    assert!(Lesson::Reuse.text(&weaker).paragraphs[1].contains("but not popularity alone (0.650)"));
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

fn board_row(model: ZooModel, rmse: Option<f64>, ndcg: f64) -> ZooRow {
    use crate::metrics::{ErrorMetrics, RankingMetrics};
    ZooRow {
        model,
        errors: rmse.map(|rmse| ErrorMetrics {
            rmse,
            mae: 0.7,
            count: 20_000,
        }),
        ranking: RankingMetrics {
            ndcg,
            ..Default::default()
        },
        train_ms: 1.0,
        parameters: 1,
        backend: "CPU".into(),
        history: Vec::new(),
    }
}

#[test]
fn rank_vs_rate_compares_mf_with_popularity_and_the_rankers() {
    let board = vec![
        board_row(ZooModel::Popularity, None, 0.2451),
        board_row(ZooModel::Mf, Some(0.923), 0.1291),
        board_row(ZooModel::Ease, None, 0.4449),
    ];
    let text = Lesson::RankVsRate
        .text(&LessonFacts {
            board: board.clone(),
            ..Default::default()
        })
        .paragraphs
        .join(" ");
    assert!(
        text.contains(
            "RMSE 0.9230, yet its top-10 lists score NDCG@10 0.1291, below popularity's 0.2451"
        ),
        "{text}"
    );
    assert!(text.contains("EASE, fitted on who rated what, reaches 0.4449"));
    assert!(!text.contains("two-tower, trained"), "no two-tower row yet");
    let mut better = board;
    better[1].ranking.ndcg = 0.3;
    let text = Lesson::RankVsRate.text(&LessonFacts {
        board: better,
        ..Default::default()
    });
    assert!(text.paragraphs[1].contains("above popularity's 0.2451 this time"));
    assert_eq!(
        Lesson::RankVsRate.board().unwrap().len(),
        4,
        "popularity, MF, EASE, two-tower"
    );
}

#[test]
fn course_models_quote_each_row_beside_its_course() {
    let facts = LessonFacts {
        board: vec![
            board_row(ZooModel::Mf, Some(0.923), 0.1291),
            board_row(ZooModel::TwoTower, None, 0.35),
        ],
        ..Default::default()
    };
    let text = Lesson::CourseModels.text(&facts);
    assert_eq!(text.paragraphs.len(), 1 + COURSE_MODELS.len());
    let line = |model: ZooModel| {
        text.paragraphs
            .iter()
            .find(|p| p.starts_with(model.label()))
            .unwrap()
            .clone()
    };
    assert!(line(ZooModel::Mf).contains("here RMSE 0.9230, NDCG@10 0.1291"));
    assert!(line(ZooModel::TwoTower).contains("here NDCG@10 0.3500 (no ratings predicted)"));
    assert!(line(ZooModel::Deep).contains("here not on the board yet"));
    for model in COURSE_MODELS {
        let report = course_report(model).expect("every course model has its course's figure");
        assert!(line(model).contains(report.reported), "{}", model.name());
    }
}
