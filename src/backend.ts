// The contract both backends implement: the native addon (default) and the pure-TS reference.
// Same seed → same initial weights, dropout masks and shuffles on both, so they can be
// compared end to end. The shapes mirror crates/node/src/network.rs.
import type {
  AugmentationOptions,
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
  EvaluateResult,
  GradientCheckResult,
  LayerOptions,
  NetworkOptions,
  OptimizerOptions,
  StepsResult,
  TensorInfo,
};

/** Data owned by a backend: x [m, inputs], y [m, outputs] (one-hot or 0/1), copied once. */
export interface DatasetHandle {
  readonly length: number;
}

/** The saved random streams of a network. */
export type RngName = 'dropout' | 'shuffle' | 'augment';

/** One network living in a backend. Methods and semantics follow `NativeNetwork`. */
export interface NetworkHandle {
  readonly inputSize: number;
  readonly outputSize: number;
  setOptimizer(optimizer: OptimizerOptions): void;
  setClipNorm(maxNorm?: number | null): void;
  /** Image augmentation of the batches `runSteps` gathers (null: off). Never in evaluate/predict/trainStep. */
  setAugmentation(options?: AugmentationOptions | null): void;
  getStep(): number;
  setStep(step: number): void;
  tensors(): TensorInfo[];
  getTensor(layer: number, name: string): Float32Array;
  setTensor(layer: number, name: string, values: Float32Array): void;
  getRngState(which: RngName): Uint32Array;
  setRngState(which: RngName, words: number[]): void;
  beginEpoch(length: number, batchSize: number, shuffle: boolean, dropLast: boolean): void;
  runSteps(data: DatasetHandle, learningRate: number, maxSteps: number): Promise<StepsResult>;
  trainStep(x: Float32Array, y: Float32Array, learningRate: number): number[];
  evaluate(data: DatasetHandle): Promise<EvaluateResult>;
  predict(x: Float32Array): Promise<Float32Array>;
  lastGradNorms(): Float64Array;
  gradientCheck(x: Float32Array, y: Float32Array, epsilon: number): GradientCheckResult;
}

export interface Backend {
  readonly name: 'native' | 'reference';
  createNetwork(options: NetworkOptions, optimizer: OptimizerOptions): NetworkHandle;
  createDataset(x: Float32Array, y: Float32Array, inputs: number, outputs: number): DatasetHandle;
}
