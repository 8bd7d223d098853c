//! The large releases' ratings files (`ratings.dat` of ML-1M/10M, `ratings.csv` of ML-20M…32M)
//! parsed line by line as they are unzipped, so their text (678 MB for ML-25M) is never held:
//! only the parsed rows are. The rows and every error are the same as the whole-text readers'.

use std::io::BufRead;

use super::RawRating;
use super::dat::rating_row;
use super::movielens_csv::RATINGS_HEADER;
use crate::data::error::DataError;
use crate::data::limits::{MAX_RATINGS, human_count};
use crate::data::progress::row_parsed;

/// How a streamed ratings file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamedLayout {
    separator: &'static str,
    /// The first line, when the layout has one.
    header: Option<&'static str>,
    /// How errors call the user and item columns and the whole row.
    names: [&'static str; 3],
}

const DAT: StreamedLayout = StreamedLayout {
    separator: "::",
    header: None,
    names: super::dat::RATING_NAMES,
};

const CSV: StreamedLayout = StreamedLayout {
    separator: ",",
    header: Some(RATINGS_HEADER),
    names: super::movielens_csv::RATING_NAMES,
};

/// The layout of an archive's entry `name` whose text starts with `head`, when it is a release's
/// ratings file; a `ratings.csv` without the releases' header is a person's own file, read whole.
pub fn streamed_layout(name: &str, head: &[u8]) -> Option<StreamedLayout> {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match name {
        "ratings.dat" => Some(DAT),
        "ratings.csv" if head.starts_with(RATINGS_HEADER.as_bytes()) => Some(CSV),
        _ => None,
    }
}

/// Parses `file` (`declared` bytes once unzipped) from `reader`, line by line. Blank lines at the
/// end are fine; one between rows is the error it is in the whole-text readers. More rows than
/// [`MAX_RATINGS`] are refused as too large for the page.
pub fn parse(
    file: &str,
    mut reader: impl BufRead,
    layout: StreamedLayout,
    declared: u64,
) -> Result<Vec<RawRating>, DataError> {
    let mut rows = Vec::with_capacity(expected_rows(&mut reader, declared));
    let mut line = Vec::with_capacity(256);
    let (mut number, mut offset) = (0usize, 0u64);
    // The first blank line not yet followed by a row: an error only if a row follows.
    let mut blank_at: Option<usize> = None;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| DataError::file(file, format!("cannot be decompressed ({e})")))?;
        if read == 0 {
            // The first lines are a guess at the rest (short ids come first): give back what
            // the guess took too much (the allocator shrinks in place).
            rows.shrink_to_fit();
            return Ok(rows);
        }
        number += 1;
        offset += read as u64;
        let mut bytes = line.as_slice();
        if number == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        let text = std::str::from_utf8(bytes)
            .map_err(|_| DataError::line(file, number, "is not UTF-8 text"))?;
        if number == 1
            && let Some(header) = layout.header
        {
            if text != header {
                let why = format!("the first line should be the header {header}");
                return Err(DataError::line(file, 1, why));
            }
            continue;
        }
        if text.is_empty() {
            blank_at.get_or_insert(number);
            continue;
        }
        if let Some(blank) = blank_at {
            return Err(rating_row(file, blank, "", layout.separator, layout.names).unwrap_err());
        }
        if rows.len() as u64 == MAX_RATINGS {
            return Err(DataError::too_large(
                file,
                format!(
                    "holds more than the {} ratings this page reads (a browser tab's memory)",
                    human_count(MAX_RATINGS)
                ),
            ));
        }
        rows.push(rating_row(
            file,
            number,
            text,
            layout.separator,
            layout.names,
        )?);
        row_parsed(file, rows.len() as u64, offset as usize, declared as usize);
    }
}

/// The rows a file of `declared` bytes will hold, judged by the lines of its first buffer, so
/// the rows are allocated once (growing by doubling would hold both copies at the peak).
fn expected_rows(reader: &mut impl BufRead, declared: u64) -> usize {
    let head = reader.fill_buf().unwrap_or_default();
    let lines = head.iter().filter(|&&b| b == b'\n').count().max(1);
    let per_line = (head.len() / lines).max(8) as u64;
    let estimate = declared / per_line + declared / per_line / 50 + 16;
    estimate.min(MAX_RATINGS) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::formats::{dat, movielens_csv};

    fn streamed(name: &str, text: &str) -> Result<Vec<RawRating>, DataError> {
        let layout = streamed_layout(name, text.as_bytes()).expect("a release's ratings");
        // A small buffer: lines cross buffer boundaries.
        let reader = std::io::BufReader::with_capacity(7, text.as_bytes());
        parse(name, reader, layout, text.len() as u64)
    }

    /// Streaming `text` as `name` gives what the whole-text reader `whole` gives (a byte-order
    /// mark is dropped before the whole-text readers see a file).
    fn assert_same_as_whole(
        name: &str,
        text: &str,
        whole: fn(&str, &str) -> Result<Vec<RawRating>, DataError>,
    ) {
        let expected = whole(name, text.trim_start_matches('\u{feff}'));
        assert_eq!(
            streamed(name, text).map_err(|e| e.to_string()),
            expected.map_err(|e| e.to_string()),
            "{text:?}"
        );
    }

    #[test]
    fn rows_and_errors_equal_the_whole_text_readers() {
        let dat_texts = [
            "1::2::5::978300760\r\n2::3::3::978300761\n\n\n",
            "1::2::5::978300760\n\n2::3::3::1\n",
            "1::2::5\n",
            "1::2::9::1\n",
            "1::x::3::1\n",
            "",
        ];
        for text in dat_texts {
            assert_same_as_whole("ratings.dat", text, dat::parse_ratings);
        }
        let csv_texts = [
            "userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n",
            "\u{feff}userId,movieId,rating,timestamp\r\n2,296,0.5,1\r\n",
            "userId,movieId,rating,timestamp\n1,296,5.0\n",
            "userId,movieId,rating,timestamp\n1,296,x,1\n",
        ];
        for text in csv_texts {
            assert_same_as_whole("ratings.csv", text, movielens_csv::parse_ratings);
        }
    }

    #[test]
    fn a_person_s_ratings_csv_is_not_streamed_and_bad_bytes_name_their_line() {
        assert_eq!(streamed_layout("ratings.csv", b"user,item\n1,2\n"), None);
        assert_eq!(streamed_layout("u.data", b"1\t2\t3\t4\n"), None);
        let layout = streamed_layout("ratings.dat", b"").unwrap();
        let bytes: &[u8] = b"1::2::5::1\n1::\xff::5::1\n";
        let error = parse("ratings.dat", bytes, layout, 22).unwrap_err();
        assert_eq!(error.to_string(), "ratings.dat, line 2: is not UTF-8 text");
    }

    #[test]
    fn the_rows_are_reserved_once_from_the_first_lines() {
        let text = "1::2::5::978300760\n".repeat(1000);
        let mut reader = std::io::BufReader::with_capacity(190, text.as_bytes());
        // 10 lines of 19 bytes in the first buffer: 1000 rows, 2% more and 16 to spare.
        assert_eq!(expected_rows(&mut reader, text.len() as u64), 1036);
        let rows = parse("ratings.dat", reader, DAT, text.len() as u64).unwrap();
        assert_eq!(rows.len(), 1000);
        assert_eq!(rows.capacity(), 1000);
    }
}
