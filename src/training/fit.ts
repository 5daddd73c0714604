// The training loop. Each epoch is one asynchronous native call (or one per `stepsPerCallback`
// steps when per-step progress is asked for); every mini-batch inside it is one fused
// forward/backward/update in the backend.
//
// Nothing lost:
// - every option is checked, the data copied and checked, and the first epoch's learning rate
//   computed before anything about the model changes, so a rejected fit leaves it byte-identical;
// - a step whose loss, gradients or parameters are not finite puts the model back to its state
//   at the start of that epoch and rejects with an error naming the epoch and step;
// - per-call settings (clipNorm, augment, batchSize, the schedule) never outlive the call;
//   what a resumed run needs (epoch, learning rate, monitored values, early stopping, callback
//   state) is kept in `model.trainingState`, saved with the model: `fit({ initialEpoch:
//   model.trainingState.epoch })` continues a run exactly, after a save and load too.
import type { DatasetHandle } from '../backend';
import type { Labels, Matrix } from '../data/arrays';
import { divergenceError, type OutputKind, type Sequential } from '../model';
import type { TrainingState } from '../modelState';
import { checkOptimizer, updateRuleOf, type OptimizerConfig } from '../optimizers';
import { constant, type Schedule } from '../schedules';
import { EarlyStopping, copyWeights, restoreWeights, type EarlyStoppingOptions } from './earlyStopping';
import { augmentationOptionsOf, type AugmentOptions } from './augment';
import { checkCallbacks, type FitCallback } from './callbacks';
import { rowWeights } from './weights';
import { matrixRows } from '../data/arrays';
import { diagnose, errorRate, type Diagnosis } from '../diagnosis/biasVariance';
import { gradientWarnings, type GradientWarning } from '../diagnosis/gradientHealth';
import { trainingDisplay, verboseStreamOf, verbosityOf, type TrainingDisplay, type VerboseStream } from './verbose';
import * as check from '../validation/args';

export interface EpochLog {
  /** 0-based epoch index (continues from `initialEpoch`). */
  epoch: number;
  /** Mean over the epoch's examples of (cross-entropy + regularization), as the course's cost J. */
  trainLoss: number;
  /** Accuracy on the training batches as they were trained (dropout on); classification only. */
  trainAccuracy?: number;
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
  /** The model being trained (Keras's `self.model`): read its weights or save it from a hook. */
  readonly model: Sequential<OutputKind>;
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
  /** Replaces the model's optimizer (rule and base learning rate; saved with it); its state carries over. */
  optimizer?: OptimizerConfig;
  /** Learning rate per epoch (default constant). */
  schedule?: Schedule;
  /** Dev set, evaluated after every epoch. */
  validation?: { x: Matrix; y: Labels };
  earlyStopping?: EarlyStoppingOptions;
  /** Clip the global gradient norm to this value during this call (default off). */
  clipNorm?: number | null;
  /** Index of the first epoch; `model.trainingState.epoch` resumes the last run exactly (default 0: a new run). */
  initialEpoch?: number;
  /** Random image augmentation of the training batches, fresh every epoch (default none). */
  augment?: AugmentOptions | null;
  onEpochEnd?: (log: EpochLog, control: TrainingControl) => void | Promise<void>;
  onStep?: (log: StepLog, control: TrainingControl) => void | Promise<void>;
  /** Callback objects ({ onEpochEnd, onStep }, babysit(), …), called in order after onEpochEnd/onStep. */
  callbacks?: FitCallback[];
  /** Steps between onStep calls (default 1). */
  stepsPerCallback?: number;
  /** One weight ≥ 0 per training example (Keras's sample_weight): the batch loss is (1/m)·Σ wᵢ·ℓᵢ. */
  sampleWeight?: number[] | Float32Array | Float64Array;
  /** A weight ≥ 0 per class ({ 0: 1, 1: 5 } or [1, 5]), applied by each example's label; multiplies sampleWeight. */
  classWeight?: Record<number, number> | number[];
  /**
   * Best achievable error for history.diagnosis (default 0): an error rate in [0, 1] (human
   * level / Bayes) for classification, a loss ≥ 0 in the model's loss units for regression.
   */
  baseError?: number;
  /**
   * 0 silent, 1 a progress bar per epoch (steps, ETA, running loss, samples/s), 2 one line per
   * epoch (loss, metrics, dev metrics, lr, time). Default 'auto': the environment variable
   * TUNENET_VERBOSE (0, 1 or 2) when set, else 1 when the stream is a terminal and 2 otherwise.
   */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Where verbose output goes (default process.stdout). */
  verboseStream?: VerboseStream;
}

const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'dropLast',
  'optimizer',
  'schedule',
  'validation',
  'earlyStopping',
  'clipNorm',
  'initialEpoch',
  'augment',
  'onEpochEnd',
  'onStep',
  'callbacks',
  'stepsPerCallback',
  'baseError',
  'sampleWeight',
  'classWeight',
  'verbose',
  'verboseStream',
] as const;

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

/** Every option of one fit call, checked; nothing here has touched the model. */
interface FitPlan {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  optimizer: OptimizerConfig;
  schedule: Schedule;
  clipNorm: number | null;
  initialEpoch: number;
  augment: ReturnType<typeof augmentationOptionsOf>;
  stepsPerCallback: number;
  baseError: number;
  callbacks: FitCallback[];
  stopping?: EarlyStopping;
  verbose: 0 | 1 | 2;
  verboseStream: VerboseStream;
}

function planFit(model: Sequential<OutputKind>, options: unknown): FitPlan {
  const o = check.options('fit options', options, FIT_OPTIONS);
  const regression = model.targets === 'real';
  const at = (name: string) => `fit: ${name}`;
  const callbacks = checkCallbacks(at('callbacks'), o.callbacks);
  // onEpochEnd / onStep are callbacks too, called first.
  const own: FitCallback = {};
  if (o.onEpochEnd !== undefined) own.onEpochEnd = check.func(at('onEpochEnd'), o.onEpochEnd);
  if (o.onStep !== undefined) own.onStep = check.func(at('onStep'), o.onStep);
  // A data object, not options: a part from split() carries more than x and y.
  if (o.validation !== undefined && (o.validation === null || typeof o.validation !== 'object')) throw check.typeError(at('validation'), 'an object { x, y }', o.validation);
  const initialEpoch = check.optional(o.initialEpoch, 0, (v) => check.integer(at('initialEpoch'), v, 0));
  const epochs = check.optional(o.epochs, 1, (v) => check.integer(at('epochs'), v, 1));
  if (initialEpoch + epochs > check.MAX_COUNT) throw check.rangeError(at('initialEpoch'), `at most ${check.MAX_COUNT} − epochs`, initialEpoch);
  const verboseStream = verboseStreamOf(at('verboseStream'), o.verboseStream);
  return {
    epochs,
    batchSize: check.optional(o.batchSize, 32, (v) => check.integer(at('batchSize'), v, 1)),
    shuffle: check.optional(o.shuffle, true, (v) => check.boolean(at('shuffle'), v)),
    dropLast: check.optional(o.dropLast, false, (v) => check.boolean(at('dropLast'), v)),
    optimizer: o.optimizer === undefined ? model.optimizer : checkOptimizer(at('optimizer'), o.optimizer),
    schedule: check.optional(o.schedule, constant(), (v) => check.func<Schedule>(at('schedule'), v)),
    clipNorm: o.clipNorm == null ? null : check.number(at('clipNorm'), o.clipNorm, 0, Infinity, { lo: true }),
    initialEpoch,
    augment: augmentationOptionsOf(at('augment'), o.augment, model.inputSize),
    stepsPerCallback: check.optional(o.stepsPerCallback, 1, (v) => check.integer(at('stepsPerCallback'), v, 1)),
    baseError: check.optional(o.baseError, 0, (v) => (regression ? check.number(at('baseError'), v, 0) : errorRate('fit: baseError', check.number(at('baseError'), v, 0, 1)))),
    callbacks: own.onEpochEnd || own.onStep ? [own, ...callbacks] : callbacks,
    stopping: o.earlyStopping === undefined ? undefined : new EarlyStopping('fit: earlyStopping', o.earlyStopping, o.validation !== undefined, 'fit options.earlyStopping', !regression),
    verbose: verbosityOf(at('verbose'), o.verbose, verboseStream),
    verboseStream,
  };
}

function learningRateOf(where: string, value: unknown): number {
  return check.number(where, value, 0);
}

export async function fit(model: Sequential<OutputKind>, x: Matrix, y: Labels, options: FitOptions): Promise<History> {
  const plan = planFit(model, options);
  const validation = (options as FitOptions).validation;
  // Copy and check all data (in chunks, checked off the main thread) before anything changes.
  const m = matrixRows('fit: x', x, model.inputSize);
  const o = options as FitOptions;
  const weights = rowWeights(m, y, model.outputSize, model.targets, o.sampleWeight, o.classWeight);
  const train = await model.dataset('fit', x, y, undefined, weights);
  const dev: DatasetHandle | undefined = validation
    ? await model.dataset('fit', validation.x, validation.y, { x: 'validation.x', y: 'validation.y' })
    : undefined;
  try {
    return await fitOn(model, plan, train, dev);
  } finally {
    // The copies are only this call's: dropped now, not whenever the garbage collector gets to
    // their handles, so a second fit (or a tuning trial) never holds two copies of its data.
    train.release();
    dev?.release();
  }
}

/** fit on data already copied and checked: from here on the model may change. */
async function fitOn(model: Sequential<OutputKind>, plan: FitPlan, train: DatasetHandle, dev: DatasetHandle | undefined): Promise<History> {
  if (plan.batchSize > train.length && plan.dropLast) {
    throw new RangeError(`fit: batchSize: ${plan.batchSize} exceeds the ${train.length} training examples and dropLast is set, so no step would run`);
  }
  const baseRate = plan.optimizer.learningRate;

  // A resumed run continues the state the last one left; any other initialEpoch starts afresh.
  const resumed = model.trainingState !== undefined && model.trainingState.epoch === plan.initialEpoch && plan.initialEpoch > 0 ? model.trainingState : undefined;
  const monitored = resumed ? resumed.monitored.slice() : [];
  const previousRate = resumed ? resumed.learningRate : baseRate;
  const manualRate = resumed?.manualLearningRate;
  // The first epoch's rate, before the model changes: a schedule that fails fails here.
  const nextRate =
    manualRate ??
    learningRateOf('fit: schedule result', plan.schedule(plan.initialEpoch, { initialLearningRate: baseRate, previousLearningRate: previousRate, monitored: monitored.slice() }));

  // Accepted: from here on the model changes.
  const handle = model.handle;
  const previousOptimizer = model.optimizer;
  if (plan.optimizer !== previousOptimizer) {
    handle.setOptimizer(updateRuleOf(plan.optimizer));
    model.optimizer = plan.optimizer;
  }
  const display = trainingDisplay(plan.verbose, handle, plan.verboseStream, plan.initialEpoch + plan.epochs);
  // Keras users call summary() before fit; a verbose fit shows it so a log starts with the architecture.
  if (display) plan.verboseStream.write(`${model.summary()}\n`);
  try {
    return await trainEpochs(model, plan, train, dev, { resumed, monitored, previousRate, manualRate, nextRate, baseRate }, display);
  } catch (e) {
    // A run that fails (divergence, a throwing callback) keeps the epochs it completed but not
    // its optimizer switch.
    if (model.optimizer !== previousOptimizer) {
      handle.setOptimizer(updateRuleOf(previousOptimizer));
      model.optimizer = previousOptimizer;
    }
    throw e;
  } finally {
    display?.close();
  }
}

interface RunStart {
  resumed?: TrainingState;
  monitored: number[];
  previousRate: number;
  manualRate?: number;
  nextRate: number;
  baseRate: number;
}

async function trainEpochs(
  model: Sequential<OutputKind>,
  plan: FitPlan,
  train: DatasetHandle,
  dev: DatasetHandle | undefined,
  start: RunStart,
  display: TrainingDisplay | undefined,
): Promise<History> {
  const handle = model.handle;
  const regression = model.targets === 'real';
  const { resumed, monitored, baseRate } = start;
  let { previousRate, manualRate, nextRate } = start;
  const scheduled = (epoch: number) =>
    manualRate ??
    learningRateOf('fit: schedule result', plan.schedule(epoch, { initialLearningRate: baseRate, previousLearningRate: previousRate, monitored: monitored.slice() }));
  const stopping = plan.stopping;
  if (stopping && resumed) stopping.resume(resumed.earlyStopping);
  let bestWeights = stopping && resumed && stopping.bestEpoch >= 0 ? model.bestWeights : undefined;
  for (const cb of plan.callbacks) {
    const saved = resumed?.callbacks[cb.stateKey ?? ''];
    if (cb.setState && saved !== undefined) cb.setState(structuredClone(saved));
  }

  let stopRequested = false;
  const control: TrainingControl = {
    model,
    stop: () => {
      stopRequested = true;
    },
    setLearningRate: (rate) => {
      manualRate = learningRateOf('control.setLearningRate: learningRate', rate);
    },
  };
  const history: History = { epochs: [], stoppedEarly: false };
  const stepCallbacks = plan.callbacks.filter((cb) => cb.onStep);

  for (let epoch = plan.initialEpoch; epoch < plan.initialEpoch + plan.epochs && !stopRequested; epoch++) {
    const started = performance.now();
    const rate = epoch === plan.initialEpoch ? nextRate : (nextRate = scheduled(epoch));
    const maxSteps = stepCallbacks.length > 0 ? plan.stepsPerCallback : 0xffffffff;
    let steps = 0;
    let examples = 0;
    let lossSum = 0;
    let correct = 0;
    let normSums: number[] = [];
    let log: EpochLog | undefined;
    let stop = false;
    // What happens between an epoch's start and its bookkeeping shares the model's native queue
    // slots with nothing else: a save or evaluate from elsewhere runs before or after, and sees
    // weights and training state of the same epoch (onStep chunks are the only breaks).
    const endOfEpoch = async (): Promise<EpochLog> => {
      const epochLog: EpochLog = {
        epoch,
        trainLoss: lossSum / Math.max(examples, 1),
        ...(regression ? {} : { trainAccuracy: correct / Math.max(examples, 1) }),
        learningRate: rate,
        gradNorms: normSums.map((v) => v / Math.max(steps, 1)),
        steps,
        seconds: 0,
      };
      if (dev) {
        const r = await handle.evaluate(dev);
        epochLog.devLoss = r.loss;
        if (!regression) epochLog.devAccuracy = r.correct / r.examples;
      }
      monitored.push(epochLog.devLoss ?? epochLog.trainLoss);
      previousRate = rate;
      if (stopping) {
        const verdict = stopping.update(epoch, epochLog[stopping.monitor] as number);
        if (verdict.improved && stopping.restoreBest) bestWeights = copyWeights(handle);
        stop = verdict.stop;
      }
      // The run's state after this epoch, so a save from here on (a checkpoint in onEpochEnd
      // too) resumes after it; again after the hooks, which may set a rate or change their state.
      model.trainingState = trainingStateAfter(epoch, rate, manualRate, monitored, stopping, plan.callbacks);
      model.bestWeights = bestWeights;
      return epochLog;
    };
    for (let chunk = 0; ; chunk++) {
      const r = await model.native(async () => {
        // The backend takes 32-bit sizes: a batch larger than the data is the whole data (batch GD).
        if (chunk === 0) {
          handle.beginEpoch(train.length, Math.min(plan.batchSize, train.length), plan.shuffle, plan.dropLast, plan.clipNorm, plan.augment);
          display?.epochBegun(epoch);
        }
        let result;
        try {
          result = await handle.runSteps(train, rate, maxSteps);
        } catch (e) {
          throw divergenceError(e, 'fit', rate, epoch);
        }
        steps += result.steps;
        examples += result.examples;
        lossSum += result.lossSum;
        correct += result.correct;
        normSums = Array.from(result.gradNormSums, (v, i) => v + (normSums[i] ?? 0));
        if (result.epochDone || result.steps === 0) log = await endOfEpoch();
        return result;
      });
      if (r.steps > 0) {
        for (const cb of stepCallbacks) await cb.onStep!({ epoch, step: steps, loss: r.lossSum / r.examples, learningRate: rate }, control);
      }
      if (log) break;
    }
    const done = log as EpochLog;
    done.seconds = (performance.now() - started) / 1000;
    display?.epochEnd(done);
    history.epochs.push(done);
    // After each hook, so a later one (a checkpoint) saves what the earlier ones set (a rate,
    // their own state).
    for (const cb of plan.callbacks) {
      if (!cb.onEpochEnd) continue;
      await cb.onEpochEnd(done, control);
      model.trainingState = trainingStateAfter(epoch, rate, manualRate, monitored, stopping, plan.callbacks);
    }
    if (stop) {
      history.stoppedEarly = true;
      break;
    }
  }
  if (history.stoppedEarly && stopping?.restoreBest && bestWeights) {
    const weights = bestWeights;
    await model.native(async () => restoreWeights(handle, weights));
    history.bestEpoch = stopping.bestEpoch;
  }
  // Diagnosis of the weights the model now holds (the best epoch's when restored).
  const hasParameters = model.architecture.layers.map((l) => l.kind === 'dense' || l.kind === 'batchNorm');
  const norms = history.epochs.map((e) => e.gradNorms);
  const usable = norms.length > 0 && norms.every((n) => n.length === hasParameters.length);
  history.gradientWarnings = usable ? gradientWarnings(norms, { hasParameters, epochOffset: history.epochs[0].epoch }) : [];
  const held = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1];
  if (dev && regression && held?.devLoss !== undefined) {
    // Regression: the errors are the losses (train in evaluation mode), judged against the dev loss.
    const r = await model.native(() => handle.evaluate(train));
    history.diagnosis = diagnose({ trainError: r.loss, devError: held.devLoss, baseError: plan.baseError, scale: 'loss' });
  } else if (dev && held?.devAccuracy !== undefined) {
    const r = await model.native(() => handle.evaluate(train));
    history.diagnosis = diagnose({ trainError: 1 - r.correct / r.examples, devError: 1 - held.devAccuracy, baseError: plan.baseError });
  }
  return history;
}

function trainingStateAfter(
  epoch: number,
  rate: number,
  manualRate: number | undefined,
  monitored: number[],
  stopping: EarlyStopping | undefined,
  callbacks: FitCallback[],
): TrainingState {
  const states: Record<string, unknown> = {};
  for (const cb of callbacks) if (cb.getState && cb.stateKey) states[cb.stateKey] = structuredClone(cb.getState());
  return {
    epoch: epoch + 1,
    learningRate: rate,
    ...(manualRate !== undefined ? { manualLearningRate: manualRate } : {}),
    monitored: monitored.slice(),
    ...(stopping ? { earlyStopping: stopping.state() } : {}),
    callbacks: states,
  };
}
