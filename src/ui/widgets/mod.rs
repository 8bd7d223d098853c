//! Small pieces the panels share: charts, a film card, the star widget, display formatting.

pub mod canvas_size;
pub mod charts;
pub mod fields;
pub mod film_card;
pub mod format;
pub mod serving_message;
pub mod stars;
