//! Sequential networks: spec → layers → fused training step, trainer loop and gradient check.

pub mod catalog;
pub mod first_layer;
pub mod gradcheck;
pub mod layer;
pub mod loss_kind;
pub mod model;
pub mod optimizer;
pub mod param;
pub mod restore;
pub mod rows_ahead;
pub mod spec;
pub mod trainer;
pub mod workers;

pub use catalog::TensorEntry;
pub use layer::{Layer, Mode};
pub use loss_kind::{LossKind, Targets};
pub use model::{BatchStats, Network};
pub use optimizer::{OptimizerConfig, OptimizerKind};
pub use restore::{Diverged, RestorePoint};
pub use spec::{LayerSpec, NetworkSpec};
pub use trainer::{
    steps_per_epoch, BatchBuffers, Dataset, EpochCursor, EpochOptions, Progress, ProgressSnapshot,
    StepsSummary,
};
