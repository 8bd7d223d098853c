//! A run kept beside the next ones: its curves are drawn under theirs, so that two settings can
//! be compared on one chart (the over-fitting lesson pins d 128 without λ, then heals it).

use filmspace_core::train::{EpochReport, ValidationCurve};
use leptos::prelude::*;

use super::Training;

#[derive(Debug, Clone, PartialEq)]
pub struct PinnedRun {
    /// The run's settings in a few words, for the legend.
    pub label: String,
    pub history: Vec<EpochReport>,
    pub curve: Option<ValidationCurve>,
}

impl Training {
    /// A finished, stopped or paused run with at least one epoch can be pinned.
    pub fn can_pin(self) -> bool {
        self.state.get() != super::TrainState::Training && !self.history.with(|h| h.is_empty())
    }

    /// Keeps the current run's curves, labelled with the settings that made them.
    pub fn pin(self) {
        let history = self.history.get_untracked();
        if history.is_empty() {
            return;
        }
        let settings = self
            .trained
            .with_untracked(|t| t.as_ref().map(|(_, s)| s.clone()))
            .unwrap_or_else(|| self.settings.get_untracked());
        self.pinned.set(Some(PinnedRun {
            label: settings.describe(),
            curve: ValidationCurve::of(&history),
            history,
        }));
    }

    pub fn unpin(self) {
        self.pinned.set(None);
    }
}
