//! Form pieces the panels share: a labelled select and a panel's frame.

use leptos::html::Select;
use leptos::prelude::*;

/// A `<select>` with its label (its id is also its `data-testid`), an optional help line, an
/// optional value it follows, and the chosen value passed to `on_change`.
#[component]
pub fn LabelledSelect(
    id: &'static str,
    label: &'static str,
    #[prop(into)] on_change: Callback<String>,
    #[prop(optional, into)] disabled: Signal<bool>,
    #[prop(optional, into)] value: Option<Signal<String>>,
    #[prop(optional)] help: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let select = NodeRef::<Select>::new();
    if let Some(value) = value {
        // Set after the options exist, and again whenever the value changes.
        Effect::new(move |_| {
            let value = value.get();
            if let Some(select) = select.get() {
                select.set_value(&value);
            }
        });
    }
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select
                node_ref=select
                id=id
                data-testid=id
                disabled=move || disabled.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            >
                {children()}
            </select>
            {help.map(|help| view! { <small>{help}</small> })}
        </div>
    }
}

/// Presenter mode, given as context: while `shown` names a panel (by its heading id), only that
/// panel and the one whose heading is `always` stay on screen.
#[derive(Clone, Copy)]
pub struct PresenterFocus {
    pub shown: Signal<Option<&'static str>>,
    pub always: &'static str,
}

/// A panel of the page: a section labelled by its heading.
#[component]
pub fn Panel(
    id: &'static str,
    title: &'static str,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let focus = use_context::<PresenterFocus>();
    let set_aside = move || {
        focus.is_some_and(|f| f.always != id && f.shown.get().is_some_and(|shown| shown != id))
    };
    let class = move || {
        let base = if wide { "panel panel-wide" } else { "panel" };
        if set_aside() {
            format!("{base} panel-aside")
        } else {
            base.to_string()
        }
    };
    view! {
        <section class=class aria-labelledby=id>
            <h2 id=id>{title}</h2>
            {children()}
        </section>
    }
}
