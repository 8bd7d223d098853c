//! The page's entry point.

fn main() {
    filmspace::start_page();
}
