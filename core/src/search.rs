//! Finding a film by title as a person types it: case- and accent-insensitive ("deunicode"), the
//! article put back in front ("Usual Suspects, The" is found as "the usual suspects"), and small
//! typos forgiven (Jaro–Winkler from `strsim`, per word).

use crate::data::Film;

/// Articles MovieLens moves to the end of a title, in the languages it has.
const ARTICLES: [&str; 14] = [
    "the", "a", "an", "les", "le", "la", "l'", "il", "el", "die", "das", "der", "de", "lo",
];

/// Lower case, accents and punctuation folded away, words separated by single spaces.
pub fn normalise(text: &str) -> String {
    let ascii = deunicode::deunicode(text).to_lowercase();
    let cleaned: String = ascii
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "Usual Suspects, The (1995)" → "the usual suspects 1995"; "City of Lost Children, The (Cité
/// des enfants perdus, La) (1995)" → "the city of lost children cite des enfants perdus la 1995".
fn searchable_title(title: &str) -> String {
    let (name, rest) = match title.find(" (") {
        Some(at) => title.split_at(at),
        None => (title, ""),
    };
    let name = match name.rsplit_once(", ") {
        Some((body, article)) if ARTICLES.contains(&article.to_lowercase().as_str()) => {
            format!("{article} {body}")
        }
        _ => name.to_string(),
    };
    normalise(&format!("{name} {rest}"))
}

/// Films indexed for search.
pub struct TitleIndex {
    titles: Vec<String>,
    words: Vec<Vec<String>>,
    popularity: Vec<u32>,
}

/// How well one query word matches one title word: 1 exact, 0.95 a prefix, else Jaro–Winkler
/// (typos), counted only from 0.85 on.
fn word_match(query: &str, word: &str) -> f64 {
    if query == word {
        1.0
    } else if word.starts_with(query) {
        0.95
    } else if query.len() >= 3 {
        let similarity = strsim::jaro_winkler(query, word);
        if similarity >= 0.85 {
            similarity * 0.9
        } else {
            0.0
        }
    } else {
        0.0
    }
}

impl TitleIndex {
    /// `popularity` (ratings per film) breaks ties, so "star" lists Star Wars before Star Maps.
    pub fn new(films: &[Film], popularity: Vec<u32>) -> TitleIndex {
        let titles: Vec<String> = films.iter().map(|f| searchable_title(&f.title)).collect();
        let words = titles
            .iter()
            .map(|t| t.split(' ').map(str::to_string).collect())
            .collect();
        TitleIndex {
            titles,
            words,
            popularity,
        }
    }

    /// How well `query` (already normalised) matches film `item`: 3 + … for a title that starts
    /// with the query, 2 + … for one that contains it, the mean word match when every query word
    /// finds a title word, 0 otherwise.
    fn relevance(&self, query: &str, query_words: &[&str], item: usize) -> f64 {
        let title = &self.titles[item];
        let closeness = query.len() as f64 / title.len().max(1) as f64;
        if title.starts_with(query) {
            return 3.0 + closeness;
        }
        if title.contains(query) {
            return 2.0 + closeness;
        }
        let mut total = 0.0;
        for q in query_words {
            let best = self.words[item]
                .iter()
                .map(|w| word_match(q, w))
                .fold(0.0, f64::max);
            if best == 0.0 {
                return 0.0;
            }
            total += best;
        }
        total / query_words.len() as f64
    }

    /// The best `limit` films (dense ids) for `query`, best first; ties to the more rated film.
    pub fn search(&self, query: &str, limit: usize) -> Vec<u32> {
        let query = normalise(query);
        if query.is_empty() {
            return Vec::new();
        }
        let query_words: Vec<&str> = query.split(' ').collect();
        let mut hits: Vec<(f64, u32)> = (0..self.titles.len())
            .map(|i| (self.relevance(&query, &query_words, i), i as u32))
            .filter(|(score, _)| *score > 0.0)
            .collect();
        hits.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then(self.popularity[b.1 as usize].cmp(&self.popularity[a.1 as usize]))
                .then(a.1.cmp(&b.1))
        });
        hits.into_iter().take(limit).map(|(_, i)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn film(id: u32, title: &str) -> Film {
        Film {
            id,
            title: title.to_string(),
            year: None,
            genres: 0,
        }
    }

    fn index() -> TitleIndex {
        TitleIndex::new(
            &[
                film(1, "Star Wars (1977)"),
                film(2, "Usual Suspects, The (1995)"),
                film(3, "Star Maps (1997)"),
                film(4, "Cité des enfants perdus, La (1995)"),
                film(5, "Godfather, The (1972)"),
                film(6, "Lone Star (1996)"),
            ],
            vec![583, 267, 10, 40, 413, 187],
        )
    }

    #[test]
    fn normalising_folds_case_accents_and_punctuation() {
        assert_eq!(
            normalise("  Cité des Enfants—Perdus! "),
            "cite des enfants perdus"
        );
        assert_eq!(
            searchable_title("Usual Suspects, The (1995)"),
            "the usual suspects 1995"
        );
    }

    #[test]
    fn finds_titles_the_way_people_type_them() {
        let index = index();
        assert_eq!(index.search("star wars", 3)[0], 0);
        // Prefix matches first, the more rated first among equals; containing matches after.
        assert_eq!(index.search("star", 3), vec![0, 2, 5]);
        assert_eq!(index.search("the usual suspects", 1), vec![1]);
        assert_eq!(index.search("USUAL suspects", 1), vec![1]);
        assert_eq!(index.search("cite des enfants", 1), vec![3]);
        assert_eq!(index.search("la cité", 1), vec![3]);
        // Typos.
        assert_eq!(index.search("godfater", 1), vec![4]);
        assert_eq!(index.search("usaul suspect", 1), vec![1]);
        assert!(index.search("zzzz qqqq", 5).is_empty());
        assert!(index.search("  ", 5).is_empty());
    }
}
