//! The native model: a `Network<f32>` owned by Rust behind a handle. Long work (`runSteps`,
//! `evaluate`, `predict`) runs as an AsyncTask on libuv's pool; the event loop never blocks.
//! A call that arrives while such work holds the model fails fast with a "busy" error instead of
//! waiting, and every argument is validated before the model is touched, so a rejected call
//! leaves the model exactly as it was.

use crate::augment::{check_row_len, parse_augmentation, AugmentationOptions};
use crate::free_off_thread::release_dataset;
use crate::validate::{self as check, Result};
use napi::bindgen_prelude::{AsyncTask, Float32Array, Float32ArraySlice, Float64Array, Uint32Array};
use napi::{Env, Task};
use napi_derive::napi;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use tunenet_core::network::gradcheck::compare_gradients;
use tunenet_core::network::spec::LayerOptionLookup;
use tunenet_core::network::{
    BatchBuffers, Dataset, Diverged, EpochCursor, EpochOptions, LayerSpec, LossKind, Network, NetworkSpec,
    OptimizerConfig, Progress, RestorePoint,
};
use tunenet_core::Rng;

#[napi(object)]
pub struct LayerOptions {
    /// dense | batchNorm | activation | dropout
    pub kind: String,
    pub units: Option<f64>,
    /// A name from `Init::ALL` (zeros, random, he, …); default he.
    pub init: Option<String>,
    pub init_scale: Option<f64>,
    pub l2: Option<f64>,
    pub l1: Option<f64>,
    pub use_bias: Option<bool>,
    pub momentum: Option<f64>,
    pub epsilon: Option<f64>,
    pub keep_prob: Option<f64>,
    /// A name from `Activation::ALL` (identity, relu, leakyRelu, …).
    pub activation: Option<String>,
    pub slope: Option<f64>,
    /// elu's α.
    pub alpha: Option<f64>,
    /// false freezes the layer's parameters (default true).
    pub trainable: Option<bool>,
}

#[napi(object)]
pub struct NetworkOptions {
    pub input_size: f64,
    pub layers: Vec<LayerOptions>,
    /// A name from `LossKind::ALL` (softmaxCrossEntropy, sigmoidBinaryCrossEntropy, mse, mae, huber).
    pub loss: String,
    /// Huber's δ (default 1).
    pub loss_delta: Option<f64>,
    pub seed: f64,
    /// Threads for this model's native work (default: all cores).
    pub threads: Option<f64>,
}

#[napi(object)]
pub struct OptimizerOptions {
    /// gd | momentum | nesterov | rmsprop | adam | adamw
    pub kind: String,
    pub beta: Option<f64>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub epsilon: Option<f64>,
    pub weight_decay: Option<f64>,
}

/// The binding's fields under the names users type; the layer kinds, their defaults and checks
/// are `LayerSpec::from_options`'s.
impl LayerOptionLookup for LayerOptions {
    fn number(&self, key: &str) -> Option<f64> {
        match key {
            "units" => self.units,
            "initScale" => self.init_scale,
            "l2" => self.l2,
            "l1" => self.l1,
            "momentum" => self.momentum,
            "epsilon" => self.epsilon,
            "keepProb" => self.keep_prob,
            "slope" => self.slope,
            "alpha" => self.alpha,
            _ => None,
        }
    }

    fn flag(&self, key: &str) -> Option<bool> {
        match key {
            "useBias" => self.use_bias,
            _ => None,
        }
    }

    fn text(&self, key: &str) -> Option<&str> {
        match key {
            "init" => self.init.as_deref(),
            "activation" => self.activation.as_deref(),
            _ => None,
        }
    }
}

fn parse_layer(i: usize, o: &LayerOptions) -> Result<LayerSpec> {
    let at = |field: &str| format!("layers[{i}].{field}");
    if o.kind == "dense" {
        // Converting the size is the binding's job: napi's own u32 conversion would wrap −1.
        check::positive(&at("units"), o.units.unwrap_or(0.0))?;
    }
    LayerSpec::from_options(&o.kind, o).map_err(|e| check::invalid(&at(&e.arg), e.message))
}

/// The optimizer by name (`OptimizerKind::ALL`), each option it reads taken from the field of
/// that name.
fn parse_optimizer(o: &OptimizerOptions) -> Result<OptimizerConfig> {
    let option = |key: &str| match key {
        "beta" => o.beta,
        "beta1" => o.beta1,
        "beta2" => o.beta2,
        "epsilon" => o.epsilon,
        "weightDecay" => o.weight_decay,
        _ => None,
    };
    OptimizerConfig::from_options(&o.kind, option)
        .map_err(|e| check::invalid(&format!("optimizer.{}", e.arg), e.message))
}

/// Everything a model's native work mutates, behind one lock.
struct ModelState {
    net: Network<f32>,
    pool: Arc<rayon::ThreadPool>,
    cursor: EpochCursor<f32>,
    buffers: BatchBuffers<f32>,
    /// The state before the current `trainStep`, put back if that step diverges.
    step_start: RestorePoint<f32>,
}

impl ModelState {
    /// Runs `f` within this model's thread budget (`within_budget`), turning a panic into an
    /// Error.
    fn on_pool<R: Send>(
        &mut self,
        f: impl FnOnce(&mut Network<f32>, &mut EpochCursor<f32>, &mut BatchBuffers<f32>) -> R + Send,
    ) -> Result<R> {
        let pool = self.pool.clone();
        let threads = self.net.threads;
        let (net, cursor, buffers) = (&mut self.net, &mut self.cursor, &mut self.buffers);
        let result =
            catch_unwind(AssertUnwindSafe(|| within_budget(&pool, threads, || f(net, cursor, buffers))));
        result.map_err(|panic| {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            napi::Error::from_reason(format!(
                "internal error in tunenet's native core (please report): {msg}"
            ))
        })
    }
}

/// Runs `f` on the model's own pool of `threads` threads — or, for one thread, right here:
/// the core keeps to `Network::threads`, so one thread needs no pool, and the caller (a libuv
/// worker or V8's thread, waiting for the result either way) saves the hop to the pool's thread
/// and back, a wake-up each way: tens of µs on a VM, a large share of a `fit` call of one step (as
/// `onStep` makes) or of a `trainStep`. Subnormals are flushed under a guard meanwhile, as on the
/// pool's threads.
fn within_budget<R: Send>(pool: &rayon::ThreadPool, threads: usize, f: impl FnOnce() -> R + Send) -> R {
    if threads == 1 {
        let _flush = tunenet_core::subnormals::FlushSubnormals::new();
        f()
    } else {
        pool.install(f)
    }
}

type Shared = Arc<Mutex<ModelState>>;

fn lock(shared: &Shared) -> Result<MutexGuard<'_, ModelState>> {
    match shared.try_lock() {
        Ok(g) => Ok(g),
        Err(TryLockError::Poisoned(p)) => Ok(p.into_inner()),
        Err(TryLockError::WouldBlock) => Err(napi::Error::from_reason(
            "model is busy: a fit, evaluate or predict on it is still running; await it before calling this",
        )),
    }
}

/// A divergence as a JS Error: `diverged: step 3: the loss is NaN` (the TS API adds the epoch).
fn diverged_error(e: Diverged) -> napi::Error {
    napi::Error::from_reason(format!("diverged: {e}"))
}

/// Where a data set is in its life: filled row by row from JS, then validated off the main
/// thread once, then shared read-only with training tasks.
enum DatasetSlot {
    Filling(Dataset<f32>),
    Checking,
    Ready(Arc<Dataset<f32>>),
    /// Dropped by `release()`; a task still running holds its own `Arc` until it ends.
    Released,
}

impl DatasetSlot {
    /// Empties the slot (now `Released`); a big data set is freed off this thread, which is
    /// JavaScript's when called from `release()` or from V8's finalizer (see `free_off_thread`).
    /// A task still running keeps its own `Arc`, and the set is freed when the last one goes.
    fn release(&mut self) {
        match std::mem::replace(self, DatasetSlot::Released) {
            DatasetSlot::Filling(d) => release_dataset(Arc::new(d)),
            DatasetSlot::Ready(d) => release_dataset(d),
            DatasetSlot::Checking | DatasetSlot::Released => {}
        }
    }
}

/// Data copied into Rust memory (x [m, inputs], y [m, outputs]; outputs 0 = no labels): JS
/// writes it in chunks between event-loop turns (`writeX`, `writeY`), `seal()` validates it on
/// libuv's pool. Training never reads a live JS buffer, so nothing another thread or the user
/// writes afterwards can reach the model.
#[napi]
pub struct NativeDataset {
    slot: Arc<Mutex<DatasetSlot>>,
    rows: usize,
    inputs: usize,
    outputs: usize,
}

/// A handle V8 collects without `release()` frees its data set as `release()` would.
impl Drop for NativeDataset {
    fn drop(&mut self) {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).release();
    }
}

impl NativeDataset {
    fn ready(&self) -> Result<Arc<Dataset<f32>>> {
        match &*self.slot.lock().unwrap_or_else(|p| p.into_inner()) {
            DatasetSlot::Ready(d) => Ok(d.clone()),
            DatasetSlot::Released => Err(check::invalid("data", "has been released")),
            _ => Err(check::invalid("data", "is not sealed yet (await seal() after writing it)")),
        }
    }

    fn write(&self, which: &str, row: f64, values: &[f32]) -> Result<()> {
        let row = check::integer("row", row)? as usize;
        let cols = if which == "x" { self.inputs } else { self.outputs };
        if cols == 0 || !values.len().is_multiple_of(cols) || row + values.len() / cols > self.rows {
            return Err(check::invalid(
                "values",
                format!("{} values at row {row} do not fit [{}, {cols}]", values.len(), self.rows),
            ));
        }
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        let DatasetSlot::Filling(data) = &mut *slot else {
            return Err(check::invalid("data", "is sealed; it can no longer be written"));
        };
        let dst = if which == "x" { &mut data.x } else { &mut data.y };
        dst[row * cols..row * cols + values.len()].copy_from_slice(values);
        Ok(())
    }
}

#[napi]
impl NativeDataset {
    /// Zero-filled storage for `rows` examples; an allocation that fails is an Error naming the bytes.
    #[napi(constructor, catch_unwind)]
    pub fn new(rows: f64, inputs: f64, outputs: f64) -> Result<Self> {
        let rows = check::positive("rows", rows)?;
        let inputs = check::positive("inputs", inputs)?;
        let outputs = check::integer("outputs", outputs)? as usize;
        let data = Dataset::zeros(rows, inputs, outputs).map_err(|e| check::invalid("data", e))?;
        Ok(NativeDataset { slot: Arc::new(Mutex::new(DatasetSlot::Filling(data))), rows, inputs, outputs })
    }

    /// Copies whole rows of x starting at `row` (one chunk; called between event-loop turns).
    #[napi(catch_unwind)]
    pub fn write_x(&self, row: f64, values: Float32ArraySlice) -> Result<()> {
        self.write("x", row, &values)
    }

    #[napi(catch_unwind)]
    pub fn write_y(&self, row: f64, values: Float32ArraySlice) -> Result<()> {
        self.write("y", row, &values)
    }

    /// Copies row weights (Keras's `sample_weight`) starting at `row`; a data set without any
    /// written weighs every row 1.
    #[napi(catch_unwind)]
    pub fn write_weights(&self, row: f64, values: Float32ArraySlice) -> Result<()> {
        let row = check::integer("row", row)? as usize;
        if row + values.len() > self.rows {
            return Err(check::invalid(
                "values",
                format!("{} weights at row {row} do not fit {} rows", values.len(), self.rows),
            ));
        }
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        let DatasetSlot::Filling(data) = &mut *slot else {
            return Err(check::invalid("data", "is sealed; it can no longer be written"));
        };
        data.enable_weights().map_err(|e| check::invalid("sampleWeight", e))?;
        data.w[row..row + values.len()].copy_from_slice(&values);
        Ok(())
    }

    /// Checks every value is finite, off the main thread; the data set is usable once it resolves.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn seal(&self) -> Result<AsyncTask<SealTask>> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        match std::mem::replace(&mut *slot, DatasetSlot::Checking) {
            DatasetSlot::Filling(data) => {
                Ok(AsyncTask::new(SealTask { slot: self.slot.clone(), data: Some(data) }))
            }
            other => {
                *slot = other;
                Err(check::invalid("data", "is already sealed"))
            }
        }
    }

    /// Drops the copy now instead of when V8 collects this handle (fit, evaluate and predict
    /// release theirs, so consecutive calls never hold two copies of a data set).
    #[napi(catch_unwind)]
    pub fn release(&self) {
        self.slot.lock().unwrap_or_else(|p| p.into_inner()).release();
    }

    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.rows as u32
    }
}

pub struct SealTask {
    slot: Arc<Mutex<DatasetSlot>>,
    data: Option<Dataset<f32>>,
}

impl Task for SealTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        let data = self.data.take().expect("sealed once");
        let negative = data.w.iter().position(|&w| w < 0.0);
        let bad = data.first_non_finite();
        let cols = if bad.is_some_and(|(n, _, _)| n == "x") { data.inputs } else { data.outputs.max(1) };
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*slot, DatasetSlot::Released) {
            release_dataset(Arc::new(data)); // released while being checked: nothing left to keep
            return Ok(());
        }
        if let (None, Some(i)) = (bad, negative) {
            let w = data.w[i];
            *slot = DatasetSlot::Filling(data);
            return Err(check::invalid("sampleWeight", format!("element {i} is {w}, expected a weight ≥ 0")));
        }
        match bad {
            None => {
                *slot = DatasetSlot::Ready(Arc::new(data));
                Ok(())
            }
            Some((name, i, v)) => {
                *slot = DatasetSlot::Filling(data);
                let v = if v.is_nan() {
                    "NaN"
                } else if v > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                }; // as JS prints it
                Err(check::invalid(
                    name,
                    format!(
                        "element {i} (row {}, column {}) is {v}, expected a finite number",
                        i / cols,
                        i % cols
                    ),
                ))
            }
        }
    }

    fn resolve(&mut self, _env: Env, _: ()) -> Result<()> {
        Ok(())
    }
}

#[napi(object)]
pub struct StepsResult {
    pub steps: u32,
    pub examples: u32,
    /// Σ batch size × (data loss + regularization cost) over the steps.
    pub loss_sum: f64,
    pub correct: u32,
    pub grad_norm_sums: Float64Array,
    pub epoch_done: bool,
}

/// The current epoch's progress (`Progress::snapshot`), readable while `runSteps` runs.
#[napi(object)]
pub struct EpochProgress {
    /// Steps done in the current epoch.
    pub steps: f64,
    /// Steps the current epoch will take.
    pub total_steps: f64,
    /// Examples trained on in the current epoch.
    pub examples: f64,
    /// Σ batch size × (data loss + regularization) over the current epoch's steps.
    pub loss_sum: f64,
}

#[napi(object)]
pub struct EvaluateResult {
    pub loss: f64,
    pub correct: u32,
    pub examples: u32,
}

#[napi(object)]
pub struct TensorInfo {
    pub layer: u32,
    pub name: String,
    pub shape: Vec<u32>,
}

#[napi(object)]
pub struct GradientCheckResult {
    pub analytic: Float64Array,
    pub numeric: Float64Array,
    pub blocks: Vec<TensorInfo>,
}

pub struct RunStepsTask {
    shared: Shared,
    data: Arc<Dataset<f32>>,
    learning_rate: f64,
    max_steps: usize,
}

impl Task for RunStepsTask {
    type Output = tunenet_core::network::StepsSummary;
    type JsValue = StepsResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let mut state = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        let (data, lr, max) = (self.data.clone(), self.learning_rate, self.max_steps);
        state
            .on_pool(move |net, cursor, buffers| net.run_steps(&data, cursor, buffers, lr, max))?
            .map_err(diverged_error)
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<StepsResult> {
        Ok(StepsResult {
            steps: s.steps as u32,
            examples: s.examples as u32,
            loss_sum: s.loss_sum,
            correct: s.correct as u32,
            grad_norm_sums: Float64Array::new(s.grad_norm_sums),
            epoch_done: s.epoch_done,
        })
    }
}

pub struct EvaluateTask {
    shared: Shared,
    data: Arc<Dataset<f32>>,
}

impl Task for EvaluateTask {
    type Output = tunenet_core::network::BatchStats;
    type JsValue = EvaluateResult;

    fn compute(&mut self) -> Result<Self::Output> {
        let mut state = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        let data = self.data.clone();
        state.on_pool(move |net, _, _| net.evaluate(&data.x, &data.y, data.len()))
    }

    fn resolve(&mut self, _env: Env, s: Self::Output) -> Result<EvaluateResult> {
        Ok(EvaluateResult { loss: s.data_loss, correct: s.correct as u32, examples: self.data.len() as u32 })
    }
}

pub struct PredictTask {
    shared: Shared,
    data: Arc<Dataset<f32>>,
}

impl Task for PredictTask {
    type Output = Vec<f32>;
    type JsValue = Float32Array;

    fn compute(&mut self) -> Result<Vec<f32>> {
        let mut state = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        let data = self.data.clone();
        state.on_pool(move |net, _, _| net.predict(&data.x, data.len()))
    }

    fn resolve(&mut self, _env: Env, out: Vec<f32>) -> Result<Float32Array> {
        Ok(Float32Array::new(out))
    }
}

/// `predict` on rows copied in the call: one task on the pool runs them, checking the copy as it
/// goes (no data set, no separate `seal`), for inputs small enough to copy at once.
pub struct PredictRowsTask {
    shared: Shared,
    x: Vec<f32>,
    rows: usize,
}

impl Task for PredictRowsTask {
    type Output = Vec<f32>;
    type JsValue = Float32Array;

    fn compute(&mut self) -> Result<Vec<f32>> {
        let mut state = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        // Taken, so the copy is freed here on the worker, not with the task on the JS thread.
        let (x, rows) = (std::mem::take(&mut self.x), self.rows);
        state
            .on_pool(|net, _, _| net.predict_checked(&x, rows))?
            .map_err(|i| check::non_finite_element("x", &x, i))
    }

    fn resolve(&mut self, _env: Env, out: Vec<f32>) -> Result<Float32Array> {
        Ok(Float32Array::new(out))
    }
}

#[napi]
pub struct NativeNetwork {
    shared: Shared,
    /// The cursor's progress, reachable without `shared`'s lock.
    progress: Arc<Progress>,
    input_size: usize,
    output_size: usize,
}

fn build_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("tunenet-{i}"))
        // Subnormals cost ~100 cycles each on x86; these threads are tunenet's (see subnormals.rs).
        .start_handler(|_| tunenet_core::subnormals::flush_on_this_thread())
        .build()
        .map(Arc::new)
        .map_err(|e| check::invalid("threads", format!("cannot start {threads} threads: {e}")))
}

#[napi]
impl NativeNetwork {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: NetworkOptions, optimizer: OptimizerOptions) -> Result<Self> {
        let layers =
            options.layers.iter().enumerate().map(|(i, l)| parse_layer(i, l)).collect::<Result<Vec<_>>>()?;
        // The parameter a loss declares (`delta`) is read from the option of its name.
        let parameter = |key: &str| match key {
            "delta" => options.loss_delta,
            _ => None,
        };
        let loss = LossKind::from_name(&options.loss, parameter).map_err(|e| match e.arg.as_str() {
            "loss" => check::invalid("loss", e.message),
            arg => check::invalid(&format!("loss.{arg}"), e.message),
        })?;
        let spec = NetworkSpec {
            input_size: check::positive("inputSize", options.input_size)?,
            layers,
            loss,
            seed: check::seed("seed", options.seed)?,
        };
        let optimizer = parse_optimizer(&optimizer)?;
        let threads = match options.threads {
            Some(t) => check::positive("threads", t)?,
            None => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        let mut net = Network::new(spec, optimizer).map_err(|e| check::invalid("network", e))?;
        net.threads = threads;
        net.trainable = options.layers.iter().map(|l| l.trainable.unwrap_or(true)).collect();
        let (input_size, output_size) = (net.input_size(), net.output_size());
        let cursor = EpochCursor::default();
        let progress = cursor.progress.clone();
        let state = ModelState {
            net,
            pool: build_pool(threads)?,
            cursor,
            buffers: BatchBuffers::default(),
            step_start: RestorePoint::default(),
        };
        Ok(NativeNetwork { shared: Arc::new(Mutex::new(state)), progress, input_size, output_size })
    }

    #[napi(getter)]
    pub fn input_size(&self) -> u32 {
        self.input_size as u32
    }

    #[napi(getter)]
    pub fn output_size(&self) -> u32 {
        self.output_size as u32
    }

    #[napi(catch_unwind)]
    pub fn set_optimizer(&self, optimizer: OptimizerOptions) -> Result<()> {
        let config = parse_optimizer(&optimizer)?;
        lock(&self.shared)?.net.optimizer = config;
        Ok(())
    }

    /// Optimizer steps taken (Adam's t).
    #[napi(catch_unwind)]
    pub fn get_step(&self) -> Result<f64> {
        Ok(lock(&self.shared)?.net.step as f64)
    }

    #[napi(catch_unwind)]
    pub fn set_step(&self, step: f64) -> Result<()> {
        let step = check::seed("step", step)?;
        lock(&self.shared)?.net.step = step;
        Ok(())
    }

    /// Every tensor a model file holds: parameters, their optimizer state (`W.v`, `W.s`, …)
    /// and batch-norm running statistics, with shapes.
    #[napi(catch_unwind)]
    pub fn tensors(&self) -> Result<Vec<TensorInfo>> {
        let state = lock(&self.shared)?;
        Ok(state
            .net
            .tensors()
            .into_iter()
            .map(|t| TensorInfo {
                layer: t.layer as u32,
                name: t.name,
                shape: t.shape.iter().map(|&d| d as u32).collect(),
            })
            .collect())
    }

    /// A copy of one tensor: a parameter (`W`, `b`, `gamma`, `beta`), its gradient (`W.grad`),
    /// optimizer state (`W.v`, `W.s`) or a running statistic (`runningMean`, `runningVar`).
    #[napi(catch_unwind)]
    pub fn get_tensor(&self, layer: f64, name: String) -> Result<Float32Array> {
        let mut state = lock(&self.shared)?;
        let slot = tensor_slot(&mut state.net, check::integer("layer", layer)? as usize, &name)?;
        Ok(Float32Array::new(slot.clone()))
    }

    /// Overwrites one tensor (validated: length and finiteness) — the model is unchanged on error.
    #[napi(catch_unwind)]
    pub fn set_tensor(&self, layer: f64, name: String, values: Float32ArraySlice) -> Result<()> {
        let values = values.to_vec(); // checked and used as one copy: a shared buffer cannot change in between
        let mut state = lock(&self.shared)?;
        let slot = tensor_slot(&mut state.net, check::integer("layer", layer)? as usize, &name)?;
        check::shape("values", &values, 1, slot.len())?;
        check::finite_elements("values", &values)?;
        if name == "runningVar" && values.iter().any(|&v| v < 0.0) {
            return Err(check::invalid("values", "a running variance cannot be negative"));
        }
        slot.copy_from_slice(&values);
        Ok(())
    }

    /// The dropout, shuffle or augment generator's state (4 × u32), so a resumed run draws the same numbers.
    #[napi(catch_unwind)]
    pub fn get_rng_state(&self, which: String) -> Result<Uint32Array> {
        let mut state = lock(&self.shared)?;
        Ok(Uint32Array::new(rng_slot(&mut state.net, &which)?.state().to_vec()))
    }

    #[napi(catch_unwind)]
    pub fn set_rng_state(&self, which: String, words: Vec<f64>) -> Result<()> {
        let mut state = lock(&self.shared)?;
        let words = words.iter().map(|&w| check::integer("state", w)).collect::<Result<Vec<u32>>>()?;
        if words.len() != 4 || words.iter().all(|&w| w == 0) {
            return Err(check::invalid("state", "expected 4 unsigned 32-bit words, not all zero"));
        }
        *rng_slot(&mut state.net, &which)? = Rng::from_state([words[0], words[1], words[2], words[3]]);
        Ok(())
    }

    /// Starts an epoch: remembers the state to restore if it diverges, then a fresh (optionally
    /// shuffled) order over `length` examples. Clipping and augmentation belong to this epoch
    /// only (`null`: off); evaluation, prediction and `trainStep` never augment.
    #[napi(catch_unwind)]
    pub fn begin_epoch(
        &self,
        length: f64,
        batch_size: f64,
        shuffle: bool,
        drop_last: bool,
        clip_norm: Option<f64>,
        augmentation: Option<AugmentationOptions>,
    ) -> Result<()> {
        let length = check::positive("length", length)?;
        let batch_size = check::positive("batchSize", batch_size)?;
        let clip_norm = clip_norm.map(|v| check::positive_f64("clipNorm", v)).transpose()?;
        let augmentation = match augmentation {
            None => None,
            Some(o) => {
                let aug = parse_augmentation(&o)?;
                check_row_len(&aug, self.input_size)?;
                Some(aug)
            }
        };
        let mut state = lock(&self.shared)?;
        let ModelState { net, cursor, .. } = &mut *state;
        net.begin_epoch(
            cursor,
            length,
            EpochOptions { batch_size, shuffle, drop_last, clip_norm, augmentation },
        )
        .map_err(|e| check::invalid("model", format!("cannot keep a restore point: {e}")))
    }

    /// Up to `maxSteps` fused mini-batch steps of the current epoch, off the main thread.
    #[napi(catch_unwind, ts_return_type = "Promise<StepsResult>")]
    pub fn run_steps(
        &self,
        data: &NativeDataset,
        learning_rate: f64,
        max_steps: f64,
    ) -> Result<AsyncTask<RunStepsTask>> {
        let learning_rate = check::non_negative("learningRate", learning_rate)?;
        let max_steps = check::positive("maxSteps", max_steps)?;
        let data = data.ready()?;
        {
            let state = lock(&self.shared)?;
            self.check_dataset(&data)?;
            if state.cursor.options.is_none() {
                return Err(napi::Error::from_reason(
                    "runSteps: call beginEpoch first (or the epoch was abandoned after a divergence)",
                ));
            }
            if state.cursor.order.len() != data.len() {
                return Err(check::invalid(
                    "data",
                    "has a different length from the epoch begun with beginEpoch",
                ));
            }
        }
        Ok(AsyncTask::new(RunStepsTask { shared: self.shared.clone(), data, learning_rate, max_steps }))
    }

    /// The current epoch's progress, never waiting for the model: callable while `runSteps`
    /// runs (a progress bar polls it), so one native call per epoch stays one.
    #[napi]
    pub fn progress(&self) -> EpochProgress {
        let p = self.progress.snapshot();
        EpochProgress {
            steps: p.steps as f64,
            total_steps: p.total_steps as f64,
            examples: p.examples as f64,
            loss_sum: p.loss_sum,
        }
    }

    /// One fused mini-batch step (forward, loss, backward, regularization, optional clipping,
    /// update) on the given batch — for users who write their own loop. Returns [data loss,
    /// regularization, correct]. A step that would leave anything non-finite is not applied.
    #[napi(catch_unwind)]
    pub fn train_step(
        &self,
        x: Float32ArraySlice,
        y: Float32ArraySlice,
        learning_rate: f64,
        clip_norm: Option<f64>,
        sample_weight: Option<Float32ArraySlice>,
    ) -> Result<Vec<f64>> {
        // x is checked and read where it lies, as predictSync's: the event loop waits for this
        // call, so no JavaScript changes it in between, and the TS API copies a view of a
        // SharedArrayBuffer (which another thread could write) before it comes here. Labels and
        // weights are small: copied, then checked.
        let x: &[f32] = &x;
        let y = y.to_vec();
        let weights = sample_weight.map(|w| w.to_vec());
        let m = check::rows_of("x", x, self.input_size)?;
        check::shape("y", &y, m, self.output_size)?;
        check::finite_elements("x", x)?;
        check::finite_elements("y", &y)?;
        let lr = check::non_negative("learningRate", learning_rate)?;
        let clip_norm = clip_norm.map(|v| check::positive_f64("clipNorm", v)).transpose()?;
        if let Some(w) = &weights {
            check::shape("sampleWeight", w, m, 1)?;
            if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
                return Err(check::invalid(
                    "sampleWeight",
                    format!("element {i} is {}, expected a finite weight ≥ 0", w[i]),
                ));
            }
        }
        let mut state = lock(&self.shared)?;
        let ModelState { net, pool, step_start, .. } = &mut *state;
        let pool = pool.clone();
        let threads = net.threads;
        let result = catch_unwind(AssertUnwindSafe(|| {
            within_budget(&pool, threads, || {
                net.guarded_train_step(step_start, x, &y, weights.as_deref(), m, lr, clip_norm)
            })
        }))
        .map_err(|_| {
            napi::Error::from_reason(
                "internal error in tunenet's native core (please report): trainStep panicked",
            )
        })?
        .map_err(|e| check::invalid("model", format!("cannot keep a restore point: {e}")))?;
        let stats = result.map_err(diverged_error)?;
        Ok(vec![stats.data_loss, stats.regularization, stats.correct as f64])
    }

    /// Loss (without regularization) and correct count in evaluation mode, off the main thread.
    #[napi(catch_unwind, ts_return_type = "Promise<EvaluateResult>")]
    pub fn evaluate(&self, data: &NativeDataset) -> Result<AsyncTask<EvaluateTask>> {
        let data = data.ready()?;
        self.check_dataset(&data)?;
        drop(lock(&self.shared)?); // fail fast if busy
        Ok(AsyncTask::new(EvaluateTask { shared: self.shared.clone(), data }))
    }

    /// Output probabilities [m, outputs] in evaluation mode, off the main thread (x from a
    /// sealed data set; its labels, if any, are ignored).
    #[napi(catch_unwind, ts_return_type = "Promise<Float32Array>")]
    pub fn predict(&self, data: &NativeDataset) -> Result<AsyncTask<PredictTask>> {
        let data = data.ready()?;
        if data.inputs != self.input_size {
            return Err(check::invalid(
                "x",
                format!("has {} features; this model expects {}", data.inputs, self.input_size),
            ));
        }
        drop(lock(&self.shared)?); // fail fast if busy
        Ok(AsyncTask::new(PredictTask { shared: self.shared.clone(), data }))
    }

    /// `predict` of rows given directly: copied here (the caller keeps this to a few MiB), then
    /// checked and run in one task off the main thread.
    #[napi(catch_unwind, ts_return_type = "Promise<Float32Array>")]
    pub fn predict_rows(&self, x: Float32ArraySlice) -> Result<AsyncTask<PredictRowsTask>> {
        let x = x.to_vec();
        let rows = check::rows_of("x", &x, self.input_size)?;
        drop(lock(&self.shared)?); // fail fast if busy
        Ok(AsyncTask::new(PredictRowsTask { shared: self.shared.clone(), x, rows }))
    }

    /// `predict` on the main thread, for small inputs where the hop to the thread pool costs more
    /// than the forward pass (one row: a few µs against tens). x is checked and read where it
    /// lies, not copied: the event loop waits for this call, so no JavaScript can change it in
    /// between (the async predicts copy it first, since JavaScript runs on while they work; the
    /// TS API copies a view of a SharedArrayBuffer before it comes here). At batch 1,024 the copy
    /// was 7 % of the call.
    #[napi(catch_unwind)]
    pub fn predict_sync(&self, x: Float32ArraySlice) -> Result<Float32Array> {
        let x: &[f32] = &x;
        let m = check::rows_of("x", x, self.input_size)?;
        let mut state = lock(&self.shared)?;
        let net = &mut state.net;
        let out = catch_unwind(AssertUnwindSafe(|| net.predict_on_this_thread(x, m))).map_err(|_| {
            napi::Error::from_reason(
                "internal error in tunenet's native core (please report): predictSync panicked",
            )
        })?;
        Ok(Float32Array::new(out.map_err(|i| check::non_finite_element("x", x, i))?))
    }

    /// Per-layer gradient L2 norms of the last training step.
    #[napi(catch_unwind)]
    pub fn last_grad_norms(&self) -> Result<Float64Array> {
        Ok(Float64Array::new(lock(&self.shared)?.net.last_grad_norms.clone()))
    }

    /// Backprop against two-sided differences in f64 over every parameter (dropout off, batch
    /// norm on batch statistics). The model itself is not modified.
    #[napi(catch_unwind)]
    pub fn gradient_check(
        &self,
        x: Float32ArraySlice,
        y: Float32ArraySlice,
        epsilon: f64,
    ) -> Result<GradientCheckResult> {
        let (x, y) = (x.to_vec(), y.to_vec()); // check the copy, never the live buffer
        let m = check::rows_of("x", &x, self.input_size)?;
        check::shape("y", &y, m, self.output_size)?;
        check::finite_elements("x", &x)?;
        check::finite_elements("y", &y)?;
        let epsilon = check::positive_f64("epsilon", epsilon)?;
        let mut state = lock(&self.shared)?;
        let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let y64: Vec<f64> = y.iter().map(|&v| v as f64).collect();
        let result = state.on_pool(move |net, _, _| {
            let mut net64 = net.cast::<f64>();
            compare_gradients(&mut net64, &x64, &y64, m, epsilon)
        })?;
        Ok(GradientCheckResult {
            analytic: Float64Array::new(result.analytic),
            numeric: Float64Array::new(result.numeric),
            blocks: result
                .blocks
                .iter()
                .map(|&(layer, name, len)| TensorInfo {
                    layer: layer as u32,
                    name: name.into(),
                    shape: vec![len as u32],
                })
                .collect(),
        })
    }

    fn check_dataset(&self, data: &Dataset<f32>) -> Result<()> {
        if data.inputs != self.input_size || data.outputs != self.output_size {
            return Err(check::invalid(
                "data",
                format!(
                    "has {} features and {} label columns; this model expects {} and {}",
                    data.inputs, data.outputs, self.input_size, self.output_size
                ),
            ));
        }
        Ok(())
    }
}

fn tensor_slot<'a>(net: &'a mut Network<f32>, layer: usize, name: &str) -> Result<&'a mut Vec<f32>> {
    net.tensor_mut(layer, name).map_err(|e| check::invalid(&e.arg, e.message))
}

fn rng_slot<'a>(net: &'a mut Network<f32>, which: &str) -> Result<&'a mut Rng> {
    match which {
        "dropout" => Ok(&mut net.dropout_rng),
        "shuffle" => Ok(&mut net.shuffle_rng),
        "augment" => Ok(&mut net.augment_rng),
        other => {
            Err(check::invalid("which", format!("expected 'dropout', 'shuffle' or 'augment', got '{other}'")))
        }
    }
}
