//! The training worker's entry point (built by Trunk with `data-type="worker"`).

fn main() {
    filmspace::start_training_worker();
}
