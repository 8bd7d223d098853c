//! The visitor's ratings as this browser keeps them (the JSON of [`Profile`]), read back with
//! every entry checked: a stored copy can be damaged, edited by hand or written by another
//! version of the page, and an entry that is not a film id with 0.5–5 stars is left out and named,
//! never used.

use std::collections::HashSet;

use serde_json::Value;

use super::{Profile, VisitorRating, is_stars};

/// A stored profile as read back: the valid ratings, and what was left out and why.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProfile {
    pub profile: Profile,
    pub dropped: Vec<String>,
}

impl Profile {
    /// The JSON this profile is stored as.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored profile; `Err` when it is not a profile at all (then nothing of it can be
    /// used, and the caller keeps the text aside before writing anything over it).
    pub fn from_stored(text: &str) -> Result<StoredProfile, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let entries = value
            .get("ratings")
            .and_then(Value::as_array)
            .ok_or("there is no list of ratings")?;
        let mut kept: Vec<VisitorRating> = Vec::with_capacity(entries.len());
        let mut dropped = Vec::new();
        for (n, entry) in entries.iter().enumerate() {
            match rating_of(entry) {
                Ok(rating) => kept.push(rating),
                Err(why) => dropped.push(format!("entry {}: {why}", n + 1)),
            }
        }
        // Most recent last, one per film: a later entry for a film replaces an earlier one.
        let mut seen = HashSet::new();
        let mut ratings: Vec<VisitorRating> = kept
            .into_iter()
            .rev()
            .filter(|r| seen.insert(r.item_id))
            .collect();
        ratings.reverse();
        Ok(StoredProfile {
            profile: Profile { ratings },
            dropped,
        })
    }
}

fn rating_of(entry: &Value) -> Result<VisitorRating, String> {
    let number = |key: &str| entry.get(key).and_then(Value::as_u64);
    let item_id = number("item_id")
        .filter(|&id| id > 0 && id <= u32::MAX as u64)
        .ok_or_else(|| format!("no film id in {entry}"))?;
    let rating = entry
        .get("rating")
        .and_then(Value::as_f64)
        .filter(|&stars| is_stars(stars))
        .ok_or_else(|| {
            format!(
                "{} is not 0.5–5 stars (film {item_id})",
                entry.get("rating").unwrap_or(&Value::Null)
            )
        })?;
    Ok(VisitorRating {
        item_id: item_id as u32,
        rating: rating as f32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_profile_reads_back_exactly() {
        let mut p = Profile::default();
        p.rate(50, 5.0);
        p.rate(12, 1.0);
        let back = Profile::from_stored(&p.to_stored()).unwrap();
        assert_eq!(
            back,
            StoredProfile {
                profile: p,
                dropped: Vec::new()
            }
        );
    }

    #[test]
    fn entries_that_are_not_ratings_are_left_out_and_named() {
        let text = r#"{"ratings":[{"item_id":50,"rating":5},{"item_id":12,"rating":9},
            {"item_id":7,"rating":0},{"item_id":-3,"rating":4},{"item_id":8,"rating":2.25},
            {"item_id":50,"rating":3},"junk"]}"#;
        let back = Profile::from_stored(text).unwrap();
        assert_eq!(
            back.profile.ratings,
            vec![VisitorRating {
                item_id: 50,
                rating: 3.0
            }]
        );
        assert_eq!(
            back.dropped,
            vec![
                "entry 2: 9 is not 0.5–5 stars (film 12)",
                "entry 3: 0 is not 0.5–5 stars (film 7)",
                "entry 4: no film id in {\"item_id\":-3,\"rating\":4}",
                "entry 5: 2.25 is not 0.5–5 stars (film 8)",
                "entry 7: no film id in \"junk\"",
            ]
        );
    }

    #[test]
    fn text_that_is_no_profile_is_an_error() {
        assert!(Profile::from_stored("{not json").is_err());
        assert_eq!(
            Profile::from_stored("{\"ratings\":5}").unwrap_err(),
            "there is no list of ratings"
        );
        assert!(Profile::from_stored("[]").is_err());
    }
}
