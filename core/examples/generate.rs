//! Writes synthetic data in a MovieLens release's exact layout (or a person's own file's), for
//! tests and the benchmark: GroupLens' files may not be redistributed, so none are downloaded.
//!
//! cargo run --release -p filmspace-core --example generate -- \
//!     --layout ml-1m --users 6040 --items 3706 --ratings 1000209 --out target/ml-1m.zip
//!
//! Layouts: ml-100k, ml-1m, ml-10m, ml-csv (the 20M/25M/32M/latest layout), own-csv,
//! own-implicit. `--out` ending in `.zip` writes a zip (files in a folder named after the
//! layout, as GroupLens ships them); anything else is a folder.

use filmspace_core::data::synthetic::{Layout, Shape, files, zip};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|k| args.get(k + 1))
            .cloned()
    };
    let number = |flag: &str, default: usize| {
        value(flag).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{flag} {v}: not a number"))
        })
    };
    let layout_name = value("--layout").unwrap_or_else(|| "ml-1m".into());
    let layout = Layout::parse(&layout_name).unwrap_or_else(|| {
        let names: Vec<&str> = Layout::ALL.iter().map(|l| l.name()).collect();
        panic!(
            "--layout {layout_name}: expected one of {}",
            names.join(", ")
        )
    });
    let ratings = number("--ratings", 100_000);
    let small = Shape::small(ratings);
    let shape = Shape {
        users: number("--users", small.users),
        items: number("--items", small.items),
        ratings,
        seed: number("--seed", 7) as u64,
        ..small
    };
    let out = value("--out").unwrap_or_else(|| format!("target/{}.zip", layout.name()));
    if out.ends_with(".zip") {
        std::fs::write(&out, zip(layout, shape)).expect("writing the zip");
    } else {
        std::fs::create_dir_all(&out).expect("making the folder");
        let files = files(layout, shape);
        for name in files.names() {
            let path = std::path::Path::new(&out).join(name);
            std::fs::write(path, files.get(name).unwrap_or_default()).expect("writing a file");
        }
    }
    eprintln!(
        "{}: {} users, {} items, {} ratings → {out}",
        layout.name(),
        shape.users,
        shape.items,
        ratings
    );
}
