//! The rating scale of a data set: ML-100K's whole stars 1–5, the later releases' half stars
//! 0.5–5, a person's own 1–10, or none at all (implicit data: each row is a positive).

/// Lowest and highest rating and the step between ratings, found in the data itself.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatingScale {
    pub min: f32,
    pub max: f32,
    pub step: f32,
    /// No rating column: every row says "this person chose this item", valued 1.
    pub implicit: bool,
}

/// Steps a scale may have, coarsest first; a finer one is taken only when the data needs it.
const STEPS: [f32; 5] = [1.0, 0.5, 0.25, 0.1, 0.01];

/// ML-100K's: what data sent without a scale (an older page's message) is on.
impl Default for RatingScale {
    fn default() -> Self {
        Self::STARS
    }
}

impl RatingScale {
    /// MovieLens 100K and 1M: whole stars from 1 to 5.
    pub const STARS: RatingScale = RatingScale {
        min: 1.0,
        max: 5.0,
        step: 1.0,
        implicit: false,
    };
    /// MovieLens 10M and the CSV releases: half stars from 0.5 to 5.
    pub const HALF_STARS: RatingScale = RatingScale {
        min: 0.5,
        max: 5.0,
        step: 0.5,
        implicit: false,
    };
    /// Data without ratings: every value is 1.
    pub const IMPLICIT: RatingScale = RatingScale {
        min: 1.0,
        max: 1.0,
        step: 1.0,
        implicit: true,
    };

    /// The smallest range and coarsest step (of 1, ½, ¼, 0.1, 0.01) that hold every value.
    /// `None` when there are no values or one is not finite.
    pub fn detect(values: impl IntoIterator<Item = f32>) -> Option<Self> {
        let (mut min, mut max) = (f32::INFINITY, f32::NEG_INFINITY);
        let mut fits = [true; STEPS.len()];
        for value in values {
            if !value.is_finite() {
                return None;
            }
            min = min.min(value);
            max = max.max(value);
            for (fit, step) in fits.iter_mut().zip(STEPS) {
                *fit &= on_step(value, step);
            }
        }
        if min > max {
            return None;
        }
        let step = STEPS
            .iter()
            .zip(fits)
            .find_map(|(&step, fit)| fit.then_some(step))
            .unwrap_or(0.0);
        Some(Self {
            min,
            max,
            step,
            implicit: false,
        })
    }

    /// A prediction moved into the scale's range (steps are not rounded to: RMSE is on the raw
    /// prediction, clipped, as the evaluation protocol says).
    pub fn clip(&self, prediction: f32) -> f32 {
        prediction.clamp(self.min, self.max)
    }

    /// A test rating at or above this counts as relevant for ranking metrics: 4 on 1–5 and on
    /// 0.5–5 (the protocol's threshold), the top quarter of the range on other scales, and every
    /// row of implicit data.
    pub fn relevant_at(&self) -> f32 {
        if self.implicit {
            return self.min;
        }
        let threshold = self.min + 0.75 * (self.max - self.min);
        if self.step > 0.0 {
            let steps = ((threshold - self.min) / self.step - 1e-4).ceil();
            self.min + steps * self.step
        } else {
            threshold
        }
    }

    /// Whether a person rates items of this data in half stars: its own ratings come in halves
    /// (or finer), as in MovieLens 10M and the CSV releases.
    pub fn half_stars(&self) -> bool {
        !self.implicit && self.step < 1.0
    }

    /// Star scales (0.5–5, 1–5) take a person's stars as they are.
    fn is_stars(&self) -> bool {
        self.max == 5.0 && (0.0..=1.0).contains(&self.min)
    }

    /// A person's stars (0.5–5) as a rating of this data: the same number on a star scale,
    /// 1–5 stars spread over the range of any other (3 stars is the middle of 1–10), clipped
    /// to the range; on implicit data any rating says "chosen".
    pub fn from_stars(&self, stars: f32) -> f32 {
        if self.implicit {
            self.max
        } else if self.is_stars() {
            self.clip(stars)
        } else {
            self.clip(self.min + (stars - 1.0) / 4.0 * (self.max - self.min))
        }
    }

    /// A rating of this data in stars (the inverse of [`RatingScale::from_stars`]), so what
    /// was tuned on stars (how much a rating pulls a ranking) means the same on every scale.
    pub fn to_stars(&self, value: f32) -> f32 {
        if self.implicit {
            5.0
        } else {
            1.0 + (value - self.from_stars(1.0)) * self.stars_per_unit()
        }
    }

    /// How many stars one unit of this scale is worth.
    pub fn stars_per_unit(&self) -> f32 {
        if self.implicit || self.is_stars() || self.max <= self.min {
            1.0
        } else {
            4.0 / (self.max - self.min)
        }
    }

    /// Whether a value a person gives is on this scale (in range and on a step).
    pub fn holds(&self, value: f32) -> bool {
        value.is_finite()
            && (self.min..=self.max).contains(&value)
            && (self.step == 0.0 || on_step(value - self.min, self.step))
    }

    /// Values a rating widget offers, lowest first (at most 20; finer scales are offered in
    /// 20 even parts).
    pub fn choices(&self) -> Vec<f32> {
        if self.implicit {
            return vec![self.max];
        }
        let step = if self.step > 0.0 && (self.max - self.min) / self.step <= 19.0 {
            self.step
        } else {
            (self.max - self.min) / 19.0
        };
        let count = ((self.max - self.min) / step).round() as usize + 1;
        (0..count).map(|k| self.min + k as f32 * step).collect()
    }

    /// "1–5, whole stars", "0.5–5 in halves", "implicit (no ratings)".
    pub fn describe(&self) -> String {
        if self.implicit {
            return "implicit (each row is a positive; no ratings)".into();
        }
        let unit = if self.step == 1.0 {
            "whole steps".to_string()
        } else if self.step == 0.5 {
            "half steps".to_string()
        } else if self.step == 0.0 {
            "any value".to_string()
        } else {
            format!("steps of {}", self.step)
        };
        format!("{}–{}, {unit}", self.min, self.max)
    }
}

fn on_step(value: f32, step: f32) -> bool {
    let units = value / step;
    (units - units.round()).abs() < 1e-3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_finds_range_and_coarsest_step() {
        assert_eq!(
            RatingScale::detect([3.0, 1.0, 5.0, 4.0]),
            Some(RatingScale::STARS)
        );
        assert_eq!(
            RatingScale::detect([0.5, 5.0, 3.5]),
            Some(RatingScale::HALF_STARS)
        );
        let tenths = RatingScale::detect([1.0, 9.7, 10.0]).unwrap();
        assert_eq!((tenths.min, tenths.max, tenths.step), (1.0, 10.0, 0.1));
        assert_eq!(RatingScale::detect([0.333, 1.0]).unwrap().step, 0.0);
        assert_eq!(RatingScale::detect([]), None);
        assert_eq!(RatingScale::detect([1.0, f32::NAN]), None);
    }

    #[test]
    fn relevance_threshold_is_four_on_movielens_scales() {
        assert_eq!(RatingScale::STARS.relevant_at(), 4.0);
        assert_eq!(RatingScale::HALF_STARS.relevant_at(), 4.0);
        let ten = RatingScale {
            min: 1.0,
            max: 10.0,
            step: 1.0,
            implicit: false,
        };
        assert_eq!(ten.relevant_at(), 8.0);
        assert_eq!(RatingScale::IMPLICIT.relevant_at(), 1.0);
    }

    #[test]
    fn stars_map_onto_every_scale_and_back() {
        let ten = RatingScale {
            min: 1.0,
            max: 10.0,
            step: 1.0,
            implicit: false,
        };
        // Stars on a star scale are ratings as they are (clipped to it).
        assert_eq!(RatingScale::STARS.from_stars(4.0), 4.0);
        assert_eq!(RatingScale::STARS.from_stars(0.5), 1.0);
        assert_eq!(RatingScale::HALF_STARS.from_stars(3.5), 3.5);
        // Elsewhere 1–5 stars span the range: 3 stars is the middle of 1–10.
        assert_eq!(ten.from_stars(1.0), 1.0);
        assert_eq!(ten.from_stars(3.0), 5.5);
        assert_eq!(ten.from_stars(5.0), 10.0);
        assert_eq!(ten.from_stars(0.5), 1.0);
        for stars in [1.0, 2.5, 4.0, 5.0] {
            assert!((ten.to_stars(ten.from_stars(stars)) - stars).abs() < 1e-6);
            assert_eq!(RatingScale::HALF_STARS.to_stars(stars), stars);
        }
        assert_eq!(ten.stars_per_unit(), 4.0 / 9.0);
        assert_eq!(RatingScale::IMPLICIT.from_stars(2.0), 1.0);
        assert_eq!(RatingScale::IMPLICIT.to_stars(1.0), 5.0);
        assert!(RatingScale::HALF_STARS.half_stars() && !RatingScale::STARS.half_stars());
        assert!(!ten.half_stars() && !RatingScale::IMPLICIT.half_stars());
    }

    #[test]
    fn choices_and_membership_follow_the_scale() {
        assert_eq!(RatingScale::STARS.choices(), vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(RatingScale::HALF_STARS.choices().len(), 10);
        assert!(RatingScale::HALF_STARS.holds(3.5));
        assert!(!RatingScale::STARS.holds(3.5));
        assert!(!RatingScale::STARS.holds(0.0));
        assert_eq!(RatingScale::STARS.clip(7.2), 5.0);
        assert_eq!(RatingScale::HALF_STARS.clip(0.1), 0.5);
        assert_eq!(RatingScale::HALF_STARS.describe(), "0.5–5, half steps");
    }
}
