//! What the course notebooks and papers reported for the models the board re-creates, quoted
//! beside what the page measures. Their data and splits differ from the board's, so the lesson
//! compares orders of magnitude and rankings of models, not decimals.

use crate::zoo::ZooModel;

/// One course's or paper's published figure for a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CourseReport {
    pub model: ZooModel,
    /// Where the figure was published.
    pub source: &'static str,
    /// The figure, its metric, and the data and split it was measured on.
    pub reported: &'static str,
}

/// The course models in the order the lesson walks through them.
pub const COURSE_MODELS: [ZooModel; 8] = [
    ZooModel::Mf,
    ZooModel::Dense,
    ZooModel::Enriched,
    ZooModel::Deep,
    ZooModel::Ncf,
    ZooModel::AutoRec,
    ZooModel::TwoTower,
    ZooModel::Als,
];

/// The Keras course: Olivier Grisel's and Charles Ollion's deep-learning labs
/// (m2dsupsdlclass/lectures-labs, "Explicit Feedback Neural Recommender System").
const KERAS_LAB: &str = "the Keras course lab (lectures-labs)";

const REPORTS: [CourseReport; 8] = [
    CourseReport {
        model: ZooModel::Mf,
        source: KERAS_LAB,
        reported: "test MSE 0.902 and MAE 0.733 for its dot-product model (ML-100K, a random \
                   80/20 split)",
    },
    CourseReport {
        model: ZooModel::Dense,
        source: KERAS_LAB,
        reported: "test MSE 0.890 and MAE 0.734 with one hidden Dense(64) layer and dropout \
                   (ML-100K, random 80/20)",
    },
    CourseReport {
        model: ZooModel::Enriched,
        source: KERAS_LAB,
        reported: "test MSE 0.863 and MAE 0.718 once the films' metadata joins the embeddings \
                   (ML-100K, random 80/20)",
    },
    CourseReport {
        model: ZooModel::Deep,
        source: "TensorFlow Recommenders' deep & cross tutorial",
        reported: "RMSE 0.9350 for its deep network, mean of 5 runs (ML-100K with user features, \
                   random 80/20)",
    },
    CourseReport {
        model: ZooModel::Ncf,
        source: "the NCF paper (He et al., 2017)",
        reported: "HR@10 0.701 and NDCG@10 0.425 for NeuMF with 32 factors, no pre-training \
                   (ML-1M, each person's last rating against 99 sampled films)",
    },
    CourseReport {
        model: ZooModel::AutoRec,
        source: "the AutoRec paper (Sedhain et al., 2015)",
        reported: "RMSE 0.831 for I-AutoRec on ML-1M (random 90/10); Dive into Deep Learning's \
                   chapter 0.898 on ML-100K (random 90/10)",
    },
    CourseReport {
        model: ZooModel::TwoTower,
        source: "TensorFlow Recommenders' retrieval tutorials",
        reported: "a top-100 accuracy of around 0.2 for the basic two-tower model (ML-100K, \
                   random 80/20)",
    },
    CourseReport {
        model: ZooModel::Als,
        source: "the edX Spark course's ALS lab (CS110)",
        reported: "test RMSE 0.81 (a 20M-rating MovieLens set, random 60/20/20, rank up to 12, \
                   λ 0.1)",
    },
];

/// What the course that teaches `model` reported for it, if it reported a figure.
pub fn course_report(model: ZooModel) -> Option<&'static CourseReport> {
    REPORTS.iter().find(|report| report.model == model)
}
