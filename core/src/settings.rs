//! The training settings a person edits, and their URL form
//! (`?split=u1&backend=auto&dim=..&epochs=..&lr=..&reg=..&batch=..&autotrain=1`), so a link
//! reproduces a run.

use crate::models::MfConfig;
use crate::split::SplitKind;

/// Where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU on a hardware adapter, else the CPU backend.
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::WebGpu,
        BackendChoice::Cpu,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainSettings {
    pub split: SplitKind,
    pub backend: BackendChoice,
    pub dim: usize,
    pub learning_rate: f64,
    pub reg: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// Start training as soon as the data is there (URL only; never written back).
    pub autotrain: bool,
    /// Fault injection (URL only, never written back), to show — and test — the fall-back to the
    /// CPU that keeps the progress: `gpu_fault=N` makes the device report an error after N
    /// epochs; `gpu_crash=N` makes the training worker die then, as a panic in the GPU runtime
    /// would.
    pub gpu_fault: Option<GpuFault>,
    /// Benchmark tracing (URL `trace=1`, never written back): after every epoch the page also
    /// scores the model of the moment on the test set, to time when a target RMSE is reached. The
    /// figures are shown to nobody and never choose anything.
    pub trace_test: bool,
    /// Whether the worker runs the training code once on generated data while the page is idle
    /// (`crate::train::WarmUp`); URL `warmup=0` turns it off, for the benchmark's comparison.
    /// Never written back.
    pub warm_up: bool,
}

/// An injected GPU failure: after `after` epochs the device fails, as `kind` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GpuFault {
    pub after: usize,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FaultKind {
    /// A step returns an error (what Burn reports for a lost device it notices).
    Error,
    /// The worker running the step dies (a panic or a trap in the GPU runtime).
    Crash,
    /// The learning rate becomes NaN, so the next epoch's loss is not a number (on any backend):
    /// the fit must end as diverged (`nan_fault=N`).
    Diverge,
}

impl Default for TrainSettings {
    fn default() -> Self {
        let mf = MfConfig::default();
        Self {
            split: SplitKind::Fold(1),
            backend: BackendChoice::Auto,
            dim: mf.dim,
            learning_rate: mf.learning_rate,
            reg: mf.reg,
            epochs: mf.epochs,
            batch_size: mf.batch_size,
            autotrain: false,
            gpu_fault: None,
            trace_test: false,
            warm_up: true,
        }
    }
}

/// Limits that keep a page from trying something absurd.
pub const DIM_RANGE: (usize, usize) = (1, 512);
pub const EPOCHS_RANGE: (usize, usize) = (1, 500);
pub const BATCH_RANGE: (usize, usize) = (1, 100_000);
pub const LEARNING_RATE_RANGE: (f64, f64) = (1e-6, 1.0);
pub const REG_RANGE: (f64, f64) = (0.0, 10.0);

fn in_range<T: PartialOrd + std::str::FromStr>(value: &str, (low, high): (T, T)) -> Option<T> {
    value
        .trim()
        .parse::<T>()
        .ok()
        .filter(|v| *v >= low && *v <= high)
}

impl TrainSettings {
    /// Sets one setting from its URL key (`split`, `backend`, `dim`, `lr`, `reg`, `epochs`,
    /// `batch`, `autotrain`) and text. A bad value changes nothing and says why.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let bad = || format!("{key}={value} is not a valid value");
        match key {
            "split" => self.split = SplitKind::parse(value).ok_or_else(bad)?,
            "backend" => self.backend = BackendChoice::parse(value).ok_or_else(bad)?,
            "dim" => self.dim = in_range(value, DIM_RANGE).ok_or_else(bad)?,
            "lr" => self.learning_rate = in_range(value, LEARNING_RATE_RANGE).ok_or_else(bad)?,
            "reg" => self.reg = in_range(value, REG_RANGE).ok_or_else(bad)?,
            "epochs" => self.epochs = in_range(value, EPOCHS_RANGE).ok_or_else(bad)?,
            "batch" => self.batch_size = in_range(value, BATCH_RANGE).ok_or_else(bad)?,
            "autotrain" => self.autotrain = value == "1" || value == "true",
            "gpu_fault" | "gpu_crash" | "nan_fault" => {
                self.gpu_fault = Some(GpuFault {
                    after: in_range(value, EPOCHS_RANGE).ok_or_else(bad)?,
                    kind: match key {
                        "gpu_crash" => FaultKind::Crash,
                        "nan_fault" => FaultKind::Diverge,
                        _ => FaultKind::Error,
                    },
                })
            }
            "trace" => self.trace_test = value == "1" || value == "true",
            "warmup" => self.warm_up = !(value == "0" || value == "false"),
            _ => return Err(format!("{key} is not a setting")),
        }
        Ok(())
    }

    /// Reads a query string (with or without the leading `?`). Unknown keys are ignored; a bad
    /// value keeps the default and is reported, so a mistyped link still opens.
    pub fn from_query(query: &str) -> (Self, Vec<String>) {
        let mut settings = Self::default();
        let mut problems = Vec::new();
        for pair in query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if let Err(problem) = settings.set(key, value)
                && !problem.ends_with("is not a setting")
            {
                problems.push(problem);
            }
        }
        (settings, problems)
    }

    /// The model's settings in a few words, to label a run ("d 32 · λ 0.05 · lr 0.01 · 20 epochs · u1").
    pub fn describe(&self) -> String {
        format!(
            "d {} · λ {} · lr {} · {} epochs · {}",
            self.dim,
            self.reg,
            self.learning_rate,
            self.epochs,
            self.split.name()
        )
    }

    /// The query string that reproduces these settings (without `autotrain`).
    pub fn to_query(&self) -> String {
        format!(
            "?split={}&backend={}&dim={}&epochs={}&lr={}&reg={}&batch={}",
            self.split.name(),
            self.backend.name(),
            self.dim,
            self.epochs,
            self.learning_rate,
            self.reg,
            self.batch_size
        )
    }

    /// The model settings: the tuned defaults with this person's changes.
    pub fn mf_config(&self) -> MfConfig {
        MfConfig {
            dim: self.dim,
            learning_rate: self.learning_rate,
            reg: self.reg,
            epochs: self.epochs,
            batch_size: self.batch_size,
            ..MfConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trips_and_bad_values_keep_defaults() {
        let (s, problems) = TrainSettings::from_query(
            "?split=u3&backend=cpu&dim=16&epochs=3&lr=0.01&reg=0.05&batch=2048&autotrain=1",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            (
                s.split,
                s.backend,
                s.dim,
                s.epochs,
                s.batch_size,
                s.autotrain
            ),
            (SplitKind::Fold(3), BackendChoice::Cpu, 16, 3, 2048, true)
        );
        assert_eq!((s.learning_rate, s.reg), (0.01, 0.05));
        let (again, _) = TrainSettings::from_query(&s.to_query());
        assert_eq!(
            again,
            TrainSettings {
                autotrain: false,
                ..s
            }
        );

        let (faulty, _) = TrainSettings::from_query("?gpu_fault=2&autotrain=1&trace=1&warmup=0");
        assert!(!faulty.warm_up && TrainSettings::default().warm_up);
        assert_eq!(
            faulty.gpu_fault,
            Some(GpuFault {
                after: 2,
                kind: FaultKind::Error
            })
        );
        assert!(faulty.trace_test);
        let query = faulty.to_query();
        assert!(
            !query.contains("gpu_fault") && !query.contains("trace") && !query.contains("warmup"),
            "fault injection, tracing and the warm-up switch are never written back"
        );
        let (diverging, _) = TrainSettings::from_query("?nan_fault=2");
        assert_eq!(
            diverging.gpu_fault.map(|f| (f.after, f.kind)),
            Some((2, FaultKind::Diverge))
        );
        let (crashing, _) = TrainSettings::from_query("?gpu_crash=3");
        assert_eq!(
            crashing.gpu_fault.map(|f| (f.after, f.kind)),
            Some((3, FaultKind::Crash))
        );

        let (s, problems) = TrainSettings::from_query("dim=0&epochs=abc&split=u9&other=1");
        assert_eq!(problems[0], "dim=0 is not a valid value");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert_eq!(
            (s.dim, s.epochs, s.split),
            (
                TrainSettings::default().dim,
                TrainSettings::default().epochs,
                SplitKind::Fold(1)
            )
        );
        let config = TrainSettings {
            dim: 8,
            ..TrainSettings::default()
        }
        .mf_config();
        assert_eq!(config.dim, 8);
        assert_eq!(config.patience, MfConfig::default().patience);
        let mut s = TrainSettings::default();
        assert!(s.set("lr", "0.02").is_ok());
        assert_eq!(s.learning_rate, 0.02);
        assert!(s.set("lr", "-1").is_err());
        assert!(s.set("batch", "1e9").is_err());
        assert_eq!(s.learning_rate, 0.02);
    }
}
