//! Text that goes out in a CSV or TSV a person may open in a spreadsheet. A cell starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return is read there as a formula ("formula
//! injection": a film title from a picked zip could open a link or run a command), so such a
//! text cell gets a leading `'`, which spreadsheets read as "this is text". Numbers never pass
//! through here.

use std::borrow::Cow;

/// `text`, with a leading `'` when a spreadsheet would take it for a formula.
pub fn text_cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_text_and_titles_are_left_alone() {
        let formula = "=HYPERLINK(\"http://example.com\",\"y\") (1995)";
        assert_eq!(text_cell(formula), format!("'{formula}"));
        for start in ["+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(text_cell(start).starts_with('\''), "{start:?}");
        }
        for fine in [
            "Star Wars (1977)",
            "1-900 (1994)",
            "'Til There Was You (1997)",
            "",
        ] {
            assert_eq!(text_cell(fine), fine);
        }
    }
}
