//! The training panel: settings, Train / Pause / Stop / Step, where the run stands, the learning
//! curves, the trained model beside the baselines, and its exports.

use filmspace_core::report::BoardRow;
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::SplitKind;
use filmspace_core::train::ValidationCurve;
use leptos::prelude::*;

use crate::ui::widgets::fields::{LabelledSelect, Panel};
use crate::ui::widgets::serving_message::ServingMessage;

use crate::state::training::{Export, MODEL_LABEL, TrainState, Training};
use crate::ui::widgets::charts::{Chart, draw_learning_curves};
use crate::ui::widgets::format::thousands;

/// A number input bound to one setting, by its URL key; bad input changes nothing and says why.
#[component]
fn NumberField(
    training: Training,
    key: &'static str,
    testid: &'static str,
    label: &'static str,
    help: &'static str,
    step: &'static str,
    value: fn(&TrainSettings) -> String,
    #[prop(into)] disabled: Signal<bool>,
) -> impl IntoView {
    let id = format!("field-{testid}");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="number"
                step=step
                data-testid=testid
                prop:value=move || value(&training.settings.get())
                disabled=move || disabled.get()
                on:change=move |ev| training.apply_setting(key, &event_target_value(&ev))
            />
            <small>{help}</small>
        </div>
    }
}

/// A number setting: URL key, test id, label, step, help, its value, and whether a run locks it
/// (the learning rate can change while training).
type NumberSetting = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    fn(&TrainSettings) -> String,
    bool,
);

const NUMBER_SETTINGS: [NumberSetting; 5] = [
    (
        "dim",
        "hp-dim",
        "Dimensions d",
        "1",
        "Numbers per vector: more can capture more taste, and overfit.",
        |s| s.dim.to_string(),
        true,
    ),
    (
        "lr",
        "hp-lr",
        "Learning rate",
        "any",
        "Step size of each update; can change while training.",
        |s| s.learning_rate.to_string(),
        false,
    ),
    (
        "reg",
        "hp-reg",
        "Regularisation",
        "any",
        "L2 penalty pulling vectors to zero: fights overfitting.",
        |s| s.reg.to_string(),
        true,
    ),
    (
        "epochs",
        "hp-epochs",
        "Epochs",
        "1",
        "Most passes over the ratings; early stopping may end sooner.",
        |s| s.epochs.to_string(),
        true,
    ),
    (
        "batch",
        "hp-batch",
        "Batch size",
        "1",
        "Ratings per update: bigger is faster per epoch, noisier when small.",
        |s| s.batch_size.to_string(),
        true,
    ),
];

fn split_label(kind: SplitKind) -> String {
    match kind {
        SplitKind::Fold(k) => format!("u{k} (GroupLens 80/20 fold {k})"),
        SplitKind::Ua => "ua (10 ratings per user held out)".into(),
        SplitKind::Ub => "ub (ratings 11–20 per user held out)".into(),
        SplitKind::Random80 => "random 80/20".into(),
        SplitKind::Random701515 => "random 70/15/15".into(),
        SplitKind::Random90 => "random 90/10".into(),
        SplitKind::Temporal => "temporal (each person's latest 20% held out)".into(),
    }
}

type Pick = fn(&BoardRow) -> Option<f64>;

/// The board's columns: test id of the trained model's cell, heading, value.
const METRIC_COLUMNS: [(&str, &str, Pick); 6] = [
    ("metric-rmse", "RMSE", |r| r.errors.map(|e| e.rmse)),
    ("metric-mae", "MAE", |r| r.errors.map(|e| e.mae)),
    ("metric-p10", "P@10", |r| Some(r.ranking.precision)),
    ("metric-r10", "R@10", |r| Some(r.ranking.recall)),
    ("metric-ndcg10", "NDCG@10", |r| Some(r.ranking.ndcg)),
    ("metric-hr10", "HR@10", |r| Some(r.ranking.hit_rate)),
];

fn metric(row: Option<&BoardRow>, pick: Pick) -> String {
    row.and_then(pick)
        .map(|v| format!("{v:.4}"))
        .unwrap_or_else(|| "–".into())
}

#[component]
pub fn TrainPanel(
    training: Training,
    #[prop(into)] on_start: Callback<bool>,
    #[prop(into)] on_export: Callback<Export>,
) -> impl IntoView {
    view! {
        <Panel id="train-title" title="Train a model: biased matrix factorisation" wide=true>
            <p class="hint">
                "Each person and each film gets a vector of "<em>"d"</em>" numbers and a bias; a predicted rating is the global mean plus both biases plus the dot product of the two vectors. Training nudges them to fit the ratings of the training set; a held-out 10% of it decides when to stop."
            </p>
            <TrainFields training />
            <TrainControls training on_start />
            <RunStatus training />
            <figure>
                <Chart testid="loss-chart" label="Training loss and validation RMSE per epoch".to_string()
                    draw=move |canvas| training.pinned.with(|pinned| draw_learning_curves(
                        canvas,
                        &training.history.get(),
                        pinned.as_ref().map(|p| (p.label.as_str(), p.history.as_slice())),
                    )) />
                <figcaption>"Train loss (squared error + penalty) and validation RMSE per epoch. When validation stops falling, the model starts memorising."</figcaption>
            </figure>
            <RunCompare training />
            <TrainBoard training />
            <TrainExports training on_export />
        </Panel>
    }
}

/// The settings: number fields, the split and the backend.
#[component]
fn TrainFields(training: Training) -> impl IntoView {
    let settings = training.settings;
    let running = Signal::derive(move || training.state.get().is_running());
    view! {
    <div class="fields">
        {NUMBER_SETTINGS.into_iter().map(|(key, testid, label, step, help, value, locked)| view! {
            <NumberField training key testid label step help value
                disabled=Signal::derive(move || locked && running.get()) />
        }).collect_view()}
        <LabelledSelect id="split-select" label="Split" disabled=running
            value=Signal::derive(move || settings.get().split.name())
            help="Which ratings train and which test; u1 is the papers' split."
            on_change=move |v: String| training.apply_setting("split", &v)>
            {move || training.splits.get().into_iter().map(|kind| view! {
                <option value=kind.name() selected=move || settings.get().split == kind>{split_label(kind)}</option>
            }).collect_view()}
        </LabelledSelect>
        <LabelledSelect id="backend-select" label="Backend" disabled=running
            value=Signal::derive(move || settings.get().backend.name().to_string())
            help="Auto uses WebGPU on a real GPU, else Burn's CPU backend."
            on_change=move |v: String| training.apply_setting("backend", &v)>
            <option value="auto">"auto (fastest here)"</option>
            <option value="webgpu">"WebGPU"</option>
            <option value="cpu">"CPU"</option>
        </LabelledSelect>
    </div>
    }
}

/// Train, Pause / Resume, Stop, Step one epoch.
#[component]
fn TrainControls(training: Training, on_start: Callback<bool>) -> impl IntoView {
    let state = move || training.state.get();
    let running = Signal::derive(move || training.state.get().is_running());
    view! {
    <div class="controls">
        <button data-testid="train-start" on:click=move |_| on_start.run(false) disabled=move || running.get()>"Train"</button>
        <button data-testid="train-pause" on:click=move |_| training.toggle_pause() disabled=move || !running.get()>
            {move || if state() == TrainState::Paused { "Resume" } else { "Pause" }}
        </button>
        <button data-testid="train-stop" on:click=move |_| training.stop() disabled=move || !running.get()>"Stop"</button>
        <button data-testid="train-step"
            on:click=move |_| if state() == TrainState::Paused { training.step_epoch() } else { on_start.run(true) }
            disabled=move || state() == TrainState::Training
        >"Step one epoch"</button>
    </div>
    }
}

/// The run's state, epoch, backend, thread, speed, progress bar, stage and messages.
#[component]
fn RunStatus(training: Training) -> impl IntoView {
    let state = move || training.state.get();
    let progress = move || training.progress.get();
    view! {
    <div class="run-status">
        <span data-testid="train-state" data-state=move || state().name() class=move || format!("state state-{}", state().name())>
            {move || state().name()}
        </span>
        <span>"Epoch "<b data-testid="train-epoch">{move || progress().epoch}</b>" of "{move || progress().epochs}</span>
        {move || training.backend.get().map(|b| view! {
            <span data-testid="train-backend" data-state=if b.gpu { "webgpu" } else { "cpu" } title=b.reason.clone()>
                {if b.gpu { "WebGPU" } else { "CPU" }}" — "{b.reason.clone()}
            </span>
        })}
        {move || training.thread.get().map(|t| view! { <span data-testid="train-thread" class="hint">{t}</span> })}
        {move || training.history.get().last().map(|r| view! {
            <span class="hint">{format!("{:.1} s elapsed · {:.0} ms/epoch · ", r.total_ms / 1000.0, r.elapsed_ms)}
                <span data-testid="train-rate" data-ratings-per-s=format!("{:.0}", r.ratings_per_sec)
                    title="Training ratings per second in the last epoch, on the backend shown">
                    {format!("{} ratings/s", thousands(r.ratings_per_sec.round() as usize))}
                </span>
            </span>
        })}
    </div>
    <div class="bar" data-testid="train-progress" role="progressbar" aria-label="Training progress"
        aria-valuemin="0" aria-valuemax="100" aria-valuenow=move || progress().percent.round().to_string()>
        <div class="bar-fill" style=move || format!("width: {}%", progress().percent)></div>
    </div>
    {move || Some(training.stage.get()).filter(|s| !s.is_empty()).map(|s| view! { <p class="hint" data-testid="train-stage">{s}</p> })}
    {move || training.message.get().map(|m| view! { <p class="status status-error" role="alert" data-testid="train-message">{m}</p> })}
    <ServingMessage serving=training.serving testid="train-serving-message" />
    // Benchmark tracing only (?trace=1): read by scripts/bench-browser.mjs, shown to nobody.
    {move || Some(training.trace.get()).filter(|t| !t.is_empty()).map(|t| view! {
        <div hidden data-testid="test-trace" data-trace=serde_json::to_string(&t).unwrap_or_default()></div>
    })}
    }
}

/// The trained model's test metrics beside the baselines on the same split.
#[component]
fn TrainBoard(training: Training) -> impl IntoView {
    let board = move || training.board.get();
    view! {
    <table class="board">
        <caption>"On the test set of the split (RMSE/MAE: all test ratings; ranking: top 10 of the films a person has not rated, relevant = rated ≥ 4)"</caption>
        <thead><tr>
            <th scope="col">"model"</th>
            {METRIC_COLUMNS.into_iter().map(|(_, name, _)| view! { <th scope="col">{name}</th> }).collect_view()}
        </tr></thead>
        <tbody>
            <tr class="model-row">
                <th scope="row">{MODEL_LABEL}</th>
                {METRIC_COLUMNS.into_iter().map(|(testid, _, pick)| view! {
                    <td data-testid=testid>{move || metric(board().first(), pick)}</td>
                }).collect_view()}
            </tr>
            {move || board().into_iter().skip(1).map(|row| view! {
                <tr>
                    <th scope="row">{row.label.clone()}</th>
                    {METRIC_COLUMNS.into_iter().map(|(_, _, pick)| view! { <td>{metric(Some(&row), pick)}</td> }).collect_view()}
                </tr>
            }).collect_view()}
        </tbody>
    </table>
    }
}

/// Downloads of the kept model's predictions and lists, and Forget.
#[component]
fn TrainExports(training: Training, on_export: Callback<Export>) -> impl IntoView {
    let has_model = move || training.trained.get().is_some() && !training.state.get().is_running();
    view! {
    <div class="controls">
        <button data-testid="export-predictions" on:click=move |_| on_export.run(Export::Predictions) disabled=move || !has_model()>
            "Download test predictions (TSV)"
        </button>
        <button data-testid="export-topk" on:click=move |_| on_export.run(Export::TopK)
            disabled=move || !has_model() || training.exporting.get().is_some()>
            "Download top-10 lists (TSV)"
        </button>
        {move || training.exporting.get().map(|share| view! {
            <span data-testid="export-progress" class="hint" role="status">
                {format!("Ranking the test users for the lists… {:.0}%", share * 100.0)}
            </span>
        })}
        <button data-testid="export-model" on:click=move |_| on_export.run(Export::Model) disabled=move || !has_model()
            title="The model as a bundle (safetensors): film and person vectors with their ids, biases, settings and test metrics; open it in the zoo of any filmspace page with the same data, or in Python">
            "Export model (.safetensors)"
        </button>
        <button data-testid="model-forget" on:click=move |_| training.forget() disabled=move || !has_model()>
            "Forget the kept model"
        </button>
    </div>
    <p class="hint">"A trained model is kept in this browser (IndexedDB) and comes back when you return."</p>
    }
}

/// Pin a run to draw the next runs' curves over it, and what the pinned run's validation did.
#[component]
fn RunCompare(training: Training) -> impl IntoView {
    let curve_text = |c: &ValidationCurve| {
        format!(
            "its validation RMSE ended at {:.4} after {} epochs, {:.4} above its lowest ({:.4} at epoch {})",
            c.final_rmse,
            c.epochs,
            c.rise(),
            c.best_rmse,
            c.best_epoch
        )
    };
    view! {
    <div class="controls run-compare">
        <button data-testid="run-pin" on:click=move |_| training.pin() disabled=move || !training.can_pin()
            title="Keep this run's curves on the chart; the next run draws over them">"Pin this run"</button>
        {move || training.pinned.get().map(|p| {
            let curve = p.curve;
            view! {
            <p data-testid="run-compare" class="hint"
                data-pinned-final=curve.map(|c| format!("{:.4}", c.final_rmse)).unwrap_or_default()
                data-pinned-best=curve.map(|c| format!("{:.4}", c.best_rmse)).unwrap_or_default()
                data-pinned-epochs=p.history.len().to_string()>
                "Pale lines: the pinned run ("{p.label.clone()}")"
                {curve.map(|c| format!("; {}.", curve_text(&c))).unwrap_or_else(|| ".".into())}
            </p>
            <button data-testid="run-unpin" on:click=move |_| training.unpin()>"Unpin"</button>
            }
        })}
    </div>
    }
}
