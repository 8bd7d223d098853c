//! Bundles written and read back, opened on their data and refused on other data.

use super::*;
use crate::data::synthetic::{Layout, Shape, files};

fn dataset(seed: u64) -> Dataset {
    let shape = Shape {
        seed,
        ..Shape::small(3_000)
    };
    Dataset::from_files(&files(Layout::MlCsv, shape)).unwrap()
}

fn weights(d: &Dataset, rank: usize) -> MfWeights {
    let value = |k: usize| (k % 7) as f32 * 0.25 - 0.5;
    MfWeights {
        mean: 3.5,
        dim: rank,
        user_bias: (0..d.n_users()).map(value).collect(),
        item_bias: (0..d.n_items()).map(|k| value(k + 3)).collect(),
        user_factors: (0..d.n_users() * rank).map(value).collect(),
        item_factors: (0..d.n_items() * rank).map(|k| value(k + 1)).collect(),
    }
}

fn info(d: &Dataset) -> BundleInfo {
    BundleInfo {
        model: "als".into(),
        label: "ALS".into(),
        settings: BTreeMap::from([("rank".to_string(), serde_json::json!(4))]),
        metrics: BundleMetrics {
            rmse: Some(0.93),
            ..Default::default()
        },
        split: "random80:42".into(),
        dataset: BundleDataset::of(d),
    }
}

#[test]
fn a_bundle_reads_back_as_written_and_opens_on_its_data() {
    let d = dataset(1);
    let w = weights(&d, 4);
    let bundle = ModelBundle::of_weights(&w, &d, info(&d));
    let back = ModelBundle::from_bytes(&bundle.to_bytes()).unwrap();
    assert_eq!(back, bundle);
    assert_eq!(back.info.dataset.fingerprint.len(), 16);
    let (opened, found) = back.weights_for(&d).unwrap();
    assert_eq!(opened, w);
    assert!(found.same_ratings);
    assert_eq!(
        (found.items_found, found.items_in_bundle, found.users_found),
        (d.n_items(), d.n_items(), d.n_users())
    );
}

#[test]
fn ids_are_matched_not_positions() {
    // A bundle whose rows come in reverse id order, without biases or mean (Spark's ALS).
    let d = dataset(1);
    let w = weights(&d, 3);
    let mut bundle = ModelBundle::of_weights(&w, &d, info(&d));
    let reverse = |ids: &mut Vec<i64>, rows: &mut Vec<f32>| {
        ids.reverse();
        let mut chunks: Vec<Vec<f32>> = rows.chunks(3).map(<[f32]>::to_vec).collect();
        chunks.reverse();
        *rows = chunks.concat();
    };
    reverse(&mut bundle.item_ids, &mut bundle.item_factors);
    reverse(&mut bundle.user_ids, &mut bundle.user_factors);
    (bundle.item_bias, bundle.user_bias, bundle.global_mean) = (None, None, None);
    let (opened, _) = ModelBundle::from_bytes(&bundle.to_bytes())
        .unwrap()
        .weights_for(&d)
        .unwrap();
    assert_eq!(opened.item_factors, w.item_factors);
    assert_eq!(opened.user_factors, w.user_factors);
    assert_eq!((opened.mean, opened.item_bias[0]), (0.0, 0.0));
}

#[test]
fn other_data_and_broken_files_are_refused_with_reasons() {
    let d = dataset(1);
    let bundle = ModelBundle::of_weights(&weights(&d, 2), &d, info(&d));
    // Other ids altogether: a bundle of films 1,000,000 and up.
    let mut foreign = bundle.clone();
    foreign.item_ids.iter_mut().for_each(|id| *id += 1_000_000);
    foreign.info.dataset.fingerprint = "0".repeat(16);
    let why = foreign.weights_for(&d).unwrap_err().0;
    assert!(why.contains("only 0 of the model's"), "{why}");
    assert!(why.contains("Load the data set it was trained on"), "{why}");

    let why = |bytes: &[u8]| ModelBundle::from_bytes(bytes).unwrap_err().0;
    assert!(why(b"userId,movieId\n1,2\n").contains("not a model bundle"));
    let bytes = bundle.to_bytes();
    assert!(why(&bytes[..bytes.len() / 2]).contains("not a model bundle"));
    // A safetensors file of something else.
    let data = [0u8; 8];
    let view = TensorView::new(Dtype::F32, vec![2], &data).unwrap();
    let other = safetensors::serialize([("weight", view)], None).unwrap();
    assert!(why(&other).contains("not a filmspace model"));
    // The right format with a tensor of the wrong shape.
    let mut short = bundle.clone();
    short.item_factors.truncate(2);
    let broken = std::panic::catch_unwind(|| short.to_bytes());
    assert!(
        broken.is_err(),
        "a bundle is never written with mismatched shapes"
    );
}

#[test]
fn the_digest_ignores_order_but_not_ratings() {
    let d = dataset(1);
    let mut shuffled = d.clone();
    shuffled.ratings.reverse();
    assert_eq!(ratings_digest(&shuffled), ratings_digest(&d));
    let mut changed = d.clone();
    changed.ratings[0].value += 1.0;
    assert_ne!(ratings_digest(&changed), ratings_digest(&d));
    // One rating's hash, computed independently in Python (unbounded ints masked to 64 bits).
    assert_eq!(digest::rating_hash(196, 242, 3.0), 0x3b23_07f6_b5e3_63ff);
}

/// A release whose ratings are too many for the tab: its film list alone, and a model trained
/// elsewhere on all of it, recommend the very films the model recommends on the whole data.
#[test]
fn a_film_list_alone_and_a_bundle_recommend_as_the_whole_data_does() {
    use crate::data::synthetic::{declaring, zip};
    use crate::models::{AlsConfig, fit_als};
    use crate::protocol::{ReadReply, ReadRequest};
    use crate::recommend::{
        BlendWeights, Catalogue, Ranking, Reason, Served, onboarding_order_by_counts,
    };

    let shape = Shape {
        items: 400,
        ..Shape::small(3_000)
    };
    let whole = Dataset::from_files(&files(Layout::MlCsv, shape)).unwrap();
    let archive = declaring(zip(Layout::MlCsv, shape), "ratings.csv", 3 << 30);
    let request = ReadRequest {
        name: "ml-32m.zip".into(),
        size: archive.len() as u64,
        columns: None,
        catalogue_only: false,
    };
    let ReadReply::TooLargeButCatalogue(why) = ReadReply::of(&request, archive.clone()) else {
        panic!("the ratings are refused for their size, the film list offered")
    };
    assert!(
        why.contains("ml-csv/ratings.csv declares 3 GiB uncompressed"),
        "{why}"
    );
    let alone = ReadRequest {
        catalogue_only: true,
        ..request
    };
    let ReadReply::Loaded(packed) = ReadReply::of(&alone, archive.clone()) else {
        panic!("the film list alone is read")
    };
    let films = Dataset::unpack(*packed).unwrap();
    assert!(films.is_catalogue_only() && !whole.is_catalogue_only());
    assert_eq!((films.n_users(), films.ratings.len()), (0, 0));
    // Every film of movies.csv, rated or not: dense ids differ from the whole data's.
    assert!(
        films.n_items() > whole.n_items(),
        "{} films",
        films.n_items()
    );
    assert_eq!((films.release, films.scale), (whole.release, whole.scale));

    let config = AlsConfig {
        rank: 8,
        iterations: 5,
        ..AlsConfig::default()
    };
    let trained = fit_als(&whole.index(&whole.ratings), config);
    let bundle = ModelBundle::from_bytes(
        &ModelBundle::of_weights(&trained, &whole, info(&whole)).to_bytes(),
    )
    .unwrap();
    let top_ids = |d: &Dataset| -> Vec<(u32, Vec<Reason>)> {
        let (weights, found) = bundle.weights_for(d).unwrap();
        assert_eq!(found.items_found, whole.n_items());
        let counts = bundle.counts_for(d).unwrap();
        let catalogue = Catalogue::of_counts(counts, d.scale);
        let served = Served::Linear(weights);
        // A fan of the most rated film, who dislikes the second.
        let by_count = onboarding_order_by_counts(d, &catalogue.counts);
        let rated = vec![(by_count[0], 5.0), (by_count[1], 1.0)];
        let blend = BlendWeights::serving(Some(&served));
        let ranking = Ranking::new(&catalogue, Some(&served), &rated, blend);
        ranking
            .top(10, |_| true)
            .into_iter()
            .map(|rec| {
                let reasons = rec
                    .reasons
                    .into_iter()
                    .map(|r| match r {
                        Reason::Rated { item, rating } => Reason::Rated {
                            item: d.films[item as usize].id,
                            rating,
                        },
                        popular => popular,
                    })
                    .collect();
                (d.films[rec.item as usize].id, reasons)
            })
            .collect()
    };
    let on_films = top_ids(&films);
    assert_eq!(on_films.len(), 10);
    assert_eq!(on_films, top_ids(&whole));
}
