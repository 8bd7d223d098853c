//! The visitor's own ratings: kept in MovieLens item ids (stable across datasets and reloads),
//! exported as CSV (`item_id,title,rating`) or JSON, and imported back with every problem named.

mod stored;

pub use stored::StoredProfile;

use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::spreadsheet::text_cell;

/// One film the visitor rated, in stars: 1–5, or 0.5–5 in halves where the data has half
/// stars. Stars, not the data's own scale, so the widget and a person's exports read the same on
/// every data set; [`Profile::dense`] puts them on the data's scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VisitorRating {
    /// MovieLens item id.
    pub item_id: u32,
    pub rating: f32,
}

/// Whether `stars` is a rating a person can give: 0.5–5 in halves.
pub fn is_stars(stars: f64) -> bool {
    (0.5..=5.0).contains(&stars) && (stars * 2.0).fract() == 0.0
}

/// The visitor's ratings, most recent last; at most one per film.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub ratings: Vec<VisitorRating>,
}

/// What is wrong with an imported file, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct JsonRating {
    item_id: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    rating: f64,
}

#[derive(Serialize, Deserialize)]
struct JsonProfile {
    ratings: Vec<JsonRating>,
}

fn problem(line: Option<usize>, message: impl Into<String>) -> ImportProblem {
    ImportProblem {
        line,
        message: message.into(),
    }
}

impl Profile {
    /// Sets (or replaces) a film's rating; the film moves to the end (most recent).
    pub fn rate(&mut self, item_id: u32, rating: f32) {
        self.remove(item_id);
        self.ratings.push(VisitorRating { item_id, rating });
    }

    pub fn remove(&mut self, item_id: u32) {
        self.ratings.retain(|r| r.item_id != item_id);
    }

    pub fn rating_of(&self, item_id: u32) -> Option<f32> {
        self.ratings
            .iter()
            .find(|r| r.item_id == item_id)
            .map(|r| r.rating)
    }

    /// The ratings in dense ids, for the models; films the dataset does not know are skipped.
    pub fn dense(&self, dataset: &Dataset) -> Vec<(u32, f32)> {
        self.ratings
            .iter()
            .filter_map(|r| {
                let item = dataset.item_of(r.item_id)?;
                Some((item, dataset.scale.from_stars(r.rating)))
            })
            .collect()
    }

    /// The ratings as CSV; a title a spreadsheet would run as a formula is written as text.
    pub fn to_csv(&self, dataset: &Dataset) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(["item_id", "title", "rating"])
            .expect("writing to memory");
        for r in &self.ratings {
            writer
                .write_record([
                    r.item_id.to_string(),
                    text_cell(&title_of(dataset, r.item_id)).into_owned(),
                    r.rating.to_string(),
                ])
                .expect("writing to memory");
        }
        String::from_utf8(writer.into_inner().expect("writing to memory")).expect("CSV of UTF-8")
    }

    pub fn to_json(&self, dataset: &Dataset) -> String {
        let json = JsonProfile {
            ratings: self
                .ratings
                .iter()
                .map(|r| JsonRating {
                    item_id: r.item_id,
                    title: Some(title_of(dataset, r.item_id)),
                    rating: r.rating as f64,
                })
                .collect(),
        };
        serde_json::to_string_pretty(&json).expect("plain data serialises")
    }

    /// Reads a CSV or JSON export (the format is told by its first character). Either every line
    /// is good and the whole profile comes back, or every problem found is listed and nothing is
    /// taken.
    pub fn import(bytes: &[u8], dataset: &Dataset) -> Result<Profile, Vec<ImportProblem>> {
        if bytes.contains(&0) {
            return Err(vec![problem(
                None,
                "this is not a text file (it holds binary data)",
            )]);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return Err(vec![problem(None, "this is not UTF-8 text")]);
        };
        let text = text.trim_start_matches('\u{feff}');
        let rows = if text.trim_start().starts_with(['{', '[']) {
            json_rows(text)?
        } else {
            csv_rows(text)?
        };
        let mut problems = Vec::new();
        let mut profile = Profile::default();
        for (line, item_id, rating) in rows {
            if dataset.item_of(item_id).is_none() {
                problems.push(problem(line, format!("no film has item_id {item_id}")));
            } else if !is_stars(rating) {
                problems.push(problem(
                    line,
                    format!("rating {rating} is not a number of stars from 0.5 to 5 in halves"),
                ));
            } else if profile.rating_of(item_id).is_some() {
                problems.push(problem(line, format!("item_id {item_id} is rated twice")));
            } else {
                profile.rate(item_id, rating as f32);
            }
        }
        if problems.is_empty() {
            Ok(profile)
        } else {
            Err(problems)
        }
    }
}

fn title_of(dataset: &Dataset, item_id: u32) -> String {
    dataset
        .item_of(item_id)
        .map(|i| dataset.films[i as usize].title.clone())
        .unwrap_or_default()
}

type Row = (Option<usize>, u32, f64);

fn csv_rows(text: &str) -> Result<Vec<Row>, Vec<ImportProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| vec![problem(Some(1), format!("unreadable header: {e}"))])?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(id_at), Some(rating_at)) = (column("item_id"), column("rating")) else {
        return Err(vec![problem(
            Some(1),
            format!(
                "the header must name the columns item_id,title,rating (found: {})",
                header.iter().collect::<Vec<_>>().join(",")
            ),
        )]);
    };
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize);
                problems.push(problem(line, format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        let id = record.get(id_at).unwrap_or("");
        let rating = record.get(rating_at).unwrap_or("");
        match (id.parse::<u32>(), rating.parse::<f64>()) {
            (Ok(id), Ok(rating)) => rows.push((line, id, rating)),
            (Err(_), _) => problems.push(problem(line, format!("item_id {id:?} is not a number"))),
            (_, Err(_)) => {
                problems.push(problem(line, format!("rating {rating:?} is not a number")))
            }
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(None, "the file holds no ratings"));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn json_rows(text: &str) -> Result<Vec<Row>, Vec<ImportProblem>> {
    let parsed: Result<JsonProfile, _> = serde_json::from_str(text).or_else(|_| {
        serde_json::from_str::<Vec<JsonRating>>(text).map(|ratings| JsonProfile { ratings })
    });
    match parsed {
        Ok(profile) if profile.ratings.is_empty() => {
            Err(vec![problem(None, "the file holds no ratings")])
        }
        Ok(profile) => Ok(profile
            .ratings
            .into_iter()
            .map(|r| (None, r.item_id, r.rating))
            .collect()),
        Err(e) => Err(vec![problem(
            Some(e.line()),
            format!(
                "not a ratings file: expected {{\"ratings\": [{{\"item_id\": 50, \"rating\": 5}}, …]}} ({e})"
            ),
        )]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset() -> Dataset {
        let films = [(12, "Usual Suspects, The (1995)"), (50, "Star Wars (1977)")];
        crate::testing::tiny_dataset("1\t12\t5\t1\n1\t50\t4\t2\n", &films, "1|30|F|artist|1\n")
    }

    fn profile() -> Profile {
        let mut p = Profile::default();
        p.rate(50, 5.0);
        p.rate(12, 3.0);
        p
    }

    #[test]
    fn rating_again_replaces_and_moves_to_the_end() {
        let mut p = profile();
        p.rate(50, 2.0);
        assert_eq!(
            p.ratings,
            vec![
                VisitorRating {
                    item_id: 12,
                    rating: 3.0
                },
                VisitorRating {
                    item_id: 50,
                    rating: 2.0
                }
            ]
        );
        p.remove(12);
        assert_eq!(p.rating_of(12), None);
        assert_eq!(p.dense(&dataset()), vec![(1, 2.0)]);
    }

    #[test]
    fn stars_reach_the_models_on_the_data_scale() {
        let mut d = dataset();
        d.scale = crate::data::RatingScale {
            min: 1.0,
            max: 10.0,
            step: 1.0,
            implicit: false,
        };
        let mut p = Profile::default();
        p.rate(50, 5.0);
        p.rate(12, 3.0);
        assert_eq!(p.dense(&d), vec![(1, 10.0), (0, 5.5)]);
        d.scale = crate::data::RatingScale::IMPLICIT;
        assert_eq!(p.dense(&d), vec![(1, 1.0), (0, 1.0)]);
    }

    #[test]
    fn csv_and_json_exports_import_back_unchanged() {
        let d = dataset();
        let csv = profile().to_csv(&d);
        assert_eq!(
            csv,
            "item_id,title,rating\n50,Star Wars (1977),5\n12,\"Usual Suspects, The (1995)\",3\n"
        );
        assert_eq!(Profile::import(csv.as_bytes(), &d), Ok(profile()));
        let json = profile().to_json(&d);
        assert!(json.contains("\"title\": \"Usual Suspects, The (1995)\""));
        assert_eq!(Profile::import(json.as_bytes(), &d), Ok(profile()));
        // A bare array and a header in another order are fine too.
        let bare = br#"[{"item_id": 12, "rating": 3}]"#;
        assert_eq!(Profile::import(bare, &d).unwrap().rating_of(12), Some(3.0));
        let halves = b"item_id,rating\n50,3.5\n12,0.5\n";
        let halves = Profile::import(halves, &d).unwrap();
        assert_eq!(halves.rating_of(50), Some(3.5));
        assert_eq!(
            halves.to_csv(&d),
            "item_id,title,rating\n50,Star Wars (1977),3.5\n12,\"Usual Suspects, The (1995)\",0.5\n"
        );
        let quarter = Profile::import(b"item_id,rating\n50,3.25\n", &d).unwrap_err();
        assert!(
            quarter[0].message.contains("0.5 to 5 in halves"),
            "{quarter:?}"
        );
        let reordered = b"rating,item_id\n4,50\n";
        assert_eq!(
            Profile::import(reordered, &d).unwrap().rating_of(50),
            Some(4.0)
        );
    }

    #[test]
    fn a_title_that_is_a_formula_goes_out_as_text_and_comes_back_unchanged() {
        let films = [(7, "=HYPERLINK(\"http://evil.example\",\"y\") (1995)")];
        let d = crate::testing::tiny_dataset("1\t7\t5\t1\n", &films, "1|30|F|artist|1\n");
        let mut p = Profile::default();
        p.rate(7, 4.0);
        let csv = p.to_csv(&d);
        assert_eq!(
            csv,
            "item_id,title,rating\n7,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"y\"\") (1995)\",4\n"
        );
        assert_eq!(Profile::import(csv.as_bytes(), &d), Ok(p));
    }

    #[test]
    fn bad_files_name_every_problem_by_line() {
        let d = dataset();
        let bad = b"item_id,title,rating\n50,Star Wars,6\n999,Nope,3\nx,Y,2\n12,U,3\n12,U,4\n";
        let problems = Profile::import(bad, &d).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            text,
            vec!["line 4: item_id \"x\" is not a number",],
            "parse problems are reported before content problems"
        );
        let bad = b"item_id,title,rating\n50,Star Wars,6\n999,Nope,3\n12,U,3\n12,U,4\n";
        let text: Vec<String> = Profile::import(bad, &d)
            .unwrap_err()
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(
            text,
            vec![
                "line 2: rating 6 is not a number of stars from 0.5 to 5 in halves",
                "line 3: no film has item_id 999",
                "line 5: item_id 12 is rated twice",
            ]
        );
        let wrong_columns = Profile::import(b"user,film,stars\n1,2,3\n", &d).unwrap_err();
        assert!(
            wrong_columns[0]
                .to_string()
                .starts_with("line 1: the header must name")
        );
        let binary = Profile::import(b"PK\x03\x04\x00\x00junk", &d).unwrap_err();
        assert!(binary[0].message.contains("not a text file"));
        assert!(Profile::import(b"{\"ratings\": 5}", &d).is_err());
        assert!(Profile::import(b"item_id,title,rating\n", &d).is_err());
        assert!(Profile::import(b"\xff\xfe4", &d).is_err());
    }
}
