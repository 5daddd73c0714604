// The contract both backends implement: the native addon (default) and the pure-TS reference.
// Same seed → same initial weights, dropout masks and shuffles on both, so they can be
// compared end to end. The shapes mirror crates/node/src/network.rs.
import type {
  AugmentationOptions,
  EpochProgress,
  EvaluateResult,
  GradientCheckResult,
  LayerOptions,
  NetworkOptions,
  OptimizerOptions,
  StepsResult,
  TensorInfo,
} from '../index';

export type {
  AugmentationOptions,
  EpochProgress,
  EvaluateResult,
  GradientCheckResult,
  LayerOptions,
  NetworkOptions,
  OptimizerOptions,
  StepsResult,
  TensorInfo,
};

/**
 * Data owned by a backend: x [m, inputs], y [m, outputs] (one-hot or 0/1; outputs 0 = no
 * labels, for prediction), written in row chunks, then checked once by `seal()` (off the main
 * thread on the native side). Usable for training only once sealed.
 */
export interface DatasetHandle {
  readonly length: number;
  writeX(row: number, values: Float32Array): void;
  writeY(row: number, values: Float32Array): void;
  /** Row weights (Keras's sample_weight) from `row` on; without any, every row weighs 1. */
  writeWeights(row: number, values: Float32Array): void;
  seal(): Promise<void>;
  /**
   * Drops the copy now (a call still running on it keeps it until it ends); using the handle
   * afterwards is an error. fit, evaluate and predict release the data sets they made.
   */
  release(): void;
}

/** The saved random streams of a network. */
export type RngName = 'dropout' | 'shuffle' | 'augment';

/** One network living in a backend. Methods and semantics follow `NativeNetwork`. */
export interface NetworkHandle {
  readonly inputSize: number;
  readonly outputSize: number;
  setOptimizer(optimizer: OptimizerOptions): void;
  getStep(): number;
  setStep(step: number): void;
  tensors(): TensorInfo[];
  getTensor(layer: number, name: string): Float32Array;
  setTensor(layer: number, name: string, values: Float32Array): void;
  getRngState(which: RngName): Uint32Array;
  setRngState(which: RngName, words: number[]): void;
  /**
   * Starts an epoch and remembers the state to return to if one of its steps diverges.
   * Clipping and augmentation (null: off) hold for this epoch only; evaluate, predict and
   * trainStep never augment.
   */
  beginEpoch(
    length: number,
    batchSize: number,
    shuffle: boolean,
    dropLast: boolean,
    clipNorm: number | null,
    augmentation: AugmentationOptions | null,
  ): void;
  /**
   * The current epoch's progress (steps done and planned, examples, loss sum), read without
   * waiting for the model: callable while `runSteps` runs, so a progress bar can poll it.
   */
  progress(): EpochProgress;
  /** Rejects with `diverged: step N: …` after putting the model back to the epoch's start. */
  runSteps(data: DatasetHandle, learningRate: number, maxSteps: number): Promise<StepsResult>;
  /** Throws `diverged: step 1: …` and leaves the model unchanged when the step would not stay finite. */
  trainStep(x: Float32Array, y: Float32Array, learningRate: number, clipNorm: number | null, sampleWeight?: Float32Array | null): number[];
  evaluate(data: DatasetHandle): Promise<EvaluateResult>;
  predict(data: DatasetHandle): Promise<Float32Array>;
  /** predict of rows given directly: copied in the call, then checked and run in one task off the main thread. */
  predictRows(x: Float32Array): Promise<Float32Array>;
  /** predict on the calling thread (x copied, then checked): for small inputs, no thread-pool hop. */
  predictSync(x: Float32Array): Float32Array;
  lastGradNorms(): Float64Array;
  gradientCheck(x: Float32Array, y: Float32Array, epsilon: number): GradientCheckResult;
}

export interface Backend {
  readonly name: 'native' | 'reference';
  createNetwork(options: NetworkOptions, optimizer: OptimizerOptions): NetworkHandle;
  /** Zero-filled storage for `rows` examples; throws when it cannot be allocated. */
  createDataset(rows: number, inputs: number, outputs: number): DatasetHandle;
}
