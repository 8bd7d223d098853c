//! The visitor's ratings and "not seen" films as this browser keeps them (localStorage, written
//! synchronously on every change). Two tabs share them: every write applies its one change to
//! what is stored *now* (not to what this tab read at start), and each tab follows the other's
//! writes through the `storage` event. A stored copy that cannot be read, whole or in part, is
//! copied aside under [`UNREADABLE_KEY`] before anything is written over it. Each data set has
//! its own keys (ML-100K the plain ones, others theirs ending in the data set's scope), so
//! ratings of one are never shown for, or overwritten by, another.

use filmspace_core::profile::Profile;
use leptos::prelude::*;

use super::{Notice, Visitor};
use crate::web::storage::local;

const RATINGS_KEY: &str = "filmspace.ratings.v1";
const NOT_SEEN_KEY: &str = "filmspace.not-seen.v1";
/// Where an unreadable copy of the ratings is kept, untouched, for the person to recover.
pub const UNREADABLE_KEY: &str = "filmspace.ratings.v1.unreadable";

/// One data set's localStorage keys.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Keys {
    ratings: String,
    not_seen: String,
    unreadable: String,
}

impl Keys {
    /// The keys of the data set with storage scope `scope` ("" for ML-100K).
    pub(super) fn of(scope: &str) -> Self {
        Self {
            ratings: format!("{RATINGS_KEY}{scope}"),
            not_seen: format!("{NOT_SEEN_KEY}{scope}"),
            unreadable: format!("{UNREADABLE_KEY}{scope}"),
        }
    }
}

/// The stored ratings, when there are any: `Ok` with what could be read and a notice for
/// what could not (then the stored text is copied aside first), `Err` when that copy failed.
fn stored_ratings(keys: &Keys) -> Result<Option<(Profile, Option<Notice>)>, String> {
    let Some(text) = local::get(&keys.ratings) else {
        return Ok(None);
    };
    let (profile, problem) = match Profile::from_stored(&text) {
        Ok(stored) if stored.dropped.is_empty() => return Ok(Some((stored.profile, None))),
        Ok(stored) => {
            let first = stored.dropped[0].clone();
            let problem = format!(
                "{} of your saved ratings could not be used and were left out ({first})",
                stored.dropped.len()
            );
            (stored.profile, problem)
        }
        Err(e) => (
            Profile::default(),
            format!("Your saved ratings could not be read ({e})"),
        ),
    };
    let key = keep_aside(keys, &text).map_err(|e| {
        format!("{problem}, and could not be copied aside ({e}), so they are not overwritten")
    })?;
    let notice = Notice::Error(format!(
        "{problem}. The saved copy is kept as it was in this browser's storage under \
         \u{201c}{key}\u{201d}."
    ));
    Ok(Some((profile, Some(notice))))
}

/// Copies `text` under the unreadable key (or, when that holds another copy already, under a
/// numbered key after it) and returns the key.
fn keep_aside(keys: &Keys, text: &str) -> Result<String, String> {
    for n in 1.. {
        let key = match n {
            1 => keys.unreadable.clone(),
            n => format!("{}.{n}", keys.unreadable),
        };
        match local::get(&key) {
            Some(kept) if kept == text => return Ok(key),
            Some(_) => continue,
            None => return local::set(&key, text).map(|()| key),
        }
    }
    unreachable!("some key is free")
}

fn stored_not_seen(keys: &Keys) -> Option<Vec<u32>> {
    local::get(&keys.not_seen).and_then(|text| serde_json::from_str(&text).ok())
}

/// What a data set starts with: its kept ratings and "not seen" films, and what to tell the
/// person.
pub(super) fn load(keys: &Keys) -> (Profile, Vec<u32>, Option<Notice>) {
    let not_seen = stored_not_seen(keys).unwrap_or_default();
    match stored_ratings(keys) {
        Ok(None) => (Profile::default(), not_seen, None),
        Ok(Some((profile, notice))) => (profile, not_seen, notice),
        Err(problem) => (
            Profile::default(),
            not_seen,
            Some(Notice::Error(format!("{problem}."))),
        ),
    }
}

impl Visitor {
    /// Shows the ratings kept for the data set with storage scope `scope`, when it is another
    /// than the one shown.
    pub fn switch_scope(self, scope: &str) {
        let keys = Keys::of(scope);
        if self.keys.with_value(|k| *k == keys) {
            return;
        }
        let (profile, not_seen, notice) = load(&keys);
        self.keys.set_value(keys);
        self.profile.set(profile);
        self.not_seen.set(not_seen);
        self.notice.set(notice);
    }

    /// Applies `change` to the ratings as stored now (or as shown, when none are stored), saves,
    /// and only then shows the result. When saving fails the change stays on this page.
    pub(super) fn commit(self, change: impl FnOnce(&mut Profile)) {
        let keys = self.keys.get_value();
        let (mut profile, saved) = match stored_ratings(&keys) {
            Ok(Some((profile, notice))) => (profile, Ok(notice)),
            Ok(None) => (self.profile.get_untracked(), Ok(None)),
            Err(problem) => (self.profile.get_untracked(), Err(problem)),
        };
        change(&mut profile);
        let saved = saved.and_then(|notice| {
            local::set(&keys.ratings, &profile.to_stored())
                .map(|()| notice)
                .map_err(|e| format!("Your ratings could not be saved in this browser: {e}"))
        });
        match saved {
            Ok(Some(notice)) => self.notice.set(Some(notice)),
            Ok(None) => {
                if matches!(self.notice.get_untracked(), Some(Notice::Error(_))) {
                    self.notice.set(None);
                }
            }
            Err(problem) => self.notice.set(Some(Notice::Error(format!(
                "{problem}. They stay on this page until it closes."
            )))),
        }
        self.profile.set(profile);
    }

    /// Adds to (or, with `None`, clears) the stored "not seen" films, merged with another tab's.
    pub(super) fn commit_not_seen(self, item_id: Option<u32>) {
        let keys = self.keys.get_value();
        let mut ids = stored_not_seen(&keys).unwrap_or_else(|| self.not_seen.get_untracked());
        match item_id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => {}
            None => ids.clear(),
        }
        if let Ok(json) = serde_json::to_string(&ids) {
            let _ = local::set(&keys.not_seen, &json);
        }
        self.not_seen.set(ids);
    }

    /// Shows what another tab saved, as soon as it saves it.
    pub(super) fn follow_other_tabs(self) {
        let handle = window_event_listener(leptos::ev::storage, move |event| {
            let key = event.key();
            let keys = self.keys.get_value();
            if key.is_none() || key.as_deref() == Some(keys.ratings.as_str()) {
                let shown = match stored_ratings(&keys) {
                    Ok(Some((profile, notice))) => {
                        if notice.is_some() {
                            self.notice.set(notice);
                        }
                        profile
                    }
                    Ok(None) => Profile::default(),
                    Err(problem) => {
                        self.notice.set(Some(Notice::Error(format!("{problem}."))));
                        return;
                    }
                };
                self.profile.set(shown);
            }
            if key.is_none() || key.as_deref() == Some(keys.not_seen.as_str()) {
                self.not_seen
                    .set(stored_not_seen(&keys).unwrap_or_default());
            }
        });
        // The page lives as long as the visitor's store: the listener is never removed.
        std::mem::forget(handle);
    }
}
