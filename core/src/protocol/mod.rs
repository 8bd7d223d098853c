//! The messages between the page and its workers: one request and one reply type per job (fit a
//! model, project film vectors with t-SNE, classify genres), each message in an [`Envelope`]
//! tagged with the run it belongs to, so that a late message of an ended run is recognised and
//! dropped. Plain data, encoded as JSON; the page and the worker both decode with [`decode`],
//! which refuses what it cannot read in full (then the page ends that worker and fails its run).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::data::progress::ReadProgress;
use crate::data::{Columns, ColumnsPreview, Dataset, PackedDataset, RatingScale};
use crate::embedding::GenreReport;
use crate::metrics::UserTopK;
use crate::models::{MfConfig, SideFeatures};
use crate::recommend::ServingModel;
use crate::report::BoardRow;
use crate::settings::GpuFault;
use crate::split::Split;
use crate::train::{BatchProgress, EpochReport, RatingColumns, Stage};
use crate::zoo::{ZooModel, ZooOptions, ZooRow};

mod ratings;

/// Which run a message belongs to; the page numbers its runs from 1.
pub type RunId = u32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub run: RunId,
    pub body: T,
}

/// What the page asks of a worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    Fit(Box<FitRequest>),
    Project(ProjectRequest),
    Classify(ClassifyRequest),
    /// Read a picked data file or archive: unzip and parse it away from the page, so a large
    /// one never freezes it.
    Read(ReadRequest),
    /// Time training on one backend, for `auto` to pick the faster.
    Measure(MeasureRequest),
    /// A command for the fit in progress.
    Control(Control),
    /// Run the training code once on generated data while the page is idle, so the browser has
    /// optimised it before the first fit ([`crate::train::WarmUp`]); any other job ends it.
    WarmUp,
}

/// What a worker answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    /// The worker is listening (a request posted before this would be lost); run 0.
    Ready,
    Fit(FitReply),
    Project(ProjectReply),
    Classify(ClassifyReply),
    Read(ReadReply),
    Measure(Measured),
    /// The job could not run at all (no device, an unreadable request).
    Failed(String),
}

/// Live commands for a fit, read between steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Control {
    Pause(bool),
    Stop,
    /// While paused: one more epoch, then pause again.
    StepEpoch,
    LearningRate(f64),
}

/// Fit one model of the zoo (the training panel's biased MF is one, with its own settings) and
/// score it on the test ratings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FitRequest {
    pub model: ZooModel,
    /// Biased MF's settings as a person set them; `None`: the zoo's tuned ones.
    pub mf: Option<MfConfig>,
    pub options: ZooOptions,
    /// The split's training ratings, its validation ratings (empty: a holdout is carved from the
    /// training ones, seeded by `seed`) and its test ratings, as columns.
    pub train: RatingColumns,
    pub validation: RatingColumns,
    pub test: RatingColumns,
    pub features: SideFeatures,
    pub sizes: (usize, usize),
    /// The data set's rating scale (clipping and relevance in the test scores).
    #[serde(default)]
    pub scale: RatingScale,
    pub gpu: bool,
    pub seed: u64,
    pub fault: Option<GpuFault>,
    pub pause_after_epoch: bool,
    /// On Stop, score and hand back the best model so far (the training panel) instead of
    /// nothing (the zoo).
    pub keep_stopped: bool,
    /// Send the films' PCA map after every epoch (biased MF only).
    pub live_map: bool,
    /// Benchmark tracing only: score the test ratings after every epoch.
    pub trace_test: bool,
    /// Score the baselines too, on the same split ([`FitResult::baselines`]): where the index of
    /// the training ratings already is, not on the page (minutes there at 25 M ratings).
    #[serde(default)]
    pub baselines: bool,
    /// Send the model's top-10 lists ([`FitResult::top_k`]): its evaluation makes them, and the
    /// page's "Export top-10" would otherwise rank every test user again on the main thread.
    #[serde(default)]
    pub top_k: bool,
    /// Carry on from a checkpoint an earlier worker sent for this run: (part, checkpoint JSON).
    pub resume: Option<(usize, String)>,
}

impl FitRequest {
    /// A plain fit of `model` on `split` of `dataset` (tuned settings, the CPU, no extras); the
    /// training panel and the zoo set what they need on top.
    pub fn new(model: ZooModel, dataset: &Dataset, split: &Split, seed: u64) -> Self {
        Self {
            model,
            mf: None,
            options: ZooOptions::default(),
            train: RatingColumns::of(&split.train),
            validation: RatingColumns::of(&split.validation),
            test: RatingColumns::of(&split.test),
            // Only the models that learn from them get them: for the others they were most of
            // the message, encoded and decoded before every fit.
            features: match model.uses_side_features() {
                true => SideFeatures::of(dataset, &split.train),
                false => SideFeatures::default(),
            },
            sizes: (dataset.n_users(), dataset.n_items()),
            scale: dataset.scale,
            gpu: false,
            seed,
            fault: None,
            pause_after_epoch: false,
            keep_stopped: false,
            live_map: false,
            trace_test: false,
            baselines: false,
            top_k: false,
            resume: None,
        }
    }
}

impl FitReply {
    /// The reply as a worker posts it: a finished model's film vectors that merely copy its own
    /// weights are left out (a fit's largest message otherwise carries them twice).
    pub fn posted(mut self) -> Self {
        if let FitReply::Finished(result) = &mut self {
            result.serving.leave_out_copied_films();
        }
        self
    }

    /// The reply as the fit made it, from what [`Self::posted`] sent.
    pub fn received(mut self) -> Self {
        if let FitReply::Finished(result) = &mut self {
            result.serving.restore_films();
        }
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FitReply {
    Batch(Stage, BatchProgress),
    Epoch(Stage, EpochReport),
    /// The holdout run is over; the refit starts for `epochs` epochs.
    RefitStarts {
        epochs: usize,
    },
    Paused(bool),
    /// The fit of `part` (a blend fits two) at the end of an epoch on a GPU, as JSON: the page
    /// keeps the latest, so a worker that dies loses no finished epoch.
    Checkpoint {
        part: usize,
        epoch: usize,
        json: String,
    },
    /// The GPU failed; the CPU carries on from the end of epoch `resumed_at`.
    FellBack {
        error: String,
        resumed_at: usize,
    },
    FilmMap {
        points: Vec<[f32; 2]>,
        explained: [f64; 2],
    },
    /// Benchmark tracing only: the test RMSE of the model the stage would hand back now.
    TestTrace {
        stage: Stage,
        epoch: usize,
        rmse: f64,
        eval_ms: f64,
    },
    /// Fitting is over (`stopped`: by Stop, with the best model so far); scoring starts.
    Scoring {
        stopped: bool,
    },
    Finished(Box<FitResult>),
    /// Stopped before there was a model to score.
    Stopped,
    /// The fit failed (a device that failed on the CPU too, a loss that diverged).
    Failed(String),
}

/// A fitted model: its board row and the model as it serves recommendations and the map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FitResult {
    pub row: ZooRow,
    pub serving: ServingModel,
    /// Stopped early: the best model so far.
    pub stopped: bool,
    /// Each of [`crate::report::Baseline::ALL`]'s row, when the request asked for them.
    #[serde(default)]
    pub baselines: Vec<BoardRow>,
    /// The top-10 list of every user with a relevant test rating, when the request asked.
    #[serde(default)]
    pub top_k: Vec<UserTopK>,
}

/// t-SNE of row vectors (`dim` per row) with the default settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRequest {
    pub vectors: Vec<f32>,
    pub dim: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ProjectReply {
    Progress {
        epoch: usize,
        epochs: usize,
        points: Option<Vec<[f32; 2]>>,
    },
    Done(Vec<[f32; 2]>),
}

/// The genre classifier on film vectors, with each film's primary genre.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassifyRequest {
    pub labels: Vec<Option<usize>>,
    /// Every genre of each film as bits, and its number of ratings (the one-vs-rest AUCs; an
    /// older page sends neither).
    #[serde(default)]
    pub genre_bits: Vec<u64>,
    #[serde(default)]
    pub counts: Vec<u32>,
    /// The data set's genre names, by label.
    pub genres: Vec<String>,
    pub vectors: Vec<f32>,
    pub dim: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ClassifyReply {
    Done(GenreReport),
}

/// Two epochs of biased MF with the default settings on a sample of the data: the second
/// epoch's speed (the first compiles a GPU's kernels) is the backend's.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasureRequest {
    pub train: RatingColumns,
    pub validation: RatingColumns,
    pub sizes: (usize, usize),
    pub gpu: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    pub ratings_per_sec: f64,
}

/// A data file or archive as a person picked or dropped it. The file itself travels beside the
/// message (the worker reads it), never through the page's memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadRequest {
    pub name: String,
    pub size: u64,
    /// Which column of a person's own file is which, when they chose it.
    #[serde(default)]
    pub columns: Option<Columns>,
    /// Read only the archive's film list (its ratings are too many for the page).
    #[serde(default)]
    pub catalogue_only: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ReadReply {
    /// How far reading has got (bytes read, rows parsed).
    Progress(ReadProgress),
    /// The data set it holds, parsed and checked; its ratings travel beside the message
    /// ([`Reply::bytes`]).
    Loaded(Box<PackedDataset>),
    /// Which column is which could not be told: the person chooses, seeing the first rows.
    NeedsColumns(Box<ColumnsPreview>),
    /// Why it was not used (not a zip, a file missing, a malformed line, over the page's
    /// limits…).
    Refused(String),
    /// Refused for its size, but the archive's film list alone can be read: the person may
    /// open that to explore a model trained elsewhere.
    TooLargeButCatalogue(String),
}

impl ReadReply {
    /// What the worker answers once `request`'s file is read as `bytes`: the data set they
    /// hold, read within the page's limits.
    /// The picked file's bytes are let go before the data set is sent.
    pub fn of(request: &ReadRequest, bytes: Vec<u8>) -> ReadReply {
        let name = &request.name;
        let read = match request.catalogue_only {
            true => Dataset::catalogue_from_zip(name, &bytes),
            false => Dataset::from_picked_with(name, &bytes, request.columns),
        };
        match read {
            Ok(dataset) => {
                drop(bytes);
                ReadReply::Loaded(Box::new(dataset.into_packed()))
            }
            Err(error) if error.too_large && !request.catalogue_only => {
                match Dataset::catalogue_from_zip(name, &bytes) {
                    Ok(_) => ReadReply::TooLargeButCatalogue(error.to_string()),
                    Err(_) => ReadReply::Refused(error.to_string()),
                }
            }
            Err(error) => match Dataset::columns_preview(name, &bytes, &error) {
                Some(preview) if request.columns.is_none() => {
                    ReadReply::NeedsColumns(Box::new(preview))
                }
                _ => ReadReply::Refused(error.to_string()),
            },
        }
    }
}

impl Reply {
    /// The bytes that travel beside the message's JSON, moved rather than encoded as text (a
    /// read data set's ratings: 16 MB for ML-1M, 400 MB for ML-25M).
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Reply::Read(ReadReply::Loaded(packed)) => Some(packed.rating_bytes()),
            _ => None,
        }
    }

    /// Makes room for the `len` bytes that travelled beside the JSON, to be appended in pieces
    /// with [`Reply::append_bytes`]; an error when they cannot be what the message says.
    pub fn expect_bytes(&mut self, len: usize) -> Result<(), String> {
        match self {
            Reply::Read(ReadReply::Loaded(packed)) => {
                packed.expect_ratings(len).map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    }

    /// Appends the next piece of the bytes that travelled beside the JSON (ignored when the
    /// reply carries none).
    pub fn append_bytes(&mut self, piece: &[u8]) -> Result<(), String> {
        match self {
            Reply::Read(ReadReply::Loaded(packed)) => {
                packed.append_ratings(piece).map_err(|e| e.to_string())
            }
            _ => Ok(()),
        }
    }
}

/// The message as JSON. A non-finite number is written as `null`, which [`decode`] refuses:
/// such a message fails its run instead of being half-read.
pub fn encode<T: Serialize>(run: RunId, body: &T) -> String {
    #[derive(Serialize)]
    struct Out<'a, T> {
        run: RunId,
        body: &'a T,
    }
    serde_json::to_string(&Out { run, body }).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(text: &str) -> Result<Envelope<T>, String> {
    serde_json::from_str(text).map_err(|e| format!("an unreadable message ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(train_loss: f64) -> EpochReport {
        EpochReport {
            epoch: 3,
            train_loss,
            train_rmse: Some(0.9),
            validation_rmse: Some(0.95),
            best: true,
            learning_rate: 0.005,
            elapsed_ms: 12.5,
            total_ms: 40.0,
            ratings_per_sec: 1e6,
        }
    }

    #[test]
    fn messages_round_trip_with_their_run() {
        let reply = Reply::Fit(FitReply::Epoch(Stage::Refit, report(0.81)));
        let back: Envelope<Reply> = decode(&encode(7, &reply)).unwrap();
        assert_eq!(back.run, 7);
        match back.body {
            Reply::Fit(FitReply::Epoch(Stage::Refit, r)) => assert_eq!(r, report(0.81)),
            other => panic!("{other:?}"),
        }
        let control: Envelope<Request> =
            decode(&encode(2, &Request::Control(Control::LearningRate(0.01)))).unwrap();
        assert!(matches!(
            control.body,
            Request::Control(Control::LearningRate(r)) if r == 0.01
        ));
    }

    #[test]
    fn a_message_with_a_number_that_is_not_finite_is_refused_not_half_read() {
        let text = encode(
            4,
            &Reply::Fit(FitReply::Epoch(Stage::Holdout, report(f64::NAN))),
        );
        assert!(text.contains("null"), "{text}");
        let error = decode::<Reply>(&text).unwrap_err();
        assert!(error.starts_with("an unreadable message"), "{error}");
    }

    #[test]
    fn a_reply_to_another_job_or_garbage_is_not_mistaken_for_one() {
        assert!(decode::<Reply>("{\"run\":1}").is_err());
        assert!(decode::<Reply>("not json").is_err());
        let ready: Envelope<Reply> = decode(&encode(0, &Reply::Ready)).unwrap();
        assert!(matches!(ready.body, Reply::Ready));
    }

    fn request(name: &str) -> ReadRequest {
        ReadRequest {
            name: name.into(),
            size: 0,
            columns: None,
            catalogue_only: false,
        }
    }

    #[test]
    fn a_file_whose_columns_cannot_be_told_is_previewed_then_read_as_chosen() {
        let text = b"customer;sku;stars;bought on\nann;B00X;4;2024-01-02\nbob;B00X;2;2024-02-03\n";
        let ReadReply::NeedsColumns(preview) = ReadReply::of(&request("mine.csv"), text.to_vec())
        else {
            panic!("a preview")
        };
        assert_eq!(preview.rows[1], vec!["ann", "B00X", "4", "2024-01-02"]);
        assert_eq!(preview.width, 4);
        let guess = preview.guess;
        assert_eq!(
            (guess.user, guess.item, guess.rating, guess.header),
            (0, 1, Some(2), true)
        );
        assert!(
            preview.why.contains("should name a user column"),
            "{}",
            preview.why
        );
        let chosen = ReadRequest {
            columns: Some(Columns {
                time: Some(3),
                ..guess
            }),
            ..request("mine.csv")
        };
        let ReadReply::Loaded(packed) = ReadReply::of(&chosen, text.to_vec()) else {
            panic!("read as chosen")
        };
        assert_eq!(packed.ratings.len(), 2);
        let dataset = Dataset::unpack(*packed).unwrap();
        assert_eq!((dataset.n_users(), dataset.n_items()), (2, 1));
        assert_eq!(dataset.films[0].title, "B00X");
        assert!(dataset.ratings[1].timestamp > dataset.ratings[0].timestamp);
        // Columns that clash are refused, not previewed again.
        let clash = ReadRequest {
            columns: Some(Columns { item: 0, ..guess }),
            ..request("mine.csv")
        };
        let ReadReply::Refused(why) = ReadReply::of(&clash, text.to_vec()) else {
            panic!("refused")
        };
        assert!(why.contains("must be different columns"), "{why}");
        // A malformed line further down is an error: no choice of columns mends it.
        let later = b"user,item,rating\n1,2,4\n1,3,4\n2,2,x\n";
        assert!(matches!(
            ReadReply::of(&request("r.csv"), later.to_vec()),
            ReadReply::Refused(_)
        ));
    }

    #[test]
    fn a_read_data_set_comes_back_with_its_ratings_beside_the_message() {
        use crate::data::synthetic::{Layout, Shape, zip};
        let archive = zip(Layout::Ml1m, Shape::small(1_000));
        let reply = Reply::Read(ReadReply::of(&request("ml-1m.zip"), archive.clone()));
        let ratings = reply.bytes().expect("a loaded data set has bytes").to_vec();
        assert_eq!(ratings.len(), 1_000 * 16);
        let text = encode(3, &reply);
        assert!(text.len() < 20_000, "the ratings are not in the JSON");
        let mut reply = decode::<Reply>(&text).unwrap().body;
        // Without its bytes the data set is refused on unpacking, not half-used.
        let Reply::Read(ReadReply::Loaded(packed)) = reply.clone() else {
            panic!("a data set")
        };
        assert!(Dataset::unpack(*packed).is_err());
        assert!(reply.clone().expect_bytes(15).is_err(), "cut short");
        reply.expect_bytes(ratings.len()).unwrap();
        for piece in ratings.chunks(16 * 300) {
            reply.append_bytes(piece).unwrap();
        }
        let Reply::Read(ReadReply::Loaded(packed)) = reply else {
            panic!("a data set")
        };
        let dataset = Dataset::unpack(*packed).unwrap();
        assert_eq!(
            (dataset.ratings.len(), dataset.label()),
            (1_000, "MovieLens 1M")
        );
        assert!(Reply::Ready.bytes().is_none());
        let ReadReply::Refused(why) = ReadReply::of(&request("junk.zip"), b"no zip".to_vec())
        else {
            panic!("refused")
        };
        assert!(
            why.starts_with("junk.zip: not a readable zip archive"),
            "{why}"
        );
    }
}
