//! Training throughput natively (benchmark, not a test): one epoch of biased MF (d = 32) on
//! generated ratings per engine, the hand-fused CPU step, Burn's Flex with dense Adam, and plain
//! per-rating SGD as the reference (`filmspace_core::train::throughput`). The page's wasm runs the
//! same measurement (`scripts/bench-throughput.mjs`).
//!
//! `cargo run --release -p filmspace-core --example throughput [-- RATINGS,USERS,ITEMS ...]`
//! (default: an ML-1M-sized set with Burn, an ML-25M-sized set without). Prints a table, then
//! one line `BENCH_JSON [...]`.

use filmspace_core::train::throughput::{Rates, generated, measure};
use std::time::Instant;

fn main() {
    let mut sets: Vec<(usize, usize, usize)> = std::env::args()
        .skip(1)
        .map(|a| {
            let n: Vec<usize> = a.split(',').map(|x| x.parse().expect("a number")).collect();
            (n[0], n[1], n[2])
        })
        .collect();
    if sets.is_empty() {
        sets = vec![(1_000_209, 6_040, 3_706), (25_000_095, 162_541, 59_047)];
    }
    let start = Instant::now();
    let mut clock = move || start.elapsed().as_secs_f64() * 1e3;
    let mut all: Vec<Rates> = Vec::new();
    println!(
        "| ratings | users | items | fused kernel | Burn Flex (dense Adam) | scalar SGD | kernel ÷ scalar | kernel ÷ Burn | kernel epoch |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (ratings, users, items) in sets {
        let columns = generated(ratings, users, items, 7);
        let rates = measure(&columns, users, items, ratings <= 2_000_000, &mut clock);
        let m = |x: f64| format!("{:.2} M/s", x / 1e6);
        println!(
            "| {ratings} | {users} | {items} | {} | {} | {} | {:.2} | {} | {:.2} s |",
            m(rates.kernel),
            rates.burn.map(m).unwrap_or_else(|| "not run".into()),
            m(rates.scalar),
            rates.kernel / rates.scalar,
            rates
                .burn
                .map(|b| format!("{:.1}", rates.kernel / b))
                .unwrap_or_else(|| "–".into()),
            rates.kernel_epoch_s,
        );
        all.push(rates);
    }
    println!("BENCH_JSON {}", serde_json::to_string(&all).expect("json"));
}
