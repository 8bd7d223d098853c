//! How far reading a data file has got, for the page's progress bar: the bytes of the file read,
//! the archive unzipped, the rows parsed. Readers report through a sink installed for the
//! duration of one read ([`reporting`]), so the formats' signatures stay about formats; with no
//! sink installed (native tests, the built-in data) a report costs one thread-local check.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

/// Rows between two reports while parsing: often enough for a smooth bar on a million-row file,
/// rare enough to cost nothing.
pub const ROWS_PER_REPORT: u64 = 1 << 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReadStage {
    /// The file's bytes are copied in (by the page's worker).
    Reading,
    Unzipping,
    /// Rows are parsed; `rows` says how many so far.
    Parsing,
    /// Ids are made dense and the indexes built.
    Indexing,
}

/// One report: `done` of `total` bytes of `file` in this stage, `rows` parsed so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadProgress {
    pub stage: ReadStage,
    pub file: String,
    pub done: u64,
    pub total: u64,
    pub rows: u64,
}

impl ReadProgress {
    /// How far through this stage, 0.0–1.0.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).min(1.0)
        }
    }
}

type Sink = Box<dyn FnMut(ReadProgress)>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Runs `work` with `sink` receiving every report made meanwhile on this thread.
pub fn reporting<T>(sink: impl FnMut(ReadProgress) + 'static, work: impl FnOnce() -> T) -> T {
    let earlier = SINK.with_borrow_mut(|s| s.replace(Box::new(sink)));
    let result = work();
    SINK.with_borrow_mut(|s| *s = earlier);
    result
}

/// Reports a stage's progress to the sink, if one is installed.
pub fn report(stage: ReadStage, file: &str, done: u64, total: u64, rows: u64) {
    SINK.with_borrow_mut(|sink| {
        if let Some(sink) = sink {
            sink(ReadProgress {
                stage,
                file: file.to_string(),
                done,
                total,
                rows,
            })
        }
    });
}

/// Called with each parsed row's count (1-based) and its byte offset in `text`: reports every
/// [`ROWS_PER_REPORT`] rows.
pub fn row_parsed(file: &str, rows: u64, offset: usize, text_len: usize) {
    if rows.is_multiple_of(ROWS_PER_REPORT) {
        report(
            ReadStage::Parsing,
            file,
            offset as u64,
            text_len as u64,
            rows,
        );
    }
}

/// `lines` of `text` (numbered, as the formats' line reader gives them), reporting as they are
/// taken.
pub fn reported_lines<'a>(
    file: &'a str,
    text: &'a str,
    lines: impl Iterator<Item = (usize, &'a str)> + 'a,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    let start = text.as_ptr() as usize;
    lines.enumerate().map(move |(i, (n, line))| {
        row_parsed(
            file,
            i as u64 + 1,
            line.as_ptr() as usize - start,
            text.len(),
        );
        (n, line)
    })
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    #[test]
    fn reports_reach_the_installed_sink_only_while_it_is_installed() {
        let heard: Rc<RefCell<Vec<ReadProgress>>> = Rc::default();
        let text = "a\n".repeat(ROWS_PER_REPORT as usize * 2 + 5);
        let sink = heard.clone();
        let counted = reporting(
            move |p| sink.borrow_mut().push(p),
            || {
                let lines = text.lines().enumerate().map(|(i, line)| (i + 1, line));
                reported_lines("r.csv", &text, lines).count()
            },
        );
        assert_eq!(counted, ROWS_PER_REPORT as usize * 2 + 5);
        {
            let heard = heard.borrow();
            assert_eq!(heard.len(), 2);
            assert_eq!(heard[1].rows, 2 * ROWS_PER_REPORT);
            // Row 2·2^16 starts at byte 2·(2·2^16 − 1): each row is two bytes.
            assert_eq!(heard[1].done, 2 * (2 * ROWS_PER_REPORT - 1));
            assert_eq!(heard[1].total, text.len() as u64);
            assert_eq!(heard[0].stage, ReadStage::Parsing);
        }
        report(ReadStage::Indexing, "r.csv", 0, 0, 0); // the sink is gone: nobody hears it
        assert_eq!(heard.borrow().len(), 2);
    }
}
