// modelCheckpoint({ path, monitor, saveBestOnly, mode }), as Keras's ModelCheckpoint(filepath, …),
// or modelCheckpoint(model, { … }) naming the model up front: saves the model after every epoch
// (or, with saveBestOnly, after the epochs that improve the monitored value) with saveModel:
// atomic and durable, so the file always holds one complete model, and with the training state,
// so `loadModel(file)` then `fit(…, { initialEpoch: loaded.trainingState.epoch })` continues the
// run exactly as if it had never stopped.
//
// `path` may hold placeholders filled from the epoch's log, as Keras's `filepath`:
//   {epoch}        epochs completed (log.epoch + 1, Keras's 1-based epoch; the initialEpoch that
//                  resumes from the file); {epoch:03d} pads it with zeros to 3 digits;
//   {trainLoss} {trainAccuracy} {devLoss} {devAccuracy} {learningRate}: the value as JavaScript
//                  prints it; {devLoss:.4f} with 4 decimals.
// Missing directories are created.
//
// The best value so far is state that travels with the model's training state (stateKey
// `modelCheckpoint:{path}`): a run resumed with initialEpoch does not overwrite a better
// checkpoint. It is put in the training state before the save, so the file itself carries it.
// fit records the training state again after every hook, so the file holds what the callbacks
// before it in `callbacks` set this epoch (a rate, their state): put modelCheckpoint last.
//
// Without a model, the callback saves the model being fitted (`control.model`); a model given up
// front lets the monitor be checked against it at once (a regression model has no accuracy) and
// must be the one fitted.
import { promises as fs } from 'node:fs';
import nodePath from 'node:path';
import type { EpochLog, TrainingControl } from '../fit';
import type { FitCallback } from '../callbacks';
import { MONITORS, type Monitor } from '../earlyStopping';
import { Sequential, type OutputKind } from '../../model';
import { saveModel } from '../../io/modelFile';
import * as check from '../../validation/args';

export interface ModelCheckpointOptions {
  /** File to write; may hold placeholders ({epoch}, {devLoss:.4f}, …). */
  path: string;
  /** What saveBestOnly watches (default 'devLoss'). */
  monitor?: Monitor;
  /** Save only when the monitored value improves on the best so far (default false: every epoch). */
  saveBestOnly?: boolean;
  /** 'min' or 'max' is better; 'auto' (default): losses lower, accuracies higher. */
  mode?: 'min' | 'max' | 'auto';
}

export interface ModelCheckpoint extends FitCallback {
  /** The files written, in order (one entry per save). */
  readonly saved: string[];
}

const PLACEHOLDERS = ['epoch', 'trainLoss', 'trainAccuracy', 'devLoss', 'devAccuracy', 'learningRate'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
type Part = string | { name: Placeholder; format?: { digits: number; fixed: boolean } };

export function modelCheckpoint(options: ModelCheckpointOptions): ModelCheckpoint;
export function modelCheckpoint(model: Sequential<OutputKind>, options: ModelCheckpointOptions): ModelCheckpoint;
export function modelCheckpoint(first: Sequential<OutputKind> | ModelCheckpointOptions, second?: ModelCheckpointOptions): ModelCheckpoint {
  const named = first instanceof Sequential ? first : undefined;
  if (named === undefined && second !== undefined) throw check.typeError('modelCheckpoint: model', 'a tunenet model (sequential(...))', first);
  const options = named ? second : first;
  if (options === undefined) throw check.typeError('modelCheckpoint options', 'an options object { path, monitor, saveBestOnly, mode }', options);
  const o = check.options('modelCheckpoint options', options, ['path', 'monitor', 'saveBestOnly', 'mode'] as const);
  const path = check.nonEmptyString('modelCheckpoint: path', o.path);
  const parts = parsePath(path);
  // A regression model has losses only (checked here when the model is named, else by the log).
  const monitors = named?.targets === 'real' ? MONITORS.filter((m) => m.endsWith('Loss')) : MONITORS;
  const monitor = check.optional(o.monitor, 'devLoss' as Monitor, (v) => check.oneOf('modelCheckpoint: monitor', v, monitors));
  const saveBestOnly = check.optional(o.saveBestOnly, false, (v) => check.boolean('modelCheckpoint: saveBestOnly', v));
  const mode = check.optional(o.mode, 'auto' as const, (v) => check.oneOf('modelCheckpoint: mode', v, ['min', 'max', 'auto'] as const));
  const lower = mode === 'min' || (mode === 'auto' && monitor.endsWith('Loss'));

  const stateKey = `modelCheckpoint:${path}`;
  const saved: string[] = [];
  let best: number | null = null;
  let last: number | undefined;
  let resumed = false;
  const getState = () => ({ monitor, lower, best });

  const onEpochEnd = async (log: EpochLog, control: TrainingControl): Promise<void> => {
    const model = named ?? control.model;
    const state = model.trainingState;
    if (state?.epoch !== log.epoch + 1) {
      throw new Error(`modelCheckpoint: model: is not the model being fitted (it has completed ${state?.epoch ?? 0} epochs, the log is of epoch ${log.epoch})`);
    }
    // A new run (not resumed, not continuing this object's last epoch) starts with no best.
    if (!resumed && last !== undefined && log.epoch !== last + 1) best = null;
    resumed = false;
    last = log.epoch;
    const previousBest = best;
    if (saveBestOnly) {
      const value = log[monitor];
      if (value === undefined) {
        throw new RangeError(`modelCheckpoint: monitor: '${monitor}' is not in the epoch log (it needs fit's validation data)`);
      }
      if (best !== null && !(lower ? value < best : value > best)) return;
      best = value;
    }
    const file = render(parts, log);
    // The file carries this callback's state after this epoch (fit records it only after the hooks).
    model.trainingState = { ...state, callbacks: { ...state.callbacks, [stateKey]: getState() } };
    try {
      await fs.mkdir(nodePath.dirname(file), { recursive: true });
      await saveModel(model, file);
    } catch (e) {
      best = previousBest;
      model.trainingState = state;
      const code = (e as NodeJS.ErrnoException)?.code;
      throw Object.assign(new Error(`modelCheckpoint: path: cannot save '${file}': ${(e as Error)?.message ?? String(e)}`, { cause: e }), code ? { code } : {});
    }
    saved.push(file);
  };

  return {
    onEpochEnd,
    saved,
    stateKey,
    getState,
    setState: (s: unknown) => {
      if (!check.isPlainObject(s) || !(s.best === null || typeof s.best === 'number')) {
        throw check.typeError('modelCheckpoint: saved state', 'an object { monitor, lower, best }', s);
      }
      // Another monitor or direction starts afresh: its best is not comparable.
      best = s.monitor === monitor && s.lower === lower ? (s.best as number | null) : null;
      resumed = true;
    },
  };
}

/** Splits a path into text and placeholders, checking every `{…}`. */
function parsePath(path: string): Part[] {
  const parts: Part[] = [];
  const re = /\{([^{}]*)\}/g;
  let at = 0;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    parts.push(path.slice(at, m.index));
    at = m.index + m[0].length;
    const [name, spec] = m[1].split(':', 2) as [string, string | undefined];
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new RangeError(`modelCheckpoint: path: unknown placeholder '{${m[1]}}'${check.suggestion(name, PLACEHOLDERS).replace('known options', 'known')}`);
    }
    if (spec === undefined) {
      parts.push({ name: name as Placeholder });
      continue;
    }
    const format = name === 'epoch' ? /^0?([0-9]{1,2})d$/.exec(spec) : /^\.([0-9]{1,2})f$/.exec(spec);
    if (!format) throw new RangeError(`modelCheckpoint: path: '{${m[1]}}' has an unknown format (${name === 'epoch' ? '{epoch:03d}' : `{${name}:.4f}`} is one)`);
    parts.push({ name: name as Placeholder, format: { digits: Number(format[1]), fixed: name !== 'epoch' } });
  }
  const rest = path.slice(at);
  if (/[{}]/.test(rest) || parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) {
    throw new RangeError(`modelCheckpoint: path: '${path}' has a brace that is not part of a placeholder ({epoch}, {devLoss:.4f}, …)`);
  }
  parts.push(rest);
  return parts;
}

function render(parts: Part[], log: EpochLog): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      const value = p.name === 'epoch' ? log.epoch + 1 : log[p.name];
      if (value === undefined) throw new RangeError(`modelCheckpoint: path: '{${p.name}}' has no value: the epoch log has no ${p.name}`);
      if (!p.format) return String(value);
      return p.format.fixed ? value.toFixed(p.format.digits) : String(value).padStart(p.format.digits, '0');
    })
    .join('');
}
