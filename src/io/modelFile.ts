// Model files: a model's state (`model.exportState()`) in a safetensors container, so PyTorch's
// `safetensors.torch.load_file` reads the tensors.
//
// Tensors, all F32, in `model.tensors()` order: `layers.{i}.{name}` (W, b, gamma, beta, their
// optimizer state W.v / W.s, runningMean, runningVar), then early stopping's best weights of an
// unfinished run as `best.layers.{i}.{name}`. `__metadata__` (string values, as the format
// requires) holds exactly:
//   format "tunenet", version "2", architecture (JSON), optimizer (JSON), step (decimal),
//   rng (JSON: dropout, shuffle and augment generator states), and, only when present,
//   normalizer (JSON { features, mean, std }) and training (JSON: where a fit run stands).
// Files without augment, normalizer, training or best.* tensors (older tunenet) load. Version "1"
// files (before batch norm's default momentum became 0.9) load with 0.99, the default they were
// trained with, wherever a batch-norm layer left its momentum to the default.
//
// saveModel = exportState (a consistent snapshot taken between two native calls, also while a
// fit runs) → safetensors → atomic replace (atomicFile.ts: unique temp, fsync, rename, fsync
// the directory, saves to one path in call order, stale temps of killed savers removed).
// loadModel = header first (its length checked against the file size before it is read), the
// container checked (safetensors.ts), the metadata checked, then each tensor read into its own
// array, then `Sequential.fromState`, which checks every field as the constructor would. Any
// problem with the file is an Error `loadModel: {file} is not a valid tunenet model file: …`.
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { Sequential, type Architecture, type OutputKind } from '../model';
import type { ModelState, NamedTensor, TrainingState } from '../modelState';
import type { RngName } from '../backend';
import type { BackendName } from '../backends';
import type { NormalizerJSON } from '../data/normalizer';
import { Normalizer } from '../data/normalizer';
import { BEFORE_BATCH_NORM_INIT } from '../layerConfig';
import { DEFAULT_INIT, INIT_KINDS, initParameter, type InitName } from '../reference/init';
import * as check from '../validation/args';
import { writeFileAtomic } from './atomicFile';
import { FormatError, parseJsonStrict, readF32, readHeader, writeSafetensors, type Header } from './safetensors';

const FORMAT = 'tunenet';
const VERSION = '2';
/** The defaults that changed after version 1, as version 1 files were trained with them. */
const VERSION_1_BATCH_NORM_MOMENTUM = 0.99;

/** Every metadata key a file may hold, and whether it must. Anything else is refused. */
const METADATA_KEYS = {
  format: true,
  version: true,
  architecture: true,
  optimizer: true,
  step: true,
  rng: true,
  normalizer: false,
  training: false,
} as const;
type MetadataKey = keyof typeof METADATA_KEYS;

// The fields of the JSON values, written out so that a field added to the model's state types
// fails to compile here until the file format knows about it.
const ARCHITECTURE_KEYS = Object.keys({ inputSize: 1, layers: 1, output: 1, seed: 1, loss: 1, lossDelta: 1 } satisfies Record<keyof Architecture, 1>);
const RNG_KEYS = Object.keys({ dropout: 1, shuffle: 1, augment: 1 } satisfies Record<RngName, 1>) as RngName[];
const NORMALIZER_KEYS = Object.keys({ features: 1, mean: 1, std: 1 } satisfies Record<keyof NormalizerJSON, 1>);

const BACKENDS: readonly BackendName[] = ['native', 'reference'];
/** The constructor's range for `threads`. */
const MAX_THREADS = 1024;

export interface LoadOptions {
  backend?: BackendName;
  threads?: number;
}

/**
 * Writes `model` to `file` (a consistent snapshot, also during a fit). Concurrent saves to one
 * path keep call order; the file always holds one complete model.
 */
export async function saveModel(model: Sequential<OutputKind>, file: string): Promise<void> {
  if (!(model instanceof Sequential)) throw check.typeError('saveModel: model', 'a tunenet model (sequential(...))', model);
  if (typeof file !== 'string' || file.length === 0) throw check.typeError('saveModel: file', 'a non-empty path string', file);
  const normalizer: unknown = model.normalizer;
  if (normalizer !== undefined) {
    if (!(normalizer instanceof Normalizer)) throw check.typeError('saveModel: model.normalizer', 'a Normalizer (Normalizer.fit(x, features)) or undefined', normalizer);
    if (normalizer.features !== model.inputSize) {
      throw new RangeError(`saveModel: model.normalizer: was fitted on ${normalizer.features} features, but the model's input has ${model.inputSize}`);
    }
  }
  // Requested now, so that saves keep call order; taken between two of the model's native calls.
  const state = model.exportState().catch((e: unknown) => {
    throw new StateError(`saveModel: model: could not take its state: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  });
  try {
    await writeFileAtomic(file, state, (handle, s) => writeSafetensors(handle, s.tensors, metadataOf(s)));
  } catch (e) {
    throw e instanceof StateError ? e : ioError('saveModel', file, e);
  }
}

/** The model could not be read (not a file problem): reported as it is. */
class StateError extends Error {}

/** The `__metadata__` strings of a state. */
function metadataOf(state: ModelState): Record<string, string> {
  return {
    format: FORMAT,
    version: VERSION,
    architecture: JSON.stringify(state.architecture),
    optimizer: JSON.stringify(state.optimizer),
    step: String(state.step),
    rng: JSON.stringify(state.rng),
    ...(state.normalizer ? { normalizer: JSON.stringify(state.normalizer) } : {}),
    ...(state.training ? { training: JSON.stringify(state.training) } : {}),
  };
}

/** Reads a model written by saveModel. Every field is checked as the constructor would. */
/** `O` is the output kind you know the file has ('linear' for a regression model), for typed predictions. */
export async function loadModel<O extends OutputKind = 'softmax' | 'sigmoid'>(file: string, options?: LoadOptions): Promise<Sequential<O>> {
  if (typeof file !== 'string' || file.length === 0) throw check.typeError('loadModel: file', 'a non-empty path string', file);
  const o = check.options('loadModel options', options, ['backend', 'threads'] as const);
  const backend = check.optional(o.backend, undefined as BackendName | undefined, (v) => check.oneOf('loadModel options.backend', v, BACKENDS));
  const threads = check.optional(o.threads, undefined as number | undefined, (v) => check.integer('loadModel options.threads', v, 1, MAX_THREADS));

  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw ioError('loadModel', file, e);
  }
  let state: ModelState;
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
    const header = await readHeader(handle, stat.size);
    const partial = stateOf(header);
    const tensors: NamedTensor[] = [];
    for (const entry of header.tensors) tensors.push({ name: entry.name, shape: entry.shape, values: await readF32(handle, header, entry) });
    state = { ...partial, tensors };
  } catch (e) {
    throw e instanceof FormatError ? corrupt(file, e.message) : ioError('loadModel', file, e);
  } finally {
    await handle.close().catch(() => undefined);
  }
  try {
    return Sequential.fromState<O>(state, { ...(backend ? { backend } : {}), ...(threads ? { threads } : {}) });
  } catch (e) {
    throw corrupt(file, `its state is invalid: ${(e as Error).message}`);
  }
}

/** The state a header describes, tensors not read yet. Throws FormatError. */
function stateOf(header: Header): Omit<ModelState, 'tensors'> {
  const meta = header.metadata;
  if (!meta) throw new FormatError(`it has no __metadata__ (format '${FORMAT}' expected)`);
  if (meta.format !== FORMAT) throw new FormatError(`metadata.format is ${JSON.stringify(meta.format)}, not '${FORMAT}'`);
  if (meta.version !== VERSION && meta.version !== '1') throw new FormatError(`unsupported version ${JSON.stringify(meta.version)} (this tunenet reads 1 and ${VERSION})`);
  for (const key of Object.keys(meta)) {
    if (!(key in METADATA_KEYS)) throw new FormatError(`unknown metadata '${key}'${check.suggestion(key, Object.keys(METADATA_KEYS)).replace('known options', 'known')}`);
  }
  for (const [key, required] of Object.entries(METADATA_KEYS)) {
    if (required && meta[key] === undefined) throw new FormatError(`metadata '${key}' is missing`);
  }
  if (!/^(0|[1-9][0-9]*)$/.test(meta.step) || !Number.isSafeInteger(Number(meta.step))) {
    throw new FormatError(`metadata.step ${JSON.stringify(meta.step)} is not a non-negative integer`);
  }
  const written = objectOf(meta, 'architecture', ARCHITECTURE_KEYS) as unknown as Architecture;
  const architecture = withoutIgnoredInitScales(meta.version === '1' ? withVersion1Defaults(written) : written);
  const rng = objectOf(meta, 'rng', RNG_KEYS) as unknown as Record<RngName, number[]>;
  const normalizer = meta.normalizer === undefined ? undefined : (objectOf(meta, 'normalizer', NORMALIZER_KEYS) as unknown as NormalizerJSON);
  // The optimizer's and the training state's fields are checked by fromState (unknown keys included).
  const optimizer = json(meta, 'optimizer') as ModelState['optimizer'];
  const training = meta.training === undefined ? undefined : (json(meta, 'training') as TrainingState);
  for (const t of header.tensors) {
    if (t.dtype !== 'F32') throw new FormatError(`tensor '${t.name}' has dtype ${t.dtype}, expected F32`);
  }
  return {
    architecture,
    optimizer,
    step: Number(meta.step),
    rng,
    ...(normalizer !== undefined ? { normalizer } : {}),
    ...(training !== undefined ? { training } : {}),
  };
}

/** A version 1 architecture with the defaults of its time written out (fromState checks the rest). */
function withVersion1Defaults(architecture: Architecture): Architecture {
  if (!Array.isArray(architecture.layers)) return architecture;
  const layers = architecture.layers.map((layer) =>
    check.isPlainObject(layer) && layer.kind === 'batchNorm' && layer.momentum === undefined ? { ...layer, momentum: VERSION_1_BATCH_NORM_MOMENTUM } : layer,
  );
  return { ...architecture, layers } as Architecture;
}

/**
 * Files written before a dense layer's `initScale` was checked (5 December 2026) may hold one
 * that its init ignored (`he`, `glorot`, …), which building the network now refuses. The weights
 * come from the file, so the scale is dropped rather than the file refused.
 */
function withoutIgnoredInitScales(architecture: Architecture): Architecture {
  if (!Array.isArray(architecture.layers)) return architecture;
  const layers = architecture.layers.map((layer, i) => {
    if (!check.isPlainObject(layer) || layer.kind !== 'dense' || layer.initScale === undefined) return layer;
    const next = architecture.layers[i + 1];
    const init = layer.init ?? (check.isPlainObject(next) && next.kind === 'batchNorm' ? BEFORE_BATCH_NORM_INIT : DEFAULT_INIT);
    if (!(INIT_KINDS as readonly unknown[]).includes(init) || initParameter(init as InitName) !== undefined) return layer;
    const { initScale: _ignored, ...kept } = layer;
    return kept;
  });
  return { ...architecture, layers } as Architecture;
}

function json(meta: Record<string, string>, key: MetadataKey): unknown {
  try {
    return parseJsonStrict(meta[key]);
  } catch (e) {
    throw new FormatError(`metadata.${key} is not valid JSON (${(e as Error).message})`);
  }
}

/** A metadata JSON object whose keys are all in `known`. */
function objectOf(meta: Record<string, string>, key: MetadataKey, known: readonly string[]): Record<string, unknown> {
  const value = json(meta, key);
  if (!check.isPlainObject(value)) throw new FormatError(`metadata.${key} is ${check.describe(value)}, expected a JSON object`);
  for (const k of Object.keys(value)) {
    if (!known.includes(k)) throw new FormatError(`metadata.${key} has unknown field '${k}' (known: ${known.join(', ')})`);
  }
  return value;
}

function corrupt(file: string, why: string): Error {
  return new Error(`loadModel: ${file} is not a valid tunenet model file: ${why}`);
}

/** A file system error, worded with the function and the path; `code` and `cause` kept. */
function ioError(where: 'saveModel' | 'loadModel', file: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why =
    code === 'EISDIR'
      ? `'${file}' is a directory, expected a model file path`
      : code === 'ENOENT' && where === 'loadModel'
        ? `'${file}' does not exist (ENOENT)`
        : `cannot ${where === 'saveModel' ? 'write' : 'read'} '${file}': ${(e as Error)?.message ?? String(e)}`;
  return Object.assign(new Error(`${where}: file: ${why}`, { cause: e }), code ? { code } : {});
}
