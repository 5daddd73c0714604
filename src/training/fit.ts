// The training loop. Each epoch is one asynchronous native call (or one per `stepsPerCallback`
// steps when per-step progress is asked for); every mini-batch inside it is one fused
// forward/backward/update in the backend. Everything is validated before the model is touched.
import type { DatasetHandle } from '../backend';
import type { Labels, Matrix } from '../data/arrays';
import type { Sequential } from '../model';
import { updateRuleOf, type OptimizerConfig } from '../optimizers';
import { constant, type Schedule } from '../schedules';
import { EarlyStopping, type EarlyStoppingOptions } from './earlyStopping';
import { augmentationOptionsOf, type AugmentOptions } from './augment';
import { diagnose, errorRate, type Diagnosis } from '../diagnosis/biasVariance';
import { gradientWarnings, type GradientWarning } from '../diagnosis/gradientHealth';

export interface EpochLog {
  /** 0-based epoch index (continues from `initialEpoch`). */
  epoch: number;
  /** Mean over the epoch's examples of (cross-entropy + regularization), as the course's cost J. */
  trainLoss: number;
  /** Accuracy on the training batches as they were trained (dropout on). */
  trainAccuracy: number;
  /** Cross-entropy (no regularization) and accuracy on the validation data, in evaluation mode. */
  devLoss?: number;
  devAccuracy?: number;
  learningRate: number;
  /** Mean over the epoch's steps of each layer's gradient L2 norm (0 for parameter-free layers). */
  gradNorms: number[];
  steps: number;
  seconds: number;
}

export interface StepLog {
  epoch: number;
  /** Steps done in this epoch so far. */
  step: number;
  /** Mean loss over the steps since the last step callback. */
  loss: number;
  learningRate: number;
}

export interface TrainingControl {
  /** Ends training after the current epoch. */
  stop(): void;
  /** Sets the learning rate for the following epochs, replacing the schedule (babysitting). */
  setLearningRate(learningRate: number): void;
}

export interface FitOptions {
  epochs?: number;
  /** m = batch gradient descent, 1 = SGD, anything between = mini-batch (default 32). */
  batchSize?: number;
  /** Reshuffle the training order every epoch, from the model's seed (default true). */
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false: it is trained on). */
  dropLast?: boolean;
  /** Replaces the model's optimizer (rule and base learning rate); its state carries over. */
  optimizer?: OptimizerConfig;
  /** Learning rate per epoch (default constant). */
  schedule?: Schedule;
  /** Dev set, evaluated after every epoch. */
  validation?: { x: Matrix; y: Labels };
  earlyStopping?: EarlyStoppingOptions;
  /** Clip the global gradient norm to this value (default off). */
  clipNorm?: number | null;
  /** Index of the first epoch (to continue a schedule when resuming; default 0). */
  initialEpoch?: number;
  /** Random image augmentation of the training batches, fresh every epoch (default none). */
  augment?: AugmentOptions | null;
  onEpochEnd?: (log: EpochLog, control: TrainingControl) => void | Promise<void>;
  onStep?: (log: StepLog, control: TrainingControl) => void | Promise<void>;
  /** Steps between onStep calls (default 1). */
  stepsPerCallback?: number;
  /** Best achievable error (human level / Bayes estimate) in [0, 1] for history.diagnosis (default 0). */
  baseError?: number;
}

export interface History {
  epochs: EpochLog[];
  stoppedEarly: boolean;
  /** Epoch whose weights the model holds when early stopping restored the best. */
  bestEpoch?: number;
  /**
   * Bias/variance verdict for the weights the model ends with (only with validation data): the
   * train error from evaluating the whole training set once at the end in evaluation mode
   * (dropout off), the dev error from that epoch's dev evaluation, and options.baseError.
   */
  diagnosis?: Diagnosis;
  /** Vanishing/exploding warnings from the epochs' per-layer gradient norms (empty when healthy). */
  gradientWarnings?: GradientWarning[];
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: must be an integer ≥ 1, got ${value}`);
  return value;
}

function learningRateOf(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name}: must be a finite number ≥ 0, got ${value}`);
  return value;
}

export async function fit(model: Sequential, x: Matrix, y: Labels, options: FitOptions): Promise<History> {
  const augmented = options !== null && typeof options === 'object' && options.augment != null;
  try {
    return await trainEpochs(model, x, y, options);
  } finally {
    if (augmented) model.handle.setAugmentation(null); // also after an error: the model never keeps it
  }
}

async function trainEpochs(model: Sequential, x: Matrix, y: Labels, options: FitOptions): Promise<History> {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
  const epochs = positiveInteger('epochs', options.epochs ?? 1);
  const batchSize = positiveInteger('batchSize', options.batchSize ?? 32);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new RangeError(`initialEpoch: must be an integer ≥ 0, got ${initialEpoch}`);
  const stepsPerCallback = positiveInteger('stepsPerCallback', options.stepsPerCallback ?? 1);
  for (const flag of ['shuffle', 'dropLast'] as const) {
    if (options[flag] !== undefined && typeof options[flag] !== 'boolean') {
      throw new TypeError(`${flag}: expected a boolean, got ${typeof options[flag]}`);
    }
  }
  const optimizer = options.optimizer ?? model.optimizer;
  const baseRate = learningRateOf('optimizer.learningRate', optimizer.learningRate);
  const schedule = options.schedule ?? constant();
  if (typeof schedule !== 'function') throw new TypeError('schedule: expected a function (epoch, context) => learningRate');
  if (options.clipNorm != null && !(options.clipNorm > 0 && Number.isFinite(options.clipNorm))) {
    throw new RangeError(`clipNorm: must be a finite number > 0, got ${options.clipNorm}`);
  }
  // Copy and validate all data before anything changes, so a rejected fit leaves the model as it was.
  const train = model.dataset(x, y, 'x', 'y');
  const dev: DatasetHandle | undefined = options.validation
    ? model.dataset(options.validation.x, options.validation.y, 'validation.x', 'validation.y')
    : undefined;
  const stopping = options.earlyStopping ? new EarlyStopping(options.earlyStopping, dev !== undefined) : undefined;
  const baseError = errorRate('baseError', options.baseError ?? 0);
  const handle = model.handle;
  if (batchSize > train.length && options.dropLast) {
    throw new RangeError(`batchSize: ${batchSize} exceeds the ${train.length} training examples and dropLast is set, so no step would run`);
  }
  // Validated by the backend (ranges, size against inputSize) before anything else changes.
  handle.setAugmentation(augmentationOptionsOf(options.augment));
  handle.setOptimizer(updateRuleOf(optimizer));
  model.optimizer = optimizer;
  handle.setClipNorm(options.clipNorm ?? null);

  let stopRequested = false;
  let manualRate: number | undefined;
  const control: TrainingControl = {
    stop: () => {
      stopRequested = true;
    },
    setLearningRate: (rate) => {
      manualRate = learningRateOf('learningRate', rate);
    },
  };
  const history: History = { epochs: [], stoppedEarly: false };
  const monitored: number[] = [];
  let previousRate = baseRate;

  for (let epoch = initialEpoch; epoch < initialEpoch + epochs && !stopRequested; epoch++) {
    const started = performance.now();
    const rate = learningRateOf(
      'schedule result',
      manualRate ?? schedule(epoch, { initialLearningRate: baseRate, previousLearningRate: previousRate, monitored }),
    );
    previousRate = rate;
    // The backend takes 32-bit sizes: a batch larger than the data is the whole data (batch GD).
    handle.beginEpoch(train.length, Math.min(batchSize, train.length), options.shuffle ?? true, options.dropLast ?? false);
    const maxSteps = options.onStep ? Math.min(stepsPerCallback, 0xffffffff) : 0xffffffff;
    let steps = 0;
    let examples = 0;
    let lossSum = 0;
    let correct = 0;
    let normSums: number[] = [];
    for (;;) {
      const r = await handle.runSteps(train, rate, maxSteps);
      steps += r.steps;
      examples += r.examples;
      lossSum += r.lossSum;
      correct += r.correct;
      normSums = Array.from(r.gradNormSums, (v, i) => v + (normSums[i] ?? 0));
      if (options.onStep && r.steps > 0) {
        await options.onStep({ epoch, step: steps, loss: r.lossSum / r.examples, learningRate: rate }, control);
      }
      if (r.epochDone || r.steps === 0) break;
    }
    const log: EpochLog = {
      epoch,
      trainLoss: lossSum / Math.max(examples, 1),
      trainAccuracy: correct / Math.max(examples, 1),
      learningRate: rate,
      gradNorms: normSums.map((s) => s / Math.max(steps, 1)),
      steps,
      seconds: 0,
    };
    if (dev) {
      const r = await handle.evaluate(dev);
      log.devLoss = r.loss;
      log.devAccuracy = r.correct / r.examples;
    }
    log.seconds = (performance.now() - started) / 1000;
    history.epochs.push(log);
    monitored.push(log.devLoss ?? log.trainLoss);
    if (!Number.isFinite(log.trainLoss)) {
      throw new Error(`training diverged at epoch ${epoch}: the loss is ${log.trainLoss}; lower the learning rate or clip gradients (clipNorm)`);
    }
    if (options.onEpochEnd) await options.onEpochEnd(log, control);
    if (stopping && stopping.update(epoch, log[stopping.monitor] as number, handle)) {
      history.stoppedEarly = true;
      break;
    }
  }
  if (stopping && stopping.bestEpoch >= 0 && stopping.restoreBest) {
    stopping.restore(handle);
    history.bestEpoch = stopping.bestEpoch;
  }
  // Diagnosis of the weights the model now holds (the best epoch's when restored).
  const hasParameters = model.architecture.layers.map((l) => l.kind === 'dense' || l.kind === 'batchNorm');
  const norms = history.epochs.map((e) => e.gradNorms);
  const usable = norms.length > 0 && norms.every((n) => n.length === hasParameters.length);
  history.gradientWarnings = usable ? gradientWarnings(norms, { hasParameters, epochOffset: history.epochs[0].epoch }) : [];
  const held = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1];
  if (dev && held?.devAccuracy !== undefined) {
    const r = await handle.evaluate(train);
    history.diagnosis = diagnose({ trainError: 1 - r.correct / r.examples, devError: 1 - held.devAccuracy, baseError });
  }
  return history;
}
