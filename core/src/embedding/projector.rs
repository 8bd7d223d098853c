//! The two files the TensorFlow Embedding Projector (projector.tensorflow.org, "Load") reads:
//! one row of tab-separated numbers per point, and a metadata table with one row per point in
//! the same order. With more than one metadata column the projector expects a header row, and
//! the vectors file has none.

use super::FilmVectors;
use crate::data::Dataset;
use crate::spreadsheet::text_cell;
use crate::stats::FilmRatings;

/// The film vectors, one line per film in dense (MovieLens id) order, `dim` values separated by
/// tabs. Values are written in Rust's shortest round-trip form, so the file reloads exactly.
pub fn vectors_tsv(films: &FilmVectors) -> String {
    let mut out = String::new();
    for item in 0..films.n_items() as u32 {
        let row: Vec<String> = films.row(item).iter().map(|v| v.to_string()).collect();
        out.push_str(&row.join("\t"));
        out.push('\n');
    }
    out
}

/// One line per film in the same order as [`vectors_tsv`], after the header
/// `title\tyear\tgenres\tcount\tmean rating`: genres joined with `|`, the number of ratings and
/// their mean with 2 decimals (both from `dataset.ratings`; the mean is empty for a film nobody
/// rated, the year empty when unknown).
pub fn metadata_tsv(dataset: &Dataset) -> String {
    let ratings = FilmRatings::of(dataset);
    let mut out = String::from("title\tyear\tgenres\tcount\tmean rating\n");
    for (i, film) in dataset.films.iter().enumerate() {
        let year = film.year.map(|y| y.to_string()).unwrap_or_default();
        let mean = ratings.means[i]
            .map(|m| format!("{m:.2}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}\t{year}\t{}\t{}\t{mean}\n",
            text_cell(&cell(&film.title)),
            text_cell(&cell(&film.genre_names(&dataset.genres).join("|"))),
            ratings.counts[i]
        ));
    }
    out
}

/// A field that cannot break the table: tabs and line breaks (any kind) become spaces.
fn cell(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\t' || c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::MovieLensFiles;

    fn flags(genres: &[usize]) -> String {
        (0..19)
            .map(|g| if genres.contains(&g) { "|1" } else { "|0" })
            .collect()
    }

    fn dataset() -> Dataset {
        let mut files = MovieLensFiles::new();
        files.insert(
            "u.data",
            b"1\t12\t5\t1\n1\t50\t4\t2\n2\t50\t5\t3\n2\t12\t4\t4\n2\t1\t2\t5\n".to_vec(),
        );
        // Film 1 has a tab in its title (u.item separates fields with '|') and no year; film 99
        // has no ratings, only the "unknown" genre and a title a spreadsheet would run.
        files.insert(
            "u.item",
            format!(
                "1|Toy\tStory|||{}\n12|Usual Suspects, The (1995)|||{}\n50|Star Wars (1977)|||{}\n99|=1+1 Nobody Saw It (2001)|||{}\n",
                flags(&[3, 4, 5]),
                flags(&[6, 16]),
                flags(&[1, 2, 14, 15, 17]),
                flags(&[0]),
            )
            .into_bytes(),
        );
        files.insert("u.user", b"1|30|F|artist|1\n2|40|M|writer|2\n".to_vec());
        Dataset::from_files(&files).unwrap()
    }

    #[test]
    fn both_files_have_one_row_per_film_in_the_same_order() {
        let dataset = dataset();
        let weights = crate::models::MfWeights {
            mean: 3.5,
            dim: 3,
            user_bias: vec![0.0; 2],
            item_bias: vec![0.0; 4],
            user_factors: vec![0.0; 6],
            item_factors: vec![
                0.5, -1.25, 3.0, //
                0.1, 0.0, -0.0, //
                1e-7, 2.0, 100.0, //
                -0.333, 0.25, 1.0,
            ],
        };
        let vectors = vectors_tsv(&FilmVectors::of(weights.item_factors.clone(), weights.dim));
        assert_eq!(
            vectors,
            "0.5\t-1.25\t3\n0.1\t0\t-0\n0.0000001\t2\t100\n-0.333\t0.25\t1\n"
        );
        // Every value reads back exactly.
        let back: Vec<f32> = vectors
            .split(['\t', '\n'])
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(back, weights.item_factors);

        let metadata = metadata_tsv(&dataset);
        assert_eq!(
            metadata,
            "title\tyear\tgenres\tcount\tmean rating\n\
             Toy Story\t\tAnimation|Children's|Comedy\t1\t2.00\n\
             Usual Suspects, The (1995)\t1995\tCrime|Thriller\t2\t4.50\n\
             Star Wars (1977)\t1977\tAction|Adventure|Romance|Sci-Fi|War\t2\t4.50\n\
             '=1+1 Nobody Saw It (2001)\t2001\tunknown\t0\t\n"
        );
        assert_eq!(metadata.lines().count(), vectors.lines().count() + 1);
        assert!(metadata.lines().all(|line| line.split('\t').count() == 5));
    }

    #[test]
    fn no_character_can_break_a_row() {
        assert_eq!(cell("a\tb\nc\r\nd\u{2028}e\u{85}f"), "a b c  d e f");
        assert_eq!(cell("Cité des enfants perdus"), "Cité des enfants perdus");
    }
}
