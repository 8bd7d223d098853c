//! Painting the film map on its canvas with the 2-D context: the films coloured and sized, the
//! selection and its neighbours, the visitor's films, recommendations and position, the hover.

use filmspace_core::embedding::view::Viewport;
use leptos::prelude::GetUntracked;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::state::map::{ColourBy, Explorer, FilmFacts, MapModel};
use crate::ui::widgets::charts::pixel_ratio;

/// A genre's colour: ML-100K's 19 genres each have their own; larger vocabularies reuse them.
pub fn genre_colour(genre: usize) -> &'static str {
    GENRE_COLOURS[genre % GENRE_COLOURS.len()]
}

/// One colour per ML-100K genre (by its index), readable on white.
pub const GENRE_COLOURS: [&str; 19] = [
    "#9e9e9e", "#e03131", "#f08c00", "#ae3ec9", "#f783ac", "#fab005", "#495057", "#0ca678",
    "#1971c2", "#862e9c", "#5c940d", "#c92a2a", "#d6336c", "#364fc7", "#e64980", "#1098ad",
    "#74b816", "#2b8a3e", "#a61e4d",
];

/// Light blue → dark blue → magenta, for ordered values in [0, 1].
pub fn ramp(t: f64) -> String {
    let t = t.clamp(0.0, 1.0);
    let (r, g, b) = if t < 0.5 {
        let u = t * 2.0;
        (120.0 - 90.0 * u, 180.0 - 110.0 * u, 240.0 - 40.0 * u)
    } else {
        let u = (t - 0.5) * 2.0;
        (30.0 + 170.0 * u, 70.0 - 40.0 * u, 200.0 - 80.0 * u)
    };
    format!("rgb({r:.0},{g:.0},{b:.0})")
}

fn colour_of(facts: &FilmFacts, year: Option<u16>, by: ColourBy, item: usize) -> String {
    match by {
        ColourBy::Genre => genre_colour(facts.primary[item].unwrap_or(0)).to_string(),
        ColourBy::Decade => {
            let (first, last) = facts.decades;
            let span = (last - first + 10).max(10) as f64;
            year.map_or("#adb5bd".into(), |y| ramp((y as f64 - first as f64) / span))
        }
        ColourBy::MeanRating => {
            facts.means[item].map_or("#adb5bd".into(), |m| ramp((m as f64 - 1.0) / 4.0))
        }
        ColourBy::Popularity => ramp(
            (1.0 + facts.counts[item] as f64).ln() / (1.0 + facts.max_count as f64).ln().max(1e-9),
        ),
    }
}

/// The visitor's marks on the map.
pub struct Marks {
    pub rated: Vec<u32>,
    pub recommended: Vec<u32>,
    pub you: Option<[f32; 2]>,
}

/// What one redraw paints with.
pub struct Scene<'a> {
    pub model: &'a MapModel,
    pub view: Viewport,
    pub facts: &'a FilmFacts,
    pub years: &'a [Option<u16>],
    pub marks: &'a Marks,
}

/// The canvas's context with the scene's geometry.
struct Painter<'a> {
    ctx: CanvasRenderingContext2d,
    ratio: f64,
    size: (f64, f64),
    scene: &'a Scene<'a>,
}

impl Painter<'_> {
    fn at(&self, item: u32) -> [f64; 2] {
        let model = self.scene.model;
        self.scene
            .view
            .to_screen(&model.bounds, self.size, model.points[item as usize])
    }

    /// A film's dot radius, grown by `extra` CSS pixels (for rings around it).
    fn radius(&self, item: u32, extra: f64) -> f64 {
        let count = self.scene.facts.counts[item as usize];
        (1.6 + (count as f64).sqrt() / 5.0 + extra) * self.ratio
    }

    fn circle(&self, p: [f64; 2], r: f64) {
        self.ctx.begin_path();
        let _ = self.ctx.arc(p[0], p[1], r, 0.0, std::f64::consts::TAU);
    }

    fn films(&self, hidden: u64, colour: ColourBy) {
        let (facts, size) = (self.scene.facts, self.size);
        self.ctx.set_global_alpha(0.78);
        for (item, &year) in self
            .scene
            .years
            .iter()
            .enumerate()
            .take(self.scene.model.points.len())
        {
            if !Explorer::is_visible(facts, hidden, item) {
                continue;
            }
            let p = self.at(item as u32);
            if p[0] < -20.0 || p[1] < -20.0 || p[0] > size.0 + 20.0 || p[1] > size.1 + 20.0 {
                continue;
            }
            self.ctx
                .set_fill_style_str(&colour_of(facts, year, colour, item));
            self.circle(p, self.radius(item as u32, 0.0));
            self.ctx.fill();
        }
        self.ctx.set_global_alpha(1.0);
    }

    /// The selected film, joined to its neighbours.
    fn selection(&self, selected: u32, neighbours: &[(u32, f32)]) {
        let (ctx, from) = (&self.ctx, self.at(selected));
        ctx.set_stroke_style_str("rgba(35,35,58,0.55)");
        ctx.set_line_width(1.2 * self.ratio);
        for &(n, _) in neighbours {
            let to = self.at(n);
            ctx.begin_path();
            ctx.move_to(from[0], from[1]);
            ctx.line_to(to[0], to[1]);
            ctx.stroke();
            self.circle(to, self.radius(n, 2.0));
            ctx.stroke();
        }
        ctx.set_line_width(3.0 * self.ratio);
        ctx.set_stroke_style_str("#23233a");
        self.circle(from, self.radius(selected, 4.0));
        ctx.stroke();
    }

    /// Orange rings on rated films, blue squares on recommendations, a diamond for "you".
    fn marks(&self) {
        let (ctx, marks) = (&self.ctx, self.scene.marks);
        ctx.set_line_width(2.0 * self.ratio);
        ctx.set_stroke_style_str("#f08c00");
        for &item in &marks.rated {
            self.circle(self.at(item), self.radius(item, 2.5));
            ctx.stroke();
        }
        ctx.set_stroke_style_str("#3b5bdb");
        for &item in &marks.recommended {
            let (p, r) = (self.at(item), self.radius(item, 3.0));
            ctx.stroke_rect(p[0] - r, p[1] - r, 2.0 * r, 2.0 * r);
        }
        if let Some(you) = marks.you {
            let model = self.scene.model;
            let p = self.scene.view.to_screen(&model.bounds, self.size, you);
            let r = 7.0 * self.ratio;
            ctx.set_fill_style_str("#23233a");
            ctx.begin_path();
            ctx.move_to(p[0], p[1] - r);
            ctx.line_to(p[0] + r, p[1]);
            ctx.line_to(p[0], p[1] + r);
            ctx.line_to(p[0] - r, p[1]);
            ctx.close_path();
            ctx.fill();
            ctx.set_font(&format!("{}px sans-serif", (12.0 * self.ratio).round()));
            let _ = ctx.fill_text("You", p[0] + r + 3.0 * self.ratio, p[1] + 4.0 * self.ratio);
        }
    }

    fn hover(&self, item: u32) {
        self.ctx.set_stroke_style_str("#000000");
        self.ctx.set_line_width(1.5 * self.ratio);
        self.circle(self.at(item), self.radius(item, 1.5));
        self.ctx.stroke();
    }
}

/// Paints `scene` on `canvas`, with the explorer's colouring, hidden genres, selection and hover.
pub fn draw(canvas: &HtmlCanvasElement, scene: &Scene, explorer: Explorer) {
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let size = (canvas.width() as f64, canvas.height() as f64);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, size.0, size.1);
    let painter = Painter {
        ctx,
        ratio: pixel_ratio(),
        size,
        scene,
    };
    painter.films(
        explorer.hidden.get_untracked(),
        explorer.colour.get_untracked(),
    );
    if let Some(selected) = explorer.selected.get_untracked() {
        painter.selection(selected, &explorer.neighbours.get_untracked());
    }
    painter.marks();
    if let Some(item) = explorer.hover.get_untracked() {
        painter.hover(item);
    }
}
