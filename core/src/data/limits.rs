//! How much data the page takes in, and why. A tab's WebAssembly memory addresses at most 4 GiB,
//! and one buffer at most 2 GiB (wasm32's `isize::MAX`); while a data set loads, the page holds the
//! picked file, its unzipped text, the parsed ratings and their copy for the training worker at
//! once: about four times the text. So text is capped at 512 MiB in all and 256 MiB a file, and a
//! picked file is refused by its size before a byte of it is read.

/// The most a file unzipped from an archive may hold.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// The most every kept file of an archive may hold together.
pub const MAX_TOTAL_BYTES: u64 = 512 << 20;
/// The largest data zip (or data file) a person may pick: the reading worker holds it whole
/// beside what it unzips to.
pub const MAX_PICKED_DATA_BYTES: u64 = 256 << 20;
/// The largest ratings export a person may import: a rating of every film of the largest
/// MovieLens release is a few MiB, so 16 MiB is never too little.
pub const MAX_PICKED_RATINGS_BYTES: u64 = 16 << 20;
/// The largest model bundle a person may open: ML-32M's 288,000 people and films at rank 100
/// are 115 MB of factors.
pub const MAX_PICKED_BUNDLE_BYTES: u64 = 256 << 20;

/// The most ratings a data set may hold in the page. A release's ratings file is parsed as it
/// is unzipped, so its text is never held; what the tab holds grows with the rows instead (16
/// bytes each in the page, and again in the worker that trains). ML-32M's 32,000,204 fit.
pub const MAX_RATINGS: u64 = 33_000_000;
/// The most a streamed ratings file may declare unzipped (ML-32M's `ratings.csv` is 877 MB).
pub const MAX_STREAMED_FILE_BYTES: u64 = 1 << 30;

/// Limits on what an archive may unzip to (tests use small ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    pub per_file: u64,
    pub total: u64,
}

impl ZipLimits {
    /// What the page accepts (see the module's notes).
    pub const TAB: ZipLimits = ZipLimits {
        per_file: MAX_FILE_BYTES,
        total: MAX_TOTAL_BYTES,
    };
}

/// A size as a person reads it: "812 bytes", "3.4 KiB", "256 MiB", "3.0 GiB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value.fract() == 0.0 || value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// A count as a person reads it: "33,000,000".
pub fn human_count(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::new();
    for (k, digit) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// What to do with a data set too large for the tab, said after the refusal.
pub const TOO_LARGE_FOR_A_TAB: &str = "Data this large trains with Spark instead: \
    scripts/spark-als --data FILE --out model.safetensors, then open the model in the zoo \
    (docs/SPARK.md)";

/// Why a picked file is refused before it is read, or `None` when its size is fine.
pub fn refuse_picked(name: &str, size: u64, limit: u64) -> Option<String> {
    (size > limit).then(|| {
        format!(
            "{name} is {}, more than the {} this page reads (a browser tab's memory)",
            human_bytes(size),
            human_bytes(limit)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_a_person_writes_them() {
        assert_eq!(human_bytes(812), "812 bytes");
        assert_eq!(human_bytes(3482), "3.4 KiB");
        assert_eq!(human_bytes(MAX_FILE_BYTES), "256 MiB");
        assert_eq!(human_bytes(3 << 30), "3 GiB");
        assert_eq!(human_count(MAX_RATINGS), "33,000,000");
        assert_eq!(human_count(999), "999");
        assert_eq!(human_count(1000), "1,000");
        assert_eq!(human_bytes((3 << 30) + (1 << 29)), "3.5 GiB");
    }

    #[test]
    fn a_picked_file_over_the_limit_is_refused_with_both_sizes() {
        assert_eq!(refuse_picked("a.zip", 1000, 1000), None);
        assert_eq!(
            refuse_picked("big.zip", 3 << 30, MAX_PICKED_DATA_BYTES).unwrap(),
            "big.zip is 3 GiB, more than the 256 MiB this page reads (a browser tab's memory)"
        );
    }
}
