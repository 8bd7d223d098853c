//! The model zoo: pick models and a split, fit them one after another (a progress list, Stop),
//! compare them in one table, bars per metric and overlaid validation curves; export the table;
//! make a row serve recommendations and the map.

use filmspace_core::split::SplitKind;
use filmspace_core::zoo::{ZooModel, ZooOptions, ZooRow};
use leptos::prelude::*;

use crate::ui::widgets::fields::{LabelledSelect, Panel};
use crate::ui::widgets::serving_message::ServingMessage;
use crate::web::upload::read_picked_file;
use filmspace_core::data::limits::MAX_PICKED_BUNDLE_BYTES;

use crate::state::zoo::{ModelProgress, Zoo, ZooState};
use crate::ui::widgets::charts::{Chart, Line, SERIES_COLOURS, draw_lines, draw_metric_bars};

/// The board's metric columns: (key, heading, value of a row).
type Pick = fn(&ZooRow) -> Option<f64>;
const METRICS: [(&str, &str, Pick); 6] = [
    ("rmse", "RMSE", |r| r.errors.map(|e| e.rmse)),
    ("mae", "MAE", |r| r.errors.map(|e| e.mae)),
    ("p10", "P@10", |r| Some(r.ranking.precision)),
    ("r10", "R@10", |r| Some(r.ranking.recall)),
    ("ndcg10", "NDCG@10", |r| Some(r.ranking.ndcg)),
    ("hr10", "HR@10", |r| Some(r.ranking.hit_rate)),
];

fn decimal(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{v:.4}"))
}

/// How the board names a split it offers.
fn split_label(kind: SplitKind) -> String {
    match kind {
        SplitKind::Fold(1) => "u1 (u1.base / u1.test)".into(),
        SplitKind::Random701515 => "random 70/15/15 (validation early stopping)".into(),
        SplitKind::Random80 => "random 80/20".into(),
        other => other.name(),
    }
}

#[component]
pub fn ZooPanel(
    zoo: Zoo,
    #[prop(into)] on_run: Callback<()>,
    /// A bundle picked: its file name and bytes, or why it was not read.
    #[prop(into)]
    on_bundle: Callback<(String, Result<Vec<u8>, String>)>,
) -> impl IntoView {
    view! {
        <Panel id="zoo-title" title="Model zoo" wide=true>
            <p class="hint">
                "The course models side by side on one split: pick some, run them (one after another, \
                 in a worker), and compare. Trainable models use their tuned settings, stop early on a \
                 10% holdout of the training file and are refitted on all of it."
            </p>
            <ZooPicker zoo />
            <ZooControls zoo on_run />
            <ZooProgress zoo />
            <ZooBoard zoo />
            <ZooBundle zoo on_bundle />
            <ZooCharts zoo />
            <details class="zoo-explanations">
                <summary>"What each model learns, and when it wins"</summary>
                <dl>
                    {ZooModel::ALL.into_iter().map(|m| view! { <dt>{m.label()}</dt><dd>{m.explanation()}</dd> }).collect_view()}
                </dl>
            </details>
        </Panel>
    }
}

/// Which models, on which split, with the settings a person may change (ALS, EASE).
#[component]
fn ZooPicker(zoo: Zoo) -> impl IntoView {
    let running = move || zoo.state.get() == ZooState::Running;
    let option_field = move |key: &'static str,
                             label: &'static str,
                             value: fn(&ZooOptions) -> String,
                             set: fn(&mut ZooOptions, f64)| {
        view! {
            <div class="field">
                <label for=format!("zoo-{key}")>{label}</label>
                <input
                    id=format!("zoo-{key}")
                    type="number"
                    data-testid=format!("zoo-{key}")
                    prop:value=move || value(&zoo.options.get())
                    disabled=running
                    on:change=move |ev| {
                        match event_target_value(&ev).trim().parse::<f64>() {
                            Ok(v) if v > 0.0 && v.is_finite() => zoo.options.update(|o| set(o, v)),
                            _ => zoo.message.set(Some(format!("{label}: a positive number, please."))),
                        }
                    }
                />
            </div>
        }
    };
    view! {
    <fieldset class="zoo-models" disabled=running>
        <legend>"Models"</legend>
        {ZooModel::ALL.into_iter().filter(|m| m.fitted_here()).map(|model| view! {
            <label class="zoo-model" title=model.explanation()>
                <input
                    type="checkbox"
                    data-testid="zoo-model"
                    data-model=model.name()
                    prop:checked=move || zoo.picked.get().contains(&model)
                    on:change=move |_| zoo.toggle(model)
                />
                {model.label()}
            </label>
        }).collect_view()}
    </fieldset>
    <div class="fields">
        <LabelledSelect id="zoo-split" label="Split" disabled=Signal::derive(running)
            on_change=move |v: String| if let Some(kind) = SplitKind::parse(&v) { zoo.split.set(kind) }>
            {move || zoo.splits.get().into_iter().map(|kind| view! {
                <option value=kind.name() selected=move || zoo.split.get() == kind>{split_label(kind)}</option>
            }).collect_view()}
        </LabelledSelect>
        {option_field("als-rank", "ALS rank", |o| o.als_rank.to_string(), |o, v| o.als_rank = (v as usize).clamp(1, 256))}
        {option_field("als-lambda", "ALS weighted λ", |o| o.als_lambda.to_string(), |o, v| o.als_lambda = v)}
        {option_field("ease-lambda", "EASE λ", |o| o.ease_lambda.to_string(), |o, v| o.ease_lambda = v)}
    </div>
    }
}

/// Run, Stop, the CSV, where the run stands, and which model serves.
#[component]
fn ZooControls(zoo: Zoo, on_run: Callback<()>) -> impl IntoView {
    let running = move || zoo.state.get() == ZooState::Running;
    view! {
    <div class="controls">
        <button data-testid="zoo-run" on:click=move |_| on_run.run(()) disabled=running>"Run the picked models"</button>
        <button data-testid="zoo-stop" on:click=move |_| zoo.stop() disabled=move || !running()>"Stop"</button>
        <button data-testid="zoo-export" on:click=move |_| zoo.export() disabled=move || zoo.rows.get().is_empty()>"Download the table (CSV)"</button>
        <span data-testid="zoo-state" data-state=move || zoo.state.get().name() class="hint">
            {move || match zoo.state.get() {
                ZooState::Idle => "Not run yet.".to_string(),
                ZooState::Running => "Running…".to_string(),
                ZooState::Done => format!("{} models compared.", zoo.rows.get().len()),
                ZooState::Error => "The run failed.".to_string(),
            }}
        </span>
    </div>
    {move || zoo.message.get().map(|m| view! { <p class="status status-error" role="alert" data-testid="zoo-message">{m}</p> })}
    <p class="hint" data-testid="zoo-serving" data-model=move || zoo.serving_model().map_or("", |m| m.name())
        data-kept=move || zoo.serving.kept.get().to_string()>
        {move || zoo.serving.now.with(|now| match now {
            Some(s) => format!("Serving recommendations and the map: {}. Any row's \"use\" hands them to its model.", s.label()),
            None => "Any row's \"use\" makes its model serve recommendations and the map.".to_string(),
        })}
    </p>
    <ServingMessage serving=zoo.serving testid="serving-message" />
    }
}

/// One line per picked model: waiting, its epoch, done or why it failed.
#[component]
fn ZooProgress(zoo: Zoo) -> impl IntoView {
    view! {
    <ol class="zoo-progress" data-testid="zoo-progress">
        {move || zoo.progress.get().into_iter().map(|(model, progress)| {
            let (state, text) = match progress {
                ModelProgress::Waiting => ("waiting", "waiting".to_string()),
                ModelProgress::Training(at) => ("running", at),
                ModelProgress::Done => ("done", "done".to_string()),
                ModelProgress::Failed(why) => ("error", format!("failed: {why}")),
            };
            view! { <li data-model=model.name() data-state=state>{model.label()} " — " {text}</li> }
        }).collect_view()}
    </ol>
    }
}

/// The board: a row per model with its metrics, cost, backend and "use".
#[component]
fn ZooBoard(zoo: Zoo) -> impl IntoView {
    view! {
    <table class="board" data-testid="zoo-table">
        <caption>"On the split's test set (RMSE/MAE: every test rating; ranking: top 10 of the films a person has not rated, relevant = rated ≥ 4)"</caption>
        <thead><tr>
            <th scope="col">"model"</th>
            {METRICS.into_iter().map(|(_, name, _)| view! { <th scope="col">{name}</th> }).collect_view()}
            <th scope="col">"train s"</th>
            <th scope="col">"parameters"</th>
            <th scope="col">"backend"</th>
            <th scope="col">"serve"</th>
        </tr></thead>
        <tbody>
            {move || zoo.rows.get().into_iter().map(|row| {
                let model = row.model;
                let serving = move || zoo.serving_model() == Some(model);
                view! {
                    <tr data-testid="zoo-row" data-model=model.name()
                        data-rmse=decimal(row.errors.map(|e| e.rmse)) data-ndcg10=decimal(Some(row.ranking.ndcg))>
                        <th scope="row" title=model.explanation()>{model.label()}</th>
                        {METRICS.into_iter().map(|(_, _, pick)| view! { <td>{decimal(pick(&row))}</td> }).collect_view()}
                        <td>{format!("{:.2}", row.train_ms / 1e3)}</td>
                        <td>{row.parameters.to_string()}</td>
                        <td>{row.backend.clone()}</td>
                        <td>
                            <button data-testid="zoo-use" data-model=model.name()
                                disabled=move || !zoo.can_serve(model) || serving()
                                title="Serve recommendations and the map with this model"
                                on:click=move |_| zoo.serve(model)>
                                {move || if serving() { "serving" } else { "use" }}
                            </button>
                        </td>
                    </tr>
                }
            }).collect_view()}
        </tbody>
    </table>
    }
}

/// Opening a model bundle (Spark's, or one this page exported): it joins the board and serves.
#[component]
fn ZooBundle(zoo: Zoo, on_bundle: Callback<(String, Result<Vec<u8>, String>)>) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        read_picked_file(&ev, MAX_PICKED_BUNDLE_BYTES, move |name, bytes| {
            on_bundle.run((name, bytes))
        });
    };
    view! {
    <div class="field">
        <label for="model-file-input">
            "Open a model bundle (.safetensors, from scripts/spark-als or Export model):"
        </label>
        <input id="model-file-input" data-testid="model-file-input" type="file"
            accept=".safetensors" on:change=on_change />
    </div>
    {move || zoo.bundle_note.get().map(|note| view! {
        <p class="hint" data-testid="model-file-note">{note}</p>
    })}
    }
}

/// Bars of one metric across the models, and the holdout curves overlaid.
#[component]
fn ZooCharts(zoo: Zoo) -> impl IntoView {
    let metric = RwSignal::new(4usize);
    view! {
    <div class="fields">
        <LabelledSelect id="zoo-metric" label="Bars of" on_change=move |v: String| metric.set(v.parse().unwrap_or(4))>
            {METRICS.into_iter().enumerate().map(|(k, (_, name, _))| view! {
                <option value=k.to_string() selected=move || metric.get() == k>{name}</option>
            }).collect_view()}
        </LabelledSelect>
    </div>
    <figure>
        <Chart testid="zoo-chart" label="The picked metric per model".to_string()
            draw=move |canvas| {
                let (_, name, pick) = METRICS[metric.get()];
                let bars: Vec<(String, f64)> = zoo.rows.get().iter()
                    .filter_map(|r| Some((r.model.name().to_string(), pick(r)?)))
                    .collect();
                let top = bars.iter().map(|b| b.1).fold(0.0f64, f64::max);
                draw_metric_bars(canvas, &bars, (top * 1.15).max(0.05), name);
            } />
        <figcaption>"One metric across the models (the select above picks it). Rating models that rank poorly and ranking models that predict no rating are both real lessons."</figcaption>
    </figure>
    <figure>
        <Chart testid="zoo-curves" label="Validation RMSE per epoch, one line per trained model".to_string()
            draw=move |canvas| {
                let mut lines: Vec<Line> = zoo.rows.get().iter()
                    .filter(|r| r.history.iter().any(|e| e.validation_rmse.is_some()))
                    .map(|r| (r.model.name().to_string(), r.history.clone()))
                    .chain(Some(zoo.live.get()).filter(|l| !l.is_empty()).map(|l| ("training…".to_string(), l)))
                    .enumerate()
                    .map(|(k, (name, history))| Line {
                        name,
                        color: SERIES_COLOURS[k % SERIES_COLOURS.len()],
                        points: history.iter().filter_map(|e| Some((e.epoch as u32, e.validation_rmse?))).collect(),
                    })
                    .collect();
                lines.retain(|l| !l.points.is_empty());
                draw_lines(canvas, &lines, "epoch (holdout run)");
            } />
        <figcaption>"Validation RMSE on the 10% holdout, epoch by epoch, overlaid: where each model stops improving."</figcaption>
    </figure>
    }
}
