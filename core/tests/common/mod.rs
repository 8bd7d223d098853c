//! Shared by the integration tests that need the real ML-100K files.

use filmspace_core::data::MovieLensFiles;

/// The files of the data folder, or `None` (with a message) when the data is not there; with
/// FILMSPACE_REQUIRE_DATA=1 (set by `scripts/test`) missing data fails instead.
pub fn movielens() -> Option<MovieLensFiles> {
    let dir = MovieLensFiles::default_dir();
    if !dir.join("u.data").exists() {
        if std::env::var("FILMSPACE_REQUIRE_DATA").as_deref() == Ok("1") {
            panic!(
                "ML-100K is required but missing in {}: run scripts/fetch-data",
                dir.display()
            );
        }
        eprintln!(
            "skipped: ML-100K not found in {} (run scripts/fetch-data)",
            dir.display()
        );
        return None;
    }
    Some(MovieLensFiles::from_dir(&dir).expect("the data folder is readable"))
}
