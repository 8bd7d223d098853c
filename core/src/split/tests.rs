//! Splits against hand-made ratings.

use super::*;

fn ratings(n: u32) -> Vec<Rating> {
    (0..n)
        .map(|i| Rating {
            user: i % 7,
            item: i,
            value: 1.0 + (i % 5) as f32,
            timestamp: i,
        })
        .collect()
}

#[test]
fn folds_are_disjoint_and_cover_everything() {
    let all = ratings(100);
    let mut tested = Vec::new();
    for k in 1..=5 {
        let split = make_split(&all, SplitKind::Fold(k), 0);
        assert_eq!((split.train.len(), split.test.len()), (80, 20));
        // Fold k tests file lines (k-1)*20+1 ..= k*20.
        let mut items: Vec<u32> = split.test.iter().map(|r| r.item).collect();
        items.sort();
        assert_eq!(
            items,
            ((k as u32 - 1) * 20..k as u32 * 20).collect::<Vec<_>>()
        );
        tested.extend(items);
        assert!(
            split
                .test
                .windows(2)
                .all(|w| (w[0].user, w[0].item) < (w[1].user, w[1].item))
        );
    }
    tested.sort();
    assert_eq!(tested, (0..100).collect::<Vec<_>>());
}

#[test]
fn ua_tests_each_users_first_ten_and_ub_the_next_ten() {
    let all: Vec<Rating> = (0..25)
        .map(|i| Rating {
            user: 0,
            item: i,
            value: 3.0,
            timestamp: 0,
        })
        .collect();
    let ua = make_split(&all, SplitKind::Ua, 0);
    assert_eq!(
        ua.test.iter().map(|r| r.item).collect::<Vec<_>>(),
        (0..10).collect::<Vec<_>>()
    );
    let ub = make_split(&all, SplitKind::Ub, 0);
    assert_eq!(
        ub.test.iter().map(|r| r.item).collect::<Vec<_>>(),
        (10..20).collect::<Vec<_>>()
    );
    assert_eq!(ub.train.len(), 15);
}

#[test]
fn temporal_split_holds_out_each_persons_latest_fifth() {
    let r = |user, item, timestamp| Rating {
        user,
        item,
        value: 3.0,
        timestamp,
    };
    // Person 0 rated 10 films at times 10, 9, …, 1; person 1 one film; person 2 two at once.
    let mut ratings: Vec<Rating> = (0..10).map(|i| r(0, i, 10 - i)).collect();
    ratings.push(r(1, 0, 5));
    ratings.extend([r(2, 0, 7), r(2, 1, 7)]);
    let split = make_split(&ratings, SplitKind::Temporal, 0);
    let test: Vec<(u32, u32)> = split.test.iter().map(|r| (r.user, r.item)).collect();
    assert_eq!(
        test,
        vec![(0, 0), (0, 1), (2, 1)],
        "latest two of ten; ties by file order"
    );
    assert_eq!(split.train.len(), 10);
    let latest_train = split
        .train
        .iter()
        .filter(|r| r.user == 0)
        .map(|r| r.timestamp)
        .max();
    assert_eq!(latest_train, Some(8));
}

#[test]
fn ratio_splits_are_seeded_partitions() {
    let all = ratings(1000);
    let split = make_split(&all, SplitKind::Random701515, 42);
    let sizes = (split.train.len(), split.validation.len(), split.test.len());
    assert!(
        sizes.0.abs_diff(700) < 45 && sizes.1.abs_diff(150) < 35 && sizes.2.abs_diff(150) < 35,
        "{sizes:?}"
    );
    for r in &split.validation {
        let at = pair_position(42, r.user, r.item);
        assert!((0.7..0.85).contains(&at), "{at}");
    }
    let again = make_split(&all, SplitKind::Random701515, 42);
    assert_eq!(split.test, again.test);
    let other = make_split(&all, SplitKind::Random701515, 43);
    assert_ne!(split.test, other.test);
    let mut items: Vec<u32> = split
        .train
        .iter()
        .chain(&split.validation)
        .chain(&split.test)
        .map(|r| r.item)
        .collect();
    items.sort();
    assert_eq!(items, (0..1000).collect::<Vec<_>>());
    let split = make_split(&all, SplitKind::Random80, 1);
    assert_eq!(split.train.len() + split.test.len(), 1000);
    assert!(split.test.len().abs_diff(200) < 40, "{}", split.test.len());
}

#[test]
fn pair_positions_are_splitmix64_of_the_packed_pair() {
    // Computed independently in Python with unbounded integers masked to 64 bits.
    let position = pair_position(7, 196, 242);
    assert_eq!(position, 0.8515781662921329);
    assert!((0.0..1.0).contains(&position));
    assert_ne!(
        pair_position(7, 242, 196),
        position,
        "user and item are not interchangeable"
    );
}

#[test]
fn holdout_only_carves_from_train() {
    let split = make_split(&ratings(1000), SplitKind::Fold(1), 0);
    let held = holdout(&split, 0.1, 5);
    assert_eq!((held.train.len(), held.validation.len()), (720, 80));
    assert_eq!(held.test, split.test);
    let mut items: Vec<u32> = held
        .train
        .iter()
        .chain(&held.validation)
        .map(|r| r.item)
        .collect();
    items.sort();
    let mut expected: Vec<u32> = split.train.iter().map(|r| r.item).collect();
    expected.sort();
    assert_eq!(items, expected);
}

#[test]
fn names_round_trip() {
    for kind in SplitKind::ALL {
        assert_eq!(SplitKind::parse(&kind.name()), Some(kind));
    }
    assert_eq!(
        SplitKind::Fold(3).files(),
        Some(("u3.base".into(), "u3.test".into()))
    );
    assert_eq!(SplitKind::Random80.files(), None);
}
