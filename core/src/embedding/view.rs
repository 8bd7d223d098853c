//! The map's geometry, apart from any canvas: where a 2-D point lands on screen at a given zoom
//! and pan, which point is under the pointer, and how zooming about the pointer moves the view.

/// A view of the 2-D points: the data-space centre shown in the middle of the canvas, and the
/// zoom (1 = every point fits with a margin).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    pub centre: [f64; 2],
    pub zoom: f64,
}

/// The points' bounding box: what zoom 1 fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min: [f64; 2],
    pub max: [f64; 2],
}

pub const MIN_ZOOM: f64 = 0.5;
pub const MAX_ZOOM: f64 = 200.0;
/// Share of the canvas left as margin at zoom 1.
const MARGIN: f64 = 0.06;

impl Bounds {
    pub fn of(points: &[[f32; 2]]) -> Bounds {
        let mut b = Bounds {
            min: [f64::INFINITY; 2],
            max: [f64::NEG_INFINITY; 2],
        };
        for p in points
            .iter()
            .filter(|p| p[0].is_finite() && p[1].is_finite())
        {
            for (a, &v) in p.iter().enumerate() {
                b.min[a] = b.min[a].min(v as f64);
                b.max[a] = b.max[a].max(v as f64);
            }
        }
        if !b.min[0].is_finite() {
            return Bounds {
                min: [-1.0; 2],
                max: [1.0; 2],
            };
        }
        b
    }

    fn span(&self) -> f64 {
        (self.max[0] - self.min[0])
            .max(self.max[1] - self.min[1])
            .max(1e-9)
    }
}

impl Viewport {
    /// Everything in view.
    pub fn fit(bounds: &Bounds) -> Viewport {
        Viewport {
            centre: [
                (bounds.min[0] + bounds.max[0]) / 2.0,
                (bounds.min[1] + bounds.max[1]) / 2.0,
            ],
            zoom: 1.0,
        }
    }

    /// Pixels per data unit on a `width` × `height` canvas.
    fn scale(&self, bounds: &Bounds, width: f64, height: f64) -> f64 {
        width.min(height) * (1.0 - 2.0 * MARGIN) / bounds.span() * self.zoom
    }

    /// Screen position (y down) of a data point.
    pub fn to_screen(&self, bounds: &Bounds, (width, height): (f64, f64), p: [f32; 2]) -> [f64; 2] {
        let s = self.scale(bounds, width, height);
        [
            width / 2.0 + (p[0] as f64 - self.centre[0]) * s,
            height / 2.0 - (p[1] as f64 - self.centre[1]) * s,
        ]
    }

    /// Data position under a screen position.
    pub fn to_data(
        &self,
        bounds: &Bounds,
        (width, height): (f64, f64),
        x: f64,
        y: f64,
    ) -> [f64; 2] {
        let s = self.scale(bounds, width, height);
        [
            self.centre[0] + (x - width / 2.0) / s,
            self.centre[1] - (y - height / 2.0) / s,
        ]
    }

    /// Zooms by `factor` keeping the data point under (x, y) where it is.
    pub fn zoom_about(
        &self,
        bounds: &Bounds,
        size: (f64, f64),
        x: f64,
        y: f64,
        factor: f64,
    ) -> Viewport {
        let anchor = self.to_data(bounds, size, x, y);
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let mut next = Viewport { zoom, ..*self };
        let moved = next.to_data(bounds, size, x, y);
        next.centre = [
            next.centre[0] + anchor[0] - moved[0],
            next.centre[1] + anchor[1] - moved[1],
        ];
        next
    }

    /// Moves the view by a drag of (dx, dy) pixels: the content follows the pointer.
    pub fn pan(&self, bounds: &Bounds, size: (f64, f64), dx: f64, dy: f64) -> Viewport {
        let s = self.scale(bounds, size.0, size.1);
        Viewport {
            centre: [self.centre[0] - dx / s, self.centre[1] + dy / s],
            zoom: self.zoom,
        }
    }

    /// Centres on a point, zoomed in to at least `zoom`.
    pub fn fly_to(&self, p: [f32; 2], zoom: f64) -> Viewport {
        Viewport {
            centre: [p[0] as f64, p[1] as f64],
            zoom: self.zoom.max(zoom).clamp(MIN_ZOOM, MAX_ZOOM),
        }
    }

    /// The visible point nearest to (x, y) within `radius` pixels; `visible(i)` filters. The
    /// `preferred` point (the selected film, drawn on top of the others) wins wherever it is
    /// within the radius, so pointing at its mark names it even where others overlap it.
    #[allow(clippy::too_many_arguments)]
    pub fn hit(
        &self,
        bounds: &Bounds,
        size: (f64, f64),
        points: &[[f32; 2]],
        (x, y): (f64, f64),
        radius: f64,
        visible: impl Fn(usize) -> bool,
        preferred: Option<u32>,
    ) -> Option<u32> {
        points
            .iter()
            .enumerate()
            .filter(|(i, _)| visible(*i))
            .map(|(i, p)| {
                let s = self.to_screen(bounds, size, *p);
                let rank = preferred != Some(i as u32);
                (i, rank, (s[0] - x).powi(2) + (s[1] - y).powi(2))
            })
            .filter(|(_, _, d2)| *d2 <= radius * radius)
            .min_by(|a, b| {
                (a.1.cmp(&b.1))
                    .then(a.2.total_cmp(&b.2))
                    .then(a.0.cmp(&b.0))
            })
            .map(|(i, _, _)| i as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: (f64, f64) = (200.0, 100.0);

    fn bounds() -> Bounds {
        Bounds::of(&[[-1.0, -1.0], [3.0, 1.0]])
    }

    #[test]
    fn the_fitted_view_centres_the_box_with_a_margin() {
        let b = bounds();
        assert_eq!((b.min, b.max), ([-1.0, -1.0], [3.0, 1.0]));
        let v = Viewport::fit(&b);
        // Span 4 over min(200, 100)·0.88 = 88 px: 22 px per unit; centre (1, 0) at (100, 50).
        assert_eq!(v.to_screen(&b, SIZE, [1.0, 0.0]), [100.0, 50.0]);
        let corner = v.to_screen(&b, SIZE, [3.0, 1.0]);
        assert!((corner[0] - 144.0).abs() < 1e-9 && (corner[1] - 28.0).abs() < 1e-9);
        let back = v.to_data(&b, SIZE, corner[0], corner[1]);
        assert!((back[0] - 3.0).abs() < 1e-9 && (back[1] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn zooming_keeps_the_point_under_the_pointer_and_panning_follows_it() {
        let b = bounds();
        let v = Viewport::fit(&b);
        let before = v.to_data(&b, SIZE, 150.0, 20.0);
        let zoomed = v.zoom_about(&b, SIZE, 150.0, 20.0, 2.5);
        let after = zoomed.to_data(&b, SIZE, 150.0, 20.0);
        assert!((before[0] - after[0]).abs() < 1e-9 && (before[1] - after[1]).abs() < 1e-9);
        assert_eq!(zoomed.zoom, 2.5);
        assert_eq!(v.zoom_about(&b, SIZE, 0.0, 0.0, 1e6).zoom, MAX_ZOOM);
        let p = [2.0f32, 0.5];
        let at = v.to_screen(&b, SIZE, p);
        let moved = v.pan(&b, SIZE, 10.0, -5.0).to_screen(&b, SIZE, p);
        assert!((moved[0] - at[0] - 10.0).abs() < 1e-9 && (moved[1] - at[1] + 5.0).abs() < 1e-9);
    }

    #[test]
    fn hits_the_nearest_visible_point_within_the_radius() {
        let points = [[0.0f32, 0.0], [0.1, 0.0], [3.0, 1.0]];
        let b = Bounds::of(&points);
        let v = Viewport::fit(&b);
        let at = v.to_screen(&b, SIZE, points[1]);
        let near = (at[0] + 1.0, at[1]);
        let hit = |at, visible: &dyn Fn(usize) -> bool, preferred| {
            v.hit(&b, SIZE, &points, at, 6.0, visible, preferred)
        };
        assert_eq!(hit(near, &|_| true, None), Some(1));
        assert_eq!(hit(near, &|i| i != 1, None), Some(0));
        assert_eq!(hit((0.0, 0.0), &|_| true, None), None);
        // The selected point wins within the radius, though point 1 is nearer; not beyond it.
        assert_eq!(hit(near, &|_| true, Some(0)), Some(0));
        assert_eq!(hit(near, &|_| true, Some(2)), Some(1));
        assert_eq!(
            v.fly_to(points[2], 4.0).to_screen(&b, SIZE, points[2]),
            [100.0, 50.0]
        );
    }
}
