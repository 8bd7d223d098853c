//! Which column of a person's ratings file is which, when the page could not tell: the first
//! rows as a table (text, never HTML), a choice per role, and whether line 1 is a header.

use std::sync::Arc;

use filmspace_core::data::{Columns, ColumnsPreview};
use leptos::prelude::*;

/// A role's select: each column by its number and first cell; `optional` adds "none".
#[component]
fn ColumnSelect(
    id: &'static str,
    label: &'static str,
    preview: Arc<ColumnsPreview>,
    chosen: RwSignal<Option<usize>>,
    #[prop(optional)] optional: bool,
) -> impl IntoView {
    let first_row = preview.rows.first().cloned().unwrap_or_default();
    let options = (0..preview.width)
        .map(|k| {
            let head = first_row.get(k).cloned().unwrap_or_default();
            let text = format!("column {}: {head}", k + 1);
            view! { <option value=k.to_string() selected=move || chosen.get() == Some(k)>{text}</option> }
        })
        .collect_view();
    let on_change = move |ev| chosen.set(event_target_value(&ev).parse().ok());
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id data-testid=id on:change=on_change>
                {optional.then(|| view! { <option value="none" selected=move || chosen.get().is_none()>"none"</option> })}
                {options}
            </select>
        </div>
    }
}

#[component]
pub fn ColumnsDialog(
    preview: Arc<ColumnsPreview>,
    #[prop(into)] on_choose: Callback<Columns>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    let guess = preview.guess;
    let user = RwSignal::new(Some(guess.user));
    let item = RwSignal::new(Some(guess.item));
    let rating = RwSignal::new(guess.rating);
    let time = RwSignal::new(guess.time);
    let header = RwSignal::new(guess.header);
    let chosen = move || -> Result<Columns, &'static str> {
        let (Some(user), Some(item)) = (user.get(), item.get()) else {
            return Err("Choose the user and the item columns.");
        };
        let used: Vec<usize> = [Some(user), Some(item), rating.get(), time.get()]
            .into_iter()
            .flatten()
            .collect();
        if (1..used.len()).any(|k| used[..k].contains(&used[k])) {
            return Err("Each role needs a column of its own.");
        }
        Ok(Columns {
            user,
            item,
            rating: rating.get(),
            time: time.get(),
            header: header.get(),
        })
    };
    let rows = preview
        .rows
        .iter()
        .enumerate()
        .map(|(n, row)| {
            let is_header = move || n == 0 && header.get();
            let cells = (0..preview.width)
                .map(|k| {
                    let cell = row.get(k).cloned().unwrap_or_default();
                    view! { <td>{cell}</td> }
                })
                .collect_view();
            view! { <tr class:preview-header=is_header>{cells}</tr> }
        })
        .collect_view();
    let why = preview.why.clone();
    let file = preview.file.clone();
    view! {
        <div class="columns-dialog" data-testid="columns-dialog" role="dialog" aria-labelledby="columns-title">
            <h3 id="columns-title">"Which column is which in " {file} "?"</h3>
            <p class="hint">{why}</p>
            <table class="preview" data-testid="columns-preview"><tbody>{rows}</tbody></table>
            <div class="controls">
                <ColumnSelect id="columns-user" label="User" preview=preview.clone() chosen=user />
                <ColumnSelect id="columns-item" label="Item" preview=preview.clone() chosen=item />
                <ColumnSelect id="columns-rating" label="Rating (none: each row is a positive)" preview=preview.clone() chosen=rating optional=true />
                <ColumnSelect id="columns-time" label="Time" preview=preview.clone() chosen=time optional=true />
                <label>
                    <input type="checkbox" data-testid="columns-header" prop:checked=move || header.get()
                        on:change=move |ev| header.set(event_target_checked(&ev)) />
                    " The first line is a header"
                </label>
            </div>
            {move || chosen().err().map(|why| view! { <p class="status status-error" data-testid="columns-problem">{why}</p> })}
            <div class="controls">
                <button type="button" data-testid="columns-apply" disabled=move || chosen().is_err()
                    on:click=move |_| if let Ok(columns) = chosen() { on_choose.run(columns) }>
                    "Read the file"
                </button>
                <button type="button" data-testid="columns-cancel" on:click=move |_| on_cancel.run(())>"Cancel"</button>
            </div>
        </div>
    }
}
