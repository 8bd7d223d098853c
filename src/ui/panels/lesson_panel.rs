//! The lesson rail: the lessons as links, and the chosen one's text with the page's live
//! numbers (the text itself is the core's, from the facts gathered here).

use filmspace_core::lessons::{GenreAucMeans, Lesson, LessonFacts, LongTail, VisitorFacts};
use filmspace_core::stats::DatasetStats;
use filmspace_core::train::ValidationCurve;
use leptos::prelude::*;

use crate::state::data::DataState;
use crate::state::map::{Explorer, Projection};
use crate::state::training::Training;
use crate::state::visitor::Visitor;
use crate::state::zoo::Zoo;
use crate::ui::widgets::fields::Panel;

/// The rail's heading id: the panel presenter mode always keeps.
pub const LESSON_PANEL: &str = "lesson-title";

#[component]
pub fn LessonPanel(
    lesson: ReadSignal<Option<Lesson>>,
    data: ReadSignal<DataState>,
    training: Training,
    explorer: Explorer,
    visitor: Visitor,
    zoo: Zoo,
    presenting: RwSignal<bool>,
    on_go: Callback<Lesson>,
) -> impl IntoView {
    // Only the data lesson counts the long tail: one pass over the ratings, when it is shown.
    let long_tail = Memo::new(move |_| match (lesson.get(), data.get()) {
        (Some(Lesson::Data), DataState::Ready { dataset, .. }) => {
            Some(LongTail::of(&DatasetStats::of(&dataset)))
        }
        _ => None,
    });
    let facts = move || {
        let history = training.history.get();
        LessonFacts {
            long_tail: long_tail.get(),
            run: ValidationCurve::of(&history),
            final_train_loss: history.last().map(|r| r.train_loss),
            test_rmse: training
                .board
                .with(|b| b.first().and_then(|row| row.errors.map(|e| e.rmse))),
            pinned: training
                .pinned
                .get()
                .and_then(|p| Some((p.label, p.curve?))),
            visitor: visitor_facts(visitor),
            pca_explained: pca_explained(explorer),
            selected: selected_with_neighbours(explorer),
            genre_auc: genre_auc(explorer),
            board: zoo.rows.get(),
        }
    };
    view! {
        <Panel id=LESSON_PANEL title="Lessons" wide=true>
            <ol class="lesson-list" data-testid="lesson-list">
                {Lesson::ALL.into_iter().map(|l| view! {
                    <li data-testid="lesson" data-lesson=l.id()
                        class=move || if lesson.get() == Some(l) { "lesson-current" } else { "" }>
                        <a href=format!("?lesson={}", l.id())
                            on:click=move |ev| { ev.prevent_default(); on_go.run(l); }>{l.title()}</a>
                    </li>
                }).collect_view()}
            </ol>
            <button data-testid="presenter-toggle" aria-pressed=move || presenting.get().to_string()
                title="Large type, the lesson and its panel only; → / ← (or Page Down / Up) for the next and previous lesson, Esc to leave"
                on:click=move |_| {
                    presenting.update(|p| *p = !*p);
                    if presenting.get_untracked() && lesson.get_untracked().is_none() {
                        on_go.run(Lesson::ALL[0]);
                    }
                }>
                {move || if presenting.get() { "Leave presenter mode" } else { "Presenter mode" }}
            </button>
            {move || lesson.get().map(|l| {
                // The question and answer quote no numbers; the text follows the page's.
                let fixed = l.text(&LessonFacts::default());
                view! {
                <article class="lesson-body" data-testid="lesson-body" data-lesson=l.id()>
                    <h3>{fixed.title}</h3>
                    <div data-testid="lesson-text">
                        {move || l.text(&facts()).paragraphs.into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                    </div>
                    <details data-testid="lesson-question">
                        <summary>{fixed.question}</summary>
                        <p data-testid="lesson-answer">{fixed.answer}</p>
                    </details>
                    <div class="controls">
                        <button data-testid="lesson-prev" disabled=l.previous().is_none()
                            on:click=move |_| if let Some(p) = l.previous() { on_go.run(p) }>"← Previous"</button>
                        <button data-testid="lesson-next" disabled=l.next().is_none()
                            on:click=move |_| if let Some(n) = l.next() { on_go.run(n) }>"Next →"</button>
                    </div>
                </article>
                }
            })}
        </Panel>
    }
}

/// The share of variance the PCA map shows, while the map is PCA's.
fn pca_explained(explorer: Explorer) -> Option<f64> {
    let explained = explorer.model.with(|m| m.as_ref().map(|m| m.explained))?;
    (explorer.projection.get() == Projection::Pca).then(|| explained[0] + explained[1])
}

/// The selected film's title and its neighbours' titles with their similarity, as listed.
fn selected_with_neighbours(explorer: Explorer) -> Option<(String, Vec<(String, f32)>)> {
    let item = explorer.selected.get()?;
    let dataset = explorer.dataset.get()?;
    let title = |n: u32| dataset.films.get(n as usize).map(|f| f.title.clone());
    let neighbours = explorer
        .neighbours
        .get()
        .into_iter()
        .filter(|&(n, _)| n != item)
        .filter_map(|(n, similarity)| Some((title(n)?, similarity)))
        .collect();
    Some((title(item)?, neighbours))
}

fn genre_auc(explorer: Explorer) -> Option<GenreAucMeans> {
    explorer.classifier.with(|report| {
        let auc = report.as_ref()?.as_ref().ok()?.auc.as_ref()?;
        Some(GenreAucMeans {
            learned: auc.mean_auc,
            random: auc.mean_random_auc,
            popularity: auc.mean_popularity_auc,
        })
    })
}

/// How many films the visitor rated, what ranks their list and its first titles, as shown.
fn visitor_facts(visitor: Visitor) -> Option<VisitorFacts> {
    visitor.recs.with(|recs| {
        let recs = recs.as_ref()?;
        Some(VisitorFacts {
            rated: recs.rated.len(),
            model: recs.model.as_ref().map(|m| m.label.to_string()),
            top: recs.rows.iter().take(3).map(|r| r.title.clone()).collect(),
        })
    })
}
