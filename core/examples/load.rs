//! Reads a data file as the page's worker does, natively, and times each stage the page then
//! runs on it, with the process's peak memory:
//! `cargo run --release -p filmspace-core --example load -- FILE`.

use filmspace_core::data::{Dataset, PackedDataset};
use filmspace_core::recommend::{CoRatedBuilder, NEIGHBOURS_PER_FILM, onboarding_order};
use filmspace_core::search::TitleIndex;
use filmspace_core::stats::{DatasetStats, FilmRatings};
use std::time::Instant;

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn timed<T>(what: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = work();
    println!("{what}: {:.0} ms", start.elapsed().as_secs_f64() * 1e3);
    out
}

fn main() {
    let path = std::env::args().nth(1).expect("a data file");
    let bytes = std::fs::read(&path).expect("reading the file");
    let name = std::path::Path::new(&path)
        .file_name()
        .map_or(path.clone(), |n| n.to_string_lossy().into_owned());
    let data = timed("read (unzip, parse, index)", || {
        Dataset::from_picked(&name, &bytes).unwrap_or_else(|e| panic!("{e}"))
    });
    drop(bytes);
    let packed = data.clone().into_packed();
    let bytes = packed.rating_bytes().len();
    let text = serde_json::to_string(&packed).unwrap();
    let mut received: PackedDataset = timed("the reply's text decoded", || {
        serde_json::from_str(&text).unwrap()
    });
    timed("its ratings received", || {
        received.expect_ratings(bytes).unwrap();
        for piece in packed.rating_bytes().chunks(16 << 20) {
            received.append_ratings(piece).unwrap();
        }
    });
    drop(packed);
    println!("reply text: {} KiB", text.len() >> 10);
    let data = timed("unpack on the page", || Dataset::unpack(received).unwrap());
    timed("data panel's statistics", || DatasetStats::of(&data));
    timed("map's per-film ratings", || FilmRatings::of(&data));
    let index = timed("rating index", || data.index(&data.ratings));
    let counts: Vec<u32> = (0..data.n_items())
        .map(|i| index.by_item.len(i) as u32)
        .collect();
    timed("title index", || TitleIndex::new(&data.films, counts));
    timed("onboarding order", || onboarding_order(&data));
    let mut builder = CoRatedBuilder::new(&index, NEIGHBOURS_PER_FILM);
    let co_rated = timed("co-rated neighbours of every film", || {
        builder.step(usize::MAX)
    });
    drop(co_rated);
    println!(
        "{name}: {} ratings, {} people, {} films; data set {} MiB, sent {} MiB, peak RSS {} MiB",
        data.ratings.len(),
        data.people.len(),
        data.films.len(),
        data.memory_bytes() >> 20,
        bytes >> 20,
        peak_rss_mib()
    );
}
