//! A request's rating columns travel beside its JSON as one buffer of little-endian words, moved
//! to the worker rather than written and parsed as text: encoding and decoding a u1 fit's
//! request (its 100,000 ratings and, then, every side feature) took about 50 ms on the page and in
//! the worker before every fit, and the ratings' share grows with the data.
//!
//! Layout: the number of column sets, each set's length, then each set's users, items and
//! values (`u32`, `u32`, `f32`), in the request's order (train, validation, test).

use super::Request;
use crate::train::RatingColumns;

const WORD: usize = 4;
// The columns' own bytes are their little-endian words on every target the page and its tests run.
const _: () = assert!(cfg!(target_endian = "little"));

impl Request {
    /// The rating columns this request carries beside its JSON, in their fixed order.
    fn rating_columns_mut(&mut self) -> Vec<&mut RatingColumns> {
        match self {
            Request::Fit(fit) => vec![&mut fit.train, &mut fit.validation, &mut fit.test],
            Request::Measure(measure) => vec![&mut measure.train, &mut measure.validation],
            _ => Vec::new(),
        }
    }

    /// The (users, items) every id of the columns must be below.
    fn id_bounds(&self) -> (usize, usize) {
        match self {
            Request::Fit(fit) => fit.sizes,
            Request::Measure(measure) => measure.sizes,
            _ => (0, 0),
        }
    }

    /// Takes the request's rating columns out, packed for sending beside its JSON (`None` for a
    /// request without ratings). The sender encodes what is left.
    pub fn take_ratings(&mut self) -> Option<Vec<u8>> {
        let sets: Vec<RatingColumns> = self
            .rating_columns_mut()
            .into_iter()
            .map(std::mem::take)
            .collect();
        if sets.is_empty() {
            return None;
        }
        let words = 1 + sets.len() + sets.iter().map(|s| 3 * s.len()).sum::<usize>();
        let mut bytes = Vec::with_capacity(words * WORD);
        bytes.extend_from_slice(&(sets.len() as u32).to_le_bytes());
        for set in &sets {
            bytes.extend_from_slice(&(set.len() as u32).to_le_bytes());
        }
        for set in &sets {
            bytes.extend_from_slice(bytemuck::cast_slice(&set.users));
            bytes.extend_from_slice(bytemuck::cast_slice(&set.items));
            bytes.extend_from_slice(bytemuck::cast_slice(&set.values));
        }
        Some(bytes)
    }

    /// Puts back the columns [`Self::take_ratings`] packed. A buffer of another shape, an id
    /// past the data set's or a rating that is not a number is refused: a damaged message fails
    /// its job instead of indexing out of bounds in a model.
    pub fn put_ratings(&mut self, bytes: &[u8]) -> Result<(), String> {
        let (n_users, n_items) = self.id_bounds();
        let mut targets = self.rating_columns_mut();
        if targets.is_empty() {
            return Ok(());
        }
        let damaged = |why: &str| format!("ratings that do not fit the request ({why})");
        if !bytes.len().is_multiple_of(WORD) {
            return Err(damaged("cut short"));
        }
        let mut words = bytes
            .chunks_exact(WORD)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
        if words.next() != Some(targets.len() as u32) {
            return Err(damaged("another number of column sets"));
        }
        let lengths: Vec<usize> = words
            .by_ref()
            .take(targets.len())
            .map(|n| n as usize)
            .collect();
        let expected = 1 + targets.len() + 3 * lengths.iter().sum::<usize>();
        if lengths.len() != targets.len() || bytes.len() != expected * WORD {
            return Err(damaged("another length"));
        }
        let mut at = (1 + targets.len()) * WORD;
        let mut column = |n: usize| {
            let words = &bytes[at..at + n * WORD];
            at += n * WORD;
            words
        };
        for (target, &n) in targets.iter_mut().zip(&lengths) {
            let users: Vec<u32> = bytemuck::pod_collect_to_vec(column(n));
            let items: Vec<u32> = bytemuck::pod_collect_to_vec(column(n));
            let values: Vec<f32> = bytemuck::pod_collect_to_vec(column(n));
            if users.iter().any(|&u| u as usize >= n_users) {
                return Err(damaged("a person the data set does not have"));
            }
            if items.iter().any(|&i| i as usize >= n_items) {
                return Err(damaged("a film the data set does not have"));
            }
            if values.iter().any(|v| !v.is_finite()) {
                return Err(damaged("a rating that is not a number"));
            }
            **target = RatingColumns {
                users,
                items,
                values,
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FitRequest, MeasureRequest, Request, decode, encode};
    use crate::data::Dataset;
    use crate::data::synthetic::{Layout, Shape, files};
    use crate::split::Split;
    use crate::train::RatingColumns;
    use crate::zoo::ZooModel;

    /// 2,000 generated ratings in ML-100K's layout, cut 80/10/10.
    fn data_and_split() -> (Dataset, Split) {
        let data = Dataset::from_files(&files(Layout::Ml100k, Shape::small(2_000))).unwrap();
        let split = Split::by_ratio(&data.ratings, [0.8, 0.1, 0.1], 7);
        (data, split)
    }

    fn fit_request() -> Request {
        let (data, split) = data_and_split();
        Request::Fit(Box::new(FitRequest::new(ZooModel::Mf, &data, &split, 7)))
    }

    fn columns(request: &Request) -> Vec<RatingColumns> {
        match request {
            Request::Fit(fit) => vec![fit.train.clone(), fit.validation.clone(), fit.test.clone()],
            _ => panic!("a fit"),
        }
    }

    #[test]
    fn a_fit_request_travels_as_json_and_its_ratings_beside_it_exactly() {
        let sent = fit_request();
        let mut request = sent.clone();
        let bytes = request.take_ratings().expect("a fit carries ratings");
        // 3 sets of (user, item, value) words and a header of four words.
        assert_eq!(bytes.len(), (4 + 3 * 2_000) * 4);
        let text = encode(5, &request);
        let with_ratings = encode(5, &sent);
        assert!(text.contains(r#""train":{"users":[],"items":[],"values":[]}"#));
        assert!(
            text.len() + 2_000 * 8 < with_ratings.len(),
            "{} {}",
            text.len(),
            with_ratings.len()
        );
        let mut received = decode::<Request>(&text).unwrap().body;
        assert!(columns(&received).iter().all(RatingColumns::is_empty));
        received.put_ratings(&bytes).unwrap();
        let (sent, received) = (columns(&sent), columns(&received));
        assert_eq!(sent.iter().map(RatingColumns::len).sum::<usize>(), 2_000);
        assert_eq!(received, sent);
    }

    #[test]
    fn only_the_models_that_learn_from_side_features_are_sent_them() {
        let (data, split) = data_and_split();
        for model in ZooModel::ALL.into_iter().filter(|m| m.trainable()) {
            let features = FitRequest::new(model, &data, &split, 7).features;
            let expected = model.uses_side_features();
            assert_eq!(
                features.user_dim > 0 && features.item_dim > 0,
                expected,
                "{model:?}"
            );
            assert_eq!(features.user.is_empty(), !expected, "{model:?}");
        }
    }

    #[test]
    fn damaged_ratings_are_refused_with_a_reason() {
        let mut request = fit_request();
        let bytes = request.take_ratings().unwrap();
        let refused = |bytes: &[u8]| request.clone().put_ratings(bytes).unwrap_err();
        assert!(refused(&bytes[..bytes.len() - 4]).contains("another length"));
        assert!(refused(&bytes[..bytes.len() - 1]).contains("cut short"));
        assert!(refused(&[]).contains("another number of column sets"));
        // The first training rating's user (just past the header) made one past the last person.
        let mut foreign = bytes.clone();
        let Request::Fit(fit) = &request else {
            unreachable!()
        };
        foreign[16..20].copy_from_slice(&(fit.sizes.0 as u32).to_le_bytes());
        assert!(refused(&foreign).contains("a person the data set does not have"));
        let mut not_a_number = bytes.clone();
        let first_value = 16 + 2 * 4 * fit_train_len(&bytes);
        not_a_number[first_value..first_value + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(refused(&not_a_number).contains("not a number"));
        assert!(request.clone().put_ratings(&bytes).is_ok());
    }

    fn fit_train_len(bytes: &[u8]) -> usize {
        u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize
    }

    #[test]
    fn a_measure_request_carries_two_sets_and_other_requests_none() {
        let mut measure = Request::Measure(MeasureRequest {
            train: RatingColumns {
                users: vec![0, 1],
                items: vec![1, 0],
                values: vec![4.0, 2.5],
            },
            validation: RatingColumns::default(),
            sizes: (2, 2),
            gpu: false,
        });
        let bytes = measure.take_ratings().unwrap();
        assert_eq!(bytes.len(), (3 + 6) * 4);
        measure.put_ratings(&bytes).unwrap();
        let Request::Measure(back) = &measure else {
            unreachable!()
        };
        assert_eq!(back.train.values, vec![4.0, 2.5]);
        assert!(back.validation.is_empty());
        assert_eq!(Request::WarmUp.take_ratings(), None);
        assert!(Request::WarmUp.put_ratings(&[]).is_ok());
    }
}
