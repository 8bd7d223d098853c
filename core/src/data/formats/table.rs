//! A delimited text table read row by row — what a person's own ratings and items files are:
//! the separator found on the first line, cells by name, rows through the CSV reader (quoted
//! cells may hold the separator) or split on `::`, and ids numbered as they first appear.

use std::collections::HashMap;

use super::lines::numbered_lines;
use super::movielens_csv::csv_error;
use crate::data::error::DataError;
use crate::data::progress::{self, reported_lines};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Separator {
    DoubleColon,
    Byte(u8),
}

pub(super) fn is_named(cell: &str, names: &[&str]) -> bool {
    let cell = cell.trim().trim_matches('"').to_ascii_lowercase();
    names.contains(&cell.as_str())
}

pub(super) fn separator_of(line: &str) -> Separator {
    if line.contains("::") {
        return Separator::DoubleColon;
    }
    [b'\t', b',', b';', b'|']
        .into_iter()
        .map(|s| (line.bytes().filter(|&b| b == s).count(), s))
        .max_by_key(|&(count, _)| count)
        .filter(|&(count, _)| count > 0)
        .map_or(Separator::Byte(b','), |(_, s)| Separator::Byte(s))
}

/// A line's cells, for header detection only (rows go through the CSV reader).
pub(super) fn split_line(line: &str, separator: Separator) -> Vec<&str> {
    match separator {
        Separator::DoubleColon => line.split("::").collect(),
        Separator::Byte(b) => line.split(b as char).collect(),
    }
}

/// Ids as the file writes them, numbered in order of first appearance.
#[derive(Default)]
pub(super) struct Keys {
    pub(super) index: HashMap<String, u32>,
    pub(super) names: Vec<String>,
}

impl Keys {
    pub(super) fn intern(&mut self, key: &str) -> u32 {
        let key = key.trim();
        if let Some(&k) = self.index.get(key) {
            return k;
        }
        let k = self.names.len() as u32;
        self.index.insert(key.to_string(), k);
        self.names.push(key.to_string());
        k
    }

    /// The id each key gets: itself when every key is a number, else its rank in sorted order
    /// (from 1), so dense ids follow the file's ids either way.
    pub(super) fn ids(&self) -> Vec<u32> {
        let numbers: Option<Vec<u32>> = self.names.iter().map(|n| n.parse().ok()).collect();
        if let Some(numbers) = numbers {
            return numbers;
        }
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut ids = vec![0; self.names.len()];
        for (rank, k) in order.into_iter().enumerate() {
            ids[k as usize] = rank as u32 + 1;
        }
        ids
    }

    pub(super) fn numeric(&self) -> bool {
        self.names.iter().all(|n| n.parse::<u32>().is_ok())
    }
}

/// Calls `visit` with each data row's 1-based line number and cells, after the header if any.
/// Single-byte separators go through the CSV reader (quoted cells may hold the separator).
pub(super) fn for_each_row(
    file: &str,
    text: &str,
    separator: Separator,
    header: bool,
    mut visit: impl FnMut(usize, &[&str]) -> Result<(), DataError>,
) -> Result<(), DataError> {
    match separator {
        Separator::DoubleColon => {
            let lines = reported_lines(file, text, numbered_lines(text));
            for (n, line) in lines.skip(usize::from(header)) {
                let cells: Vec<&str> = line.split("::").collect();
                visit(n, &cells)?;
            }
        }
        Separator::Byte(b) => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(b)
                .has_headers(header)
                .flexible(true)
                .from_reader(text.as_bytes());
            let (mut record, mut rows) = (csv::StringRecord::new(), 0u64);
            while reader
                .read_record(&mut record)
                .map_err(|e| csv_error(file, &e))?
            {
                let (n, offset) = record
                    .position()
                    .map_or((0, 0), |p| (p.line() as usize, p.byte() as usize));
                rows += 1;
                progress::row_parsed(file, rows, offset, text.len());
                if record.len() == 1 && record[0].trim().is_empty() {
                    return Err(DataError::line(file, n, "empty line"));
                }
                let cells: Vec<&str> = record.iter().collect();
                visit(n, &cells)?;
            }
        }
    }
    Ok(())
}
