//! Canvas charts drawn with plotters. Sharp on high-DPI screens: the canvas gets
//! devicePixelRatio × its CSS size in pixels, and every length is scaled to match.

use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use super::canvas_size::{fit_buffer, observed_size};

const ACCENT: RGBColor = RGBColor(0x3b, 0x5b, 0xdb);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x44);
const GRID: RGBColor = RGBColor(0xe4, 0xe6, 0xee);

/// A canvas that draws itself once laid out, and again when its size or what `draw` reads
/// changes.
#[component]
pub fn Chart<F>(testid: &'static str, label: String, draw: F) -> impl IntoView
where
    F: Fn(&HtmlCanvasElement) + 'static,
{
    let canvas = NodeRef::<Canvas>::new();
    let size = observed_size(canvas);
    Effect::new(move |_| {
        if let (Some(canvas), Some(size)) = (canvas.get(), size.get()) {
            fit_buffer(&canvas, size);
            draw(&canvas);
        }
    });
    view! { <canvas node_ref=canvas class="chart" data-testid=testid role="img" aria-label=label></canvas> }
}

pub(crate) fn pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .max(1.0)
}

/// Scales a CSS length to canvas pixels.
fn px(css: f64) -> u32 {
    (css * pixel_ratio()).round() as u32
}

fn font(size: f64) -> TextStyle<'static> {
    ("sans-serif", px(size) as f64).into_font().color(&INK)
}

/// The canvas as a white drawing area.
fn blank_area(canvas: &HtmlCanvasElement) -> Option<DrawingArea<CanvasBackend, Shift>> {
    let root = CanvasBackend::with_canvas_object(canvas.clone())?.into_drawing_area();
    root.fill(&WHITE).ok()?;
    Some(root)
}

/// A chart builder with the margins and label areas every chart here uses.
fn framed<'a, 'b>(
    root: &'a DrawingArea<CanvasBackend, Shift>,
) -> ChartBuilder<'a, 'b, CanvasBackend> {
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(px(12.0))
        .x_label_area_size(px(34.0))
        .y_label_area_size(px(64.0));
    builder
}

/// Labelled vertical bars from 0 to `y_max`, one per (label, value).
fn draw_bars(
    canvas: &HtmlCanvasElement,
    bars: &[(String, f64)],
    y_max: f64,
    x_desc: &str,
    y_desc: &str,
) {
    let Some(root) = blank_area(canvas) else {
        return;
    };
    let n = bars.len().max(1) as u32;
    let Ok(mut chart) =
        framed(&root).build_cartesian_2d((0u32..n - 1).into_segmented(), 0f64..y_max)
    else {
        return;
    };
    let whole = y_max > 10.0;
    let _ = chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(bars.len())
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(font(if bars.len() > 8 { 10.0 } else { 12.0 }))
        .axis_desc_style(font(12.0))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => bars
                .get(*i as usize)
                .map(|b| b.0.clone())
                .unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|y| {
            if whole {
                format!("{y:.0}")
            } else if y_max >= 2.0 {
                format!("{y:.1}")
            } else {
                format!("{y:.2}")
            }
        })
        .draw();
    let _ = chart.draw_series(
        Histogram::vertical(&chart)
            .style(ACCENT.filled())
            .margin(px(if bars.len() > 8 { 3.0 } else { 10.0 }))
            .data(bars.iter().enumerate().map(|(i, b)| (i as u32, b.1))),
    );
    let _ = root.present();
}

/// Bars of the 1★–5★ counts.
pub fn draw_rating_histogram(canvas: &HtmlCanvasElement, counts: &[(f32, usize)]) {
    let bars: Vec<(String, f64)> = counts
        .iter()
        .map(|&(value, c)| (format!("{value}★"), c as f64))
        .collect();
    let max = counts.iter().map(|&(_, c)| c).max().unwrap_or(1) as f64;
    draw_bars(canvas, &bars, max * 1.1, "rating", "ratings");
}

/// Ratings per film against the film's popularity rank.
pub fn draw_long_tail(canvas: &HtmlCanvasElement, per_film: &[usize]) {
    let Some(root) = blank_area(canvas) else {
        return;
    };
    let max = per_film.first().copied().unwrap_or(1) as u32;
    let Ok(mut chart) =
        framed(&root).build_cartesian_2d(0u32..per_film.len() as u32, 0u32..max + max / 10)
    else {
        return;
    };
    let _ = chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_labels(5)
        .x_desc("films, most rated first")
        .y_desc("ratings")
        .label_style(font(12.0))
        .axis_desc_style(font(12.0))
        .draw();
    let _ = chart.draw_series(
        AreaSeries::new(
            per_film
                .iter()
                .enumerate()
                .map(|(rank, &n)| (rank as u32, n as u32)),
            0,
            ACCENT.mix(0.25),
        )
        .border_style(ShapeStyle::from(ACCENT).stroke_width(px(1.5))),
    );
    let _ = root.present();
}

/// Train loss and validation RMSE against the epoch, drawn again as each epoch arrives.
pub fn draw_learning_curves(
    canvas: &HtmlCanvasElement,
    history: &[filmspace_core::train::EpochReport],
    pinned: Option<(&str, &[filmspace_core::train::EpochReport])>,
) {
    let mut series = Vec::from(curves_of(history, "", ACCENT, RGBColor(0xe0, 0x6c, 0x00)));
    if let Some((label, pinned)) = pinned {
        // Paler twins of the current colours, named after the pinned run's settings.
        let pale = curves_of(
            pinned,
            &format!(" — pinned: {label}"),
            RGBColor(0x9c, 0xb8, 0xd6),
            RGBColor(0xf0, 0xb8, 0x80),
        );
        series.extend(pale);
    }
    draw_lines(canvas, &series, "epoch");
}

/// A run's train loss and validation RMSE as two lines, their names ending in `suffix`.
fn curves_of(
    history: &[filmspace_core::train::EpochReport],
    suffix: &str,
    loss_colour: RGBColor,
    rmse_colour: RGBColor,
) -> [Line; 2] {
    [
        Line {
            name: format!("train loss{suffix}"),
            color: loss_colour,
            points: history
                .iter()
                .map(|r| (r.epoch as u32, r.train_loss))
                .collect(),
        },
        Line {
            name: format!("validation RMSE{suffix}"),
            color: rmse_colour,
            points: history
                .iter()
                .filter_map(|r| Some((r.epoch as u32, r.validation_rmse?)))
                .collect(),
        },
    ]
}

/// One named series of a line chart.
pub struct Line {
    pub name: String,
    pub color: RGBColor,
    pub points: Vec<(u32, f64)>,
}

/// Colours for several series (the zoo's overlaid curves), in turn.
pub const SERIES_COLOURS: [RGBColor; 8] = [
    RGBColor(0x1f, 0x6f, 0xb4),
    RGBColor(0xe0, 0x6c, 0x00),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// Lines with dots over epochs, with a legend.
pub fn draw_lines(canvas: &HtmlCanvasElement, series: &[Line], x_desc: &str) {
    let Some(root) = blank_area(canvas) else {
        return;
    };
    let values = series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (low, high) = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (low, high) = if low <= high { (low, high) } else { (0.7, 1.2) };
    let pad = ((high - low) * 0.1).max(0.01);
    let epochs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(2)
        .max(2);
    let Ok(mut chart) = framed(&root).build_cartesian_2d(1u32..epochs, (low - pad)..(high + pad))
    else {
        return;
    };
    let _ = chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .x_desc(x_desc)
        .label_style(font(12.0))
        .axis_desc_style(font(12.0))
        .draw();
    for line in series {
        let (color, points) = (line.color, line.points.clone());
        let style = ShapeStyle::from(color).stroke_width(px(2.0));
        if let Ok(drawn) = chart.draw_series(LineSeries::new(points.clone(), style)) {
            drawn.label(line.name.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + px(16.0) as i32, y)], style)
            });
        }
        let _ = chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, px(3.0), color.filled())),
        );
    }
    let _ = chart
        .configure_series_labels()
        .label_font(font(12.0))
        .background_style(WHITE.mix(0.9))
        .border_style(GRID)
        .draw();
    let _ = root.present();
}

/// One metric of the zoo's models as bars (`y_max` the top of the axis).
pub fn draw_metric_bars(
    canvas: &HtmlCanvasElement,
    bars: &[(String, f64)],
    y_max: f64,
    y_desc: &str,
) {
    draw_bars(canvas, bars, y_max, "", y_desc);
}

/// A score per genre as bars (0–1): F1 or ROC-AUC on the classifiers' test films.
pub fn draw_genre_scores(canvas: &HtmlCanvasElement, scores: &[(String, f64)], axis: &str) {
    let bars: Vec<(String, f64)> = scores
        .iter()
        .map(|(name, score)| (name.chars().take(8).collect(), *score))
        .collect();
    draw_bars(canvas, &bars, 1.0, "", axis);
}
