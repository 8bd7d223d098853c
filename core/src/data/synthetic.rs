//! Synthetic data in each release's exact layout, with known structure, so tests and the
//! benchmark need no download (GroupLens' files may not be redistributed). Ratings come from a
//! low-rank model whose item vectors lean towards their genres, plus biases and noise, rounded to
//! the release's scale; some titles hold commas, quotes, accents and markup, as real ones do.

use std::fmt::Write as _;

use super::files::MovieLensFiles;
use crate::math::standard_normal;
use crate::rng::SeededRng;

/// The layouts the generator writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Ml100k,
    Ml1m,
    Ml10m,
    /// ML-20M, 25M, 32M, latest, latest-small.
    MlCsv,
    /// A person's own CSV: string ids, a header in another order, a date column.
    OwnCsv,
    /// A person's own purchase log: `user,item` only (implicit).
    OwnImplicit,
}

impl Layout {
    pub const ALL: [Layout; 6] = [
        Layout::Ml100k,
        Layout::Ml1m,
        Layout::Ml10m,
        Layout::MlCsv,
        Layout::OwnCsv,
        Layout::OwnImplicit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Ml100k => "ml-100k",
            Layout::Ml1m => "ml-1m",
            Layout::Ml10m => "ml-10m",
            Layout::MlCsv => "ml-csv",
            Layout::OwnCsv => "own-csv",
            Layout::OwnImplicit => "own-implicit",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    fn half_stars(self) -> bool {
        matches!(self, Layout::Ml10m | Layout::MlCsv)
    }
}

/// How much data, and how it is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub users: usize,
    pub items: usize,
    pub ratings: usize,
    /// Latent dimensions of the ratings' structure.
    pub rank: usize,
    /// Standard deviation of the noise added before rounding.
    pub noise: f64,
    pub seed: u64,
}

impl Shape {
    /// A small set that loads and trains in a second (tests).
    pub fn small(ratings: usize) -> Self {
        Self {
            users: (ratings / 30).max(20),
            items: (ratings / 30).max(20),
            ratings,
            rank: 4,
            noise: 0.4,
            seed: 7,
        }
    }
}

/// Genres of the generated films (ML's own vocabulary and two of the CSV releases').
const GENRES: [&str; 8] = [
    "Action",
    "Comedy",
    "Drama",
    "Horror",
    "Romance",
    "Sci-Fi",
    "Documentary",
    "IMAX",
];

/// One generated rating in the data set's ids (1-based), on the layout's scale.
struct Generated {
    user: usize,
    item: usize,
    value: f32,
    time: u64,
}

struct Model {
    genres: Vec<Vec<usize>>,
    ratings: Vec<Generated>,
}

fn generate(layout: Layout, shape: Shape) -> Model {
    let mut rng = SeededRng::new(shape.seed);
    let rank = shape.rank.max(1);
    let centres: Vec<f64> = (0..GENRES.len() * rank)
        .map(|_| standard_normal(&mut rng) * 0.6)
        .collect();
    let genres: Vec<Vec<usize>> = (0..shape.items)
        .map(|_| {
            let first = rng.below(GENRES.len() - 1);
            let mut own = vec![first];
            if rng.unit() < 0.4 {
                let second = rng.below(GENRES.len());
                if second != first {
                    own.push(second);
                }
            }
            own
        })
        .collect();
    let mut item_vectors = vec![0.0; shape.items * rank];
    for (i, own) in genres.iter().enumerate() {
        for k in 0..rank {
            let lean: f64 =
                own.iter().map(|&g| centres[g * rank + k]).sum::<f64>() / own.len() as f64;
            item_vectors[i * rank + k] = lean + standard_normal(&mut rng) * 0.3;
        }
    }
    let user_vectors: Vec<f64> = (0..shape.users * rank)
        .map(|_| standard_normal(&mut rng) * 0.6)
        .collect();
    let user_bias: Vec<f64> = (0..shape.users)
        .map(|_| standard_normal(&mut rng) * 0.3)
        .collect();
    // Popular items are rated more: a Zipf-like draw gives the long tail of real data.
    let popularity: Vec<f64> = (0..shape.items)
        .map(|i| 1.0 / (1.0 + i as f64).powf(0.8))
        .collect();
    let total: f64 = popularity.iter().sum();
    let cumulative: Vec<f64> = popularity
        .iter()
        .scan(0.0, |sum, p| {
            *sum += p / total;
            Some(*sum)
        })
        .collect();
    let wanted = shape.ratings.min(shape.users * shape.items);
    let mut seen = std::collections::HashSet::with_capacity(wanted);
    let mut ratings = Vec::with_capacity(wanted);
    let (step, low, high) = if layout.half_stars() {
        (0.5, 0.5, 5.0)
    } else {
        (1.0, 1.0, 5.0)
    };
    let mut time = 874_724_710u64;
    while ratings.len() < wanted {
        // Every person rates at least once: the first pass walks them in order.
        let user = if ratings.len() < shape.users {
            ratings.len()
        } else {
            rng.below(shape.users)
        };
        let draw = rng.unit();
        let item = cumulative
            .partition_point(|&c| c < draw)
            .min(shape.items - 1);
        let item = if rng.unit() < 0.3 {
            rng.below(shape.items)
        } else {
            item
        };
        if !seen.insert((user, item)) {
            continue;
        }
        let signal: f64 = (0..rank)
            .map(|k| user_vectors[user * rank + k] * item_vectors[item * rank + k])
            .sum();
        let raw = 3.5 + user_bias[user] - 0.3 * (item as f64 / shape.items as f64)
            + signal
            + standard_normal(&mut rng) * shape.noise;
        let value = ((raw / step).round() * step).clamp(low, high) as f32;
        // About 30 s apart, as in ML-25M (1995–2019): 32-bit seconds hold every size generated.
        time += 1 + rng.below(600) as u64 / 10;
        ratings.push(Generated {
            user: user + 1,
            item: item + 1,
            value,
            time,
        });
    }
    Model { genres, ratings }
}

/// Film `i`'s title: most plain, some with what real titles hold (a comma and "The", quotes,
/// an accent, markup that must stay text).
fn title(i: usize) -> String {
    let year = 1930 + (i * 7) % 90;
    match i % 50 {
        3 => format!("Usual Film {i}, The ({year})"),
        7 => format!("\"Quoted\" Film {i} ({year})"),
        11 => format!("Cité des films {i} ({year})"),
        13 => format!("<b>Bold</b> Film {i} ({year})"),
        _ => format!("Film {i} ({year})"),
    }
}

/// The files of `layout` holding `shape`'s data.
pub fn files(layout: Layout, shape: Shape) -> MovieLensFiles {
    let model = generate(layout, shape);
    let mut files = MovieLensFiles::new();
    match layout {
        Layout::Ml100k => write_ml100k(&model, shape, &mut files),
        Layout::Ml1m | Layout::Ml10m => write_dat(layout, &model, shape, &mut files),
        Layout::MlCsv => write_csv_release(&model, &mut files),
        Layout::OwnCsv | Layout::OwnImplicit => write_own(layout, &model, &mut files),
    }
    files
}

fn write_ml100k(model: &Model, shape: Shape, files: &mut MovieLensFiles) {
    let mut data = String::new();
    for r in &model.ratings {
        let _ = writeln!(data, "{}\t{}\t{}\t{}", r.user, r.item, r.value, r.time);
    }
    let ml100k_genre = |g: usize| [1, 5, 8, 11, 14, 15, 7, 8][g];
    let mut items = Vec::new();
    for (i, own) in model.genres.iter().enumerate() {
        let mut flags = [0u8; 19];
        own.iter().for_each(|&g| flags[ml100k_genre(g)] = 1);
        let flags: Vec<String> = flags.iter().map(u8::to_string).collect();
        let line = format!(
            "{}|{}|01-Jan-1995||http://example.org|{}\n",
            i + 1,
            title(i + 1),
            flags.join("|")
        );
        items.extend(latin1(&line));
    }
    let mut users = String::new();
    for u in 1..=shape.users {
        let _ = writeln!(
            users,
            "{u}|{}|{}|{}|{:05}",
            18 + u % 50,
            ["M", "F"][u % 2],
            ["writer", "engineer", "student"][u % 3],
            u
        );
    }
    let info = format!(
        "{} users\n{} items\n{} ratings\n",
        shape.users,
        shape.items,
        model.ratings.len()
    );
    files.insert("u.data", data.into_bytes());
    files.insert("u.item", items);
    files.insert("u.user", users.into_bytes());
    files.insert("u.info", info.into_bytes());
}

fn write_dat(layout: Layout, model: &Model, shape: Shape, files: &mut MovieLensFiles) {
    let mut ratings = String::new();
    for r in &model.ratings {
        let _ = writeln!(ratings, "{}::{}::{}::{}", r.user, r.item, r.value, r.time);
    }
    let mut movies = String::new();
    for (i, own) in model.genres.iter().enumerate() {
        let names: Vec<&str> = own.iter().map(|&g| GENRES[g]).collect();
        let _ = writeln!(movies, "{}::{}::{}", i + 1, title(i + 1), names.join("|"));
    }
    files.insert("ratings.dat", ratings.into_bytes());
    if layout == Layout::Ml1m {
        // ML-1M's movies.dat is ISO-8859-1; ML-10M's is UTF-8.
        files.insert("movies.dat", latin1(&movies));
        let mut users = String::new();
        for u in 1..=shape.users {
            let age = [1, 18, 25, 35, 45, 50, 56][u % 7];
            let _ = writeln!(
                users,
                "{u}::{}::{age}::{}::{:05}",
                ["M", "F"][u % 2],
                u % 21,
                u
            );
        }
        files.insert("users.dat", users.into_bytes());
    } else {
        files.insert("movies.dat", movies.into_bytes());
    }
}

fn write_csv_release(model: &Model, files: &mut MovieLensFiles) {
    let mut ratings = String::from("userId,movieId,rating,timestamp\n");
    for r in &model.ratings {
        let _ = writeln!(ratings, "{},{},{:.1},{}", r.user, r.item, r.value, r.time);
    }
    let mut movies = String::from("movieId,title,genres\n");
    for (i, own) in model.genres.iter().enumerate() {
        let names: Vec<&str> = own.iter().map(|&g| GENRES[g]).collect();
        let genres = if i % 97 == 5 {
            "(no genres listed)".to_string()
        } else {
            names.join("|")
        };
        let _ = writeln!(movies, "{},{},{genres}", i + 1, csv_quoted(&title(i + 1)));
    }
    files.insert("ratings.csv", ratings.into_bytes());
    files.insert("movies.csv", movies.into_bytes());
}

fn write_own(layout: Layout, model: &Model, files: &mut MovieLensFiles) {
    let mut out = String::new();
    if layout == Layout::OwnCsv {
        out.push_str("item_id;date;user_id;score\r\n");
        for r in &model.ratings {
            let day = r.time / 86_400;
            let _ = write!(
                out,
                "sku-{:05};{};u{};{}\r\n",
                r.item,
                iso_date(day),
                r.user,
                r.value * 2.0
            );
        }
        let mut items = String::from("id;title;tags\n");
        for (i, own) in model.genres.iter().enumerate() {
            let names: Vec<&str> = own.iter().map(|&g| GENRES[g]).collect();
            let title = title(i + 1).replace('"', "'");
            let _ = writeln!(items, "sku-{:05};{};{}", i + 1, title, names.join("|"));
        }
        files.insert("my-ratings.csv", out.into_bytes());
        files.insert("my-items.csv", items.into_bytes());
    } else {
        out.push_str("user,item\n");
        for r in model.ratings.iter().filter(|r| r.value >= 4.0) {
            let _ = writeln!(out, "customer-{},product-{}", r.user, r.item);
        }
        files.insert("purchases.csv", out.into_bytes());
    }
}

fn csv_quoted(text: &str) -> String {
    if text.contains([',', '"']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Text as ISO-8859-1 bytes (every generated character is below U+0100).
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// `YYYY-MM-DD` of a day since 1970 (Howard Hinnant's civil-from-days).
fn iso_date(days: u64) -> String {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The files of `layout` as a zip, in a folder named after the layout as GroupLens' zips are.
pub fn zip(layout: Layout, shape: Shape) -> Vec<u8> {
    use std::io::Write;
    let files = files(layout, shape);
    let mut out = std::io::Cursor::new(Vec::new());
    let mut writer = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for name in files.names() {
        let path = format!("{}/{name}", layout.name());
        writer.start_file(path, options).expect("a new zip entry");
        writer
            .write_all(files.get(name).unwrap_or_default())
            .expect("writing to memory");
    }
    writer.finish().expect("finishing a zip in memory");
    out.into_inner()
}

/// `zip` with the uncompressed size of each entry whose name ends with `suffix` ("" for all)
/// rewritten as `size`, in its local header and in the central directory: what a crafted zip,
/// or one too large for a tab, declares.
pub fn declaring(mut zip: Vec<u8>, suffix: &str, size: u32) -> Vec<u8> {
    let u16_at = |b: &[u8], at: usize| usize::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let mut at = 0;
    while at + 46 <= zip.len() {
        // (size field, name length field, name) of a local header or a central directory entry.
        let fields = match &zip[at..at + 4] {
            b"PK\x03\x04" => (22, 26, 30),
            b"PK\x01\x02" => (24, 28, 46),
            _ => {
                at += 1;
                continue;
            }
        };
        let name_end = (at + fields.2 + u16_at(&zip, at + fields.1)).min(zip.len());
        if zip[at + fields.2..name_end].ends_with(suffix.as_bytes()) {
            zip[at + fields.0..at + fields.0 + 4].copy_from_slice(&size.to_le_bytes());
        }
        at += 4;
    }
    zip
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Dataset, RatingScale, Release};

    #[test]
    fn every_layout_reads_back_with_the_generated_counts() {
        let shape = Shape::small(3_000);
        for layout in Layout::ALL {
            let d = Dataset::from_files(&files(layout, shape))
                .unwrap_or_else(|e| panic!("{}: {e}", layout.name()));
            let expected_ratings = if layout == Layout::OwnImplicit {
                d.ratings.len()
            } else {
                3_000
            };
            assert_eq!(d.ratings.len(), expected_ratings, "{}", layout.name());
            assert_eq!(d.n_users(), shape.users, "{}", layout.name());
            assert_eq!(d.n_items(), d.n_rated_items(), "{}", layout.name());
            let (release, scale) = match layout {
                Layout::Ml100k => (Release::Ml100k, RatingScale::STARS),
                Layout::Ml1m => (Release::Ml1m, RatingScale::STARS),
                Layout::Ml10m => (Release::Ml10m, RatingScale::HALF_STARS),
                Layout::MlCsv => (Release::MlCsv, RatingScale::HALF_STARS),
                Layout::OwnCsv => (
                    Release::Own,
                    RatingScale {
                        min: 2.0,
                        max: 10.0,
                        step: 1.0,
                        implicit: false,
                    },
                ),
                Layout::OwnImplicit => (Release::Own, RatingScale::IMPLICIT),
            };
            assert_eq!((d.release, d.scale), (release, scale), "{}", layout.name());
            let has_title = |t: String| d.films.iter().any(|f| f.title == t);
            if layout != Layout::OwnImplicit {
                assert!(d.has_genres(), "{}", layout.name());
                assert!(has_title(title(11)), "{}: accents", layout.name());
                assert!(has_title(title(13)), "{}: markup", layout.name());
            }
            if matches!(layout, Layout::Ml1m | Layout::Ml10m | Layout::MlCsv) {
                assert!(has_title(title(7)), "{}: quotes", layout.name());
                assert!(has_title(title(3)), "{}: a comma", layout.name());
            }
        }
    }

    #[test]
    fn the_same_shape_gives_the_same_files_and_fingerprint() {
        let shape = Shape::small(1_000);
        let a = Dataset::from_files(&files(Layout::Ml1m, shape)).unwrap();
        let b = Dataset::from_files(&files(Layout::Ml1m, shape)).unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Dataset::from_files(&files(Layout::Ml1m, Shape { seed: 8, ..shape })).unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }

    #[test]
    fn zips_read_back_as_their_layout() {
        let bytes = zip(Layout::MlCsv, Shape::small(500));
        let files = MovieLensFiles::from_zip("ml-latest-small.zip", &bytes).unwrap();
        assert_eq!(files.names().collect::<Vec<_>>(), vec!["movies.csv"]);
        // The ratings were parsed as they were unzipped.
        assert_eq!(files.streamed_name(), Some("ratings.csv"));
        let whole = Dataset::from_files(&super::files(Layout::MlCsv, Shape::small(500))).unwrap();
        let streamed = Dataset::from_files(&files).unwrap();
        assert_eq!(streamed.ratings, whole.ratings);
        assert_eq!(streamed.fingerprint(), whole.fingerprint());
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(18_037), "2019-05-21");
    }
}
