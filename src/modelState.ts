// Everything that makes a model what it is, as plain data: what saveModel writes and loadModel
// reads, what clone() copies. Taken by `model.exportState()` between two native calls (never
// in the middle of a step), so it is consistent even while a fit runs.
import type { Architecture } from './model';
import type { OptimizerConfig } from './optimizers';
import type { NormalizerJSON } from './data/normalizer';
import type { RngName } from './backend';

/** One named tensor: `layers.{i}.{W|b|gamma|beta|runningMean|runningVar}` and optimizer slots `….v`/`….s`. */
export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/**
 * Where a fit run stands, so that resuming with `initialEpoch: state.epoch` continues it exactly
 * (schedules, a learning rate set by `control.setLearningRate`/`babysit`, early stopping and
 * every callback helper's state), after a save and load too. Per-call settings (clipNorm,
 * augment, batchSize, the schedule function itself) are not here: pass them again.
 */
export interface TrainingState {
  /** Epochs completed: the `initialEpoch` that resumes this run. */
  epoch: number;
  /** The learning rate of the last completed epoch (the schedule's `previousLearningRate`). */
  learningRate: number;
  /** Set through `control.setLearningRate`: it replaces the schedule from then on. */
  manualLearningRate?: number;
  /** The monitored metric of every epoch from the run's first (the schedules' `monitored`). */
  monitored: number[];
  /** Early stopping's progress: best value, its epoch, epochs waited since; best weights travel as `best.*` tensors. */
  earlyStopping?: { monitor: string; best: number; bestEpoch: number; wait: number };
  /** State of stateful callback helpers (e.g. babysit), by their `stateKey`. */
  callbacks: Record<string, unknown>;
}

export interface ModelState {
  architecture: Architecture;
  optimizer: OptimizerConfig;
  /** Optimizer steps taken (Adam's t). */
  step: number;
  /** The generators' states (4 × u32 each). */
  rng: Record<RngName, number[]>;
  /** The model's tensors in `model.tensors()` order, then early stopping's best weights as `best.layers.…`. */
  tensors: NamedTensor[];
  normalizer?: NormalizerJSON;
  training?: TrainingState;
}

/** Tensors that define the model's function (what early stopping keeps a best copy of), not optimizer slots. */
export const WEIGHT_NAMES: ReadonlySet<string> = new Set(['W', 'b', 'gamma', 'beta', 'runningMean', 'runningVar']);

/** Prefix of the early-stopping best-weights copies in a state or a file. */
export const BEST_PREFIX = 'best.';

export const tensorName = (layer: number, name: string): string => `layers.${layer}.${name}`;
