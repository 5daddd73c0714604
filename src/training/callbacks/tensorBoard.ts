// tensorBoard(logDir): TensorBoard event files, laid out as Keras's TensorBoard callback writes
// them, so `tensorboard --logdir <logDir>` shows a tunenet run as it shows a Keras one:
//
// - Two runs: `<logDir>/train` and `<logDir>/validation` (the latter only with validation data).
//   Each event's step is the epoch index (0-based, as in history); its wall time is when the
//   epoch's hooks ran.
// - Scalars, per epoch: every train/dev number of the epoch log as `epoch_<name>` in snake case
//   (trainLoss → train `epoch_loss`, devAccuracy → validation `epoch_accuracy`; a regression run
//   has no accuracy), the learning rate as train `epoch_learning_rate`, and each layer's mean
//   gradient norm as train `grad_norm/layer_<i>_<kind>` (layers with parameters only).
// - Weight histograms: every weight tensor (W, b, gamma, beta, running statistics; not optimizer
//   slots) under its model-file name (`layers.0.W`), in train, at epochs 0, f, 2f, … for
//   histogramFreq f (Keras's `epoch % histogram_freq == 0`); 30 equal-width buckets between the
//   tensor's min and max (see src/io/tensorboard/histogram.ts).
// - Each run (a fit, or one that does not follow on from the last epoch this callback wrote)
//   starts a new event file in each run directory and a SessionLog START at its first epoch:
//   TensorBoard then drops what older files recorded at that epoch and later. A run resumed with
//   `fit({ initialEpoch })` therefore continues the curves with no step twice, even when resumed
//   from a checkpoint older than the last epoch logged; a new run from epoch 0 replaces the old.
// - Every epoch's events are appended and fsynced before the hook returns, so TensorBoard shows
//   each epoch as it ends; no file stays open between epochs.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { EpochLog, TrainingControl } from '../fit';
import type { FitCallback } from '../callbacks';
import { EventFileWriter, histogramOf, type SummaryValue } from '../../io/tensorboard';
import { tensorName, WEIGHT_NAMES } from '../../modelState';
import * as check from '../../validation/args';

export interface TensorBoardOptions {
  /** Epochs between weight histograms, written at epochs 0, f, 2f, …; 0: none (default 1). */
  histogramFreq?: number;
}

const TENSORBOARD_RUNS = { train: 'train', dev: 'validation' } as const;

export function tensorBoard(logDir: string, options?: TensorBoardOptions): FitCallback {
  const dir = check.nonEmptyString('tensorBoard: logDir', logDir);
  const o = check.options('tensorBoard options', options, ['histogramFreq'] as const);
  const histogramFreq = check.optional(o.histogramFreq, 1, (v) => check.integer('tensorBoard: histogramFreq', v, 0));
  refuseNonDirectory(dir);
  let writers: Map<string, EventFileWriter> | undefined;
  let runStart = 0;
  let last: number | undefined;
  return {
    onEpochEnd: async (log: EpochLog, control: TrainingControl) => {
      if (writers === undefined || last === undefined || log.epoch !== last + 1) {
        writers = new Map();
        runStart = log.epoch;
      }
      const run = writers;
      const wallTime = Date.now() / 1000;
      const writerOf = (name: string): EventFileWriter => {
        let writer = run.get(name);
        if (writer === undefined) {
          writer = new EventFileWriter(path.join(dir, name));
          writer.add(runStart, { sessionStart: true }, wallTime);
          run.set(name, writer);
        }
        return writer;
      };
      for (const [runName, values] of summariesOf(log, control, histogramFreq)) {
        if (values.length > 0) writerOf(runName).add(log.epoch, { summary: values }, wallTime);
      }
      try {
        await Promise.all([...run.values()].map((w) => w.flush()));
      } catch (e) {
        const message = (e as Error)?.message ?? String(e);
        throw new Error(`tensorBoard: logDir: cannot write '${dir}': ${message}`, { cause: e });
      }
      last = log.epoch;
    },
  };
}

/** The summary values of one epoch, by run directory. */
function summariesOf(log: EpochLog, control: TrainingControl, histogramFreq: number): Map<string, SummaryValue[]> {
  const train: SummaryValue[] = [];
  const dev: SummaryValue[] = [];
  // Every train…/dev… number the log carries, so a metric added to EpochLog is logged unchanged.
  for (const [key, value] of Object.entries(log)) {
    const split = /^(train|dev)([A-Z]\w*)$/.exec(key);
    if (split === null || typeof value !== 'number') continue;
    (split[1] === 'train' ? train : dev).push({ tag: `epoch_${snakeCase(split[2])}`, scalar: value });
  }
  train.push({ tag: 'epoch_learning_rate', scalar: log.learningRate });

  const model = control.model;
  const tensors = model.tensors();
  const withParameters = new Set(tensors.map((t) => t.layer));
  log.gradNorms.forEach((norm, i) => {
    if (withParameters.has(i)) train.push({ tag: `grad_norm/layer_${i}_${model.architecture.layers[i].kind}`, scalar: norm });
  });
  if (histogramFreq > 0 && log.epoch % histogramFreq === 0) {
    for (const t of tensors) {
      if (WEIGHT_NAMES.has(t.name)) train.push({ tag: tensorName(t.layer, t.name), histogram: histogramOf(model.getTensor(t.layer, t.name)) });
    }
  }
  return new Map([
    [TENSORBOARD_RUNS.train, train],
    [TENSORBOARD_RUNS.dev, dev],
  ]);
}

/** `Accuracy` → `accuracy`, `TopKAccuracy` → `top_k_accuracy` (Keras's metric names). */
function snakeCase(name: string): string {
  return name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}

/** A logDir that exists must be a directory; one that does not is created at the first epoch. */
function refuseNonDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (!isDirectory) throw new Error(`tensorBoard: logDir: '${dir}' exists and is not a directory`);
}
