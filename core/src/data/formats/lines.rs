//! What every text format shares: numbered lines (CRLF and a final newline are fine) and
//! numeric fields whose errors name the file and line.

use crate::data::error::DataError;

/// Lines of a text file with their 1-based numbers. Trailing blank lines are skipped; a blank
/// line between rows is left for the format to refuse.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.trim_end_matches(['\n', '\r']);
    text.split('\n')
        .enumerate()
        .filter(move |(_, line)| !text.is_empty() || !line.is_empty())
        .map(|(i, line)| (i + 1, line.strip_suffix('\r').unwrap_or(line)))
}

pub fn field<T: std::str::FromStr>(
    file: &str,
    line: usize,
    what: &str,
    value: &str,
) -> Result<T, DataError> {
    value.trim().parse().map_err(|_| {
        DataError::line(
            file,
            line,
            format!("{what} {value:?} is not a valid number"),
        )
    })
}

/// Splits a line into exactly `N` fields on `separator`, or says how many it found.
pub fn fields<'a, const N: usize>(
    file: &str,
    line_number: usize,
    line: &'a str,
    separator: &str,
    names: &str,
) -> Result<[&'a str; N], DataError> {
    let mut out = [""; N];
    let mut found = 0;
    for part in line.split(separator) {
        if found < N {
            out[found] = part;
        }
        found += 1;
    }
    if found != N {
        return Err(DataError::line(
            file,
            line_number,
            format!("expected {N} {separator:?}-separated fields ({names}), found {found}"),
        ));
    }
    Ok(out)
}

/// Text that should be UTF-8 but may be ISO-8859-1 (ML-100K's `u.item`, ML-1M's `movies.dat`):
/// every latin-1 byte is the code point of the same value, and latin-1 text with accents is
/// almost never valid UTF-8, so a file that is not UTF-8 is read as latin-1.
pub fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// The release year at the end of a title such as "Usual Suspects, The (1995)" (ML-25M also
/// writes "Babylon 5 (1994 )" and "Forrest Gump (1994)" with trailing spaces).
pub fn year_from_title(title: &str) -> Option<u16> {
    let inner = title.trim_end().strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let year = inner[open + 1..].trim();
    if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) {
        year.parse().ok()
    } else {
        None
    }
}

/// Seconds since 1970 from a whole or fractional number, or from an ISO date
/// (`2019-05-21`, `2019-05-21T14:03:00`, `2019-05-21 14:03:00Z`). A number past what 32 bits of
/// seconds hold (the year 2106) is read as milliseconds, as JavaScript and Java write time.
/// Ratings keep 32-bit seconds: 25 million of them then take 100 MB less.
pub fn timestamp(file: &str, line: usize, value: &str) -> Result<u32, DataError> {
    let value = value.trim();
    let seconds = value
        .parse::<u64>()
        .ok()
        .or_else(|| {
            let seconds = value.parse::<f64>().ok()?;
            (seconds.is_finite() && seconds >= 0.0).then_some(seconds as u64)
        })
        .or_else(|| iso_seconds(value));
    let Some(seconds) = seconds else {
        return Err(DataError::line(
            file,
            line,
            format!("timestamp {value:?} is neither seconds since 1970 nor a date like 2019-05-21"),
        ));
    };
    u32::try_from(seconds)
        .or_else(|_| u32::try_from(seconds / 1000))
        .map_err(|_| {
            DataError::line(
                file,
                line,
                format!("timestamp {value:?} is past the year 2106 even as milliseconds"),
            )
        })
}

fn iso_seconds(value: &str) -> Option<u64> {
    let number = |s: &str| s.parse::<i64>().ok();
    let (date, time) = match value.split_once(['T', ' ']) {
        Some((date, time)) => (date, time.trim_end_matches('Z')),
        None => (value, ""),
    };
    let mut ymd = date.split('-');
    let (y, m, d) = (
        number(ymd.next()?)?,
        number(ymd.next()?)?,
        number(ymd.next()?)?,
    );
    if ymd.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut hms = time.split(':').filter(|s| !s.is_empty());
    let mut clock = 0i64;
    for unit in [3600, 60, 1] {
        if let Some(part) = hms.next() {
            clock += number(part.split('.').next()?)? * unit;
        }
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + clock).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_accept_crlf_and_trailing_blank_lines() {
        let lines: Vec<_> = numbered_lines("a\r\nb\r\n\r\n\n").collect();
        assert_eq!(lines, vec![(1, "a"), (2, "b")]);
        assert_eq!(numbered_lines("").count(), 0);
        assert_eq!(numbered_lines("a\n\nb").nth(1), Some((2, "")));
    }

    #[test]
    fn dates_and_numbers_become_seconds() {
        assert_eq!(timestamp("f", 1, "978300760").unwrap(), 978_300_760);
        assert_eq!(timestamp("f", 1, "978300760.5").unwrap(), 978_300_760);
        assert_eq!(timestamp("f", 1, "1970-01-02").unwrap(), 86_400);
        // `date -u -d 2019-05-21T14:03:00 +%s`
        assert_eq!(
            timestamp("f", 1, "2019-05-21T14:03:00Z").unwrap(),
            1_558_447_380
        );
        assert_eq!(
            timestamp("f", 1, "2000-03-01 00:00:01").unwrap(),
            951_868_801
        );
        // Past 2106 as seconds: milliseconds (`date -u -d 2019-05-21T14:03:00 +%s%3N`).
        assert_eq!(timestamp("f", 1, "1558447380123").unwrap(), 1_558_447_380);
        let far = timestamp("f", 3, "99999999999999999").unwrap_err();
        assert!(far.to_string().contains("2106"), "{far}");
        let err = timestamp("r.csv", 7, "yesterday").unwrap_err();
        assert_eq!(err.line, Some(7));
        assert!(err.to_string().contains("\"yesterday\""), "{err}");
    }

    #[test]
    fn year_comes_from_the_last_parenthesis() {
        assert_eq!(
            year_from_title("City of Lost Children, The (Cité des enfants perdus, La) (1995)"),
            Some(1995)
        );
        assert_eq!(year_from_title("Babylon 5 (1994 )"), Some(1994));
        assert_eq!(year_from_title("unknown"), None);
        assert_eq!(year_from_title("Something (Director's cut)"), None);
    }
}
