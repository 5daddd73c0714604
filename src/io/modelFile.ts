// Model files: safetensors (8-byte little-endian header length, a JSON header, then raw
// little-endian tensor bytes), so PyTorch's `safetensors.torch.load_file` reads the tensors.
// Tensors are named `layers.{i}.{name}` (W, b, gamma, beta, their optimizer state W.v / W.s,
// runningMean, runningVar). `__metadata__` (string values only, as the format requires) holds:
//   format "tunenet", version "1", architecture (JSON), optimizer (JSON), step, rng (JSON:
//   dropout, shuffle and augment generator states; files without augment still load),
//   and normalizer (JSON { features, mean, std }) only when the model carries one (files
//   without it load with no normalizer).
// Writes go to a temporary file in the same directory and are renamed over the target, so a
// crash never leaves a half-written model. Loading checks every field and every tensor's size
// against the architecture before building anything.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayerOptions } from '../backend';
import { Sequential, type Architecture, type ModelOptions } from '../model';
import type { OptimizerConfig } from '../optimizers';
import type { BackendName } from '../backends';
import { Normalizer } from '../data/normalizer';

const FORMAT = 'tunenet';
const VERSION = '1';
/** Headers beyond this are not something tunenet wrote (safetensors itself caps at 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export async function saveModel(model: Sequential, file: string): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError('file: expected a non-empty path string');
  const normalizer = model.normalizer;
  if (normalizer !== undefined) {
    if (!(normalizer instanceof Normalizer)) throw new TypeError('model.normalizer: expected a Normalizer (Normalizer.fit(x, features)) or undefined');
    if (normalizer.features !== model.inputSize) {
      throw new RangeError(`model.normalizer: was fitted on ${normalizer.features} features, but the model's input has ${model.inputSize}`);
    }
  }
  const header: Record<string, unknown> = {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of model.tensors()) {
    const values = model.getTensor(t.layer, t.name);
    const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    header[`layers.${t.layer}.${t.name}`] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const rng = {
    dropout: Array.from(model.handle.getRngState('dropout')),
    shuffle: Array.from(model.handle.getRngState('shuffle')),
    augment: Array.from(model.handle.getRngState('augment')),
  };
  header.__metadata__ = {
    format: FORMAT,
    version: VERSION,
    architecture: JSON.stringify(model.architecture),
    optimizer: JSON.stringify(model.optimizer),
    step: String(model.handle.getStep()),
    rng: JSON.stringify(rng),
    ...(normalizer ? { normalizer: JSON.stringify(normalizer.toJSON()) } : {}),
  };
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // safetensors aligns the data to 8 bytes
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await fs.writeFile(tmp, Buffer.concat([prefix, jsonBytes, ...chunks]));
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

function corrupt(file: string, why: string): Error {
  return new Error(`loadModel: ${file} is not a valid tunenet model file: ${why}`);
}

/** Expected tensors (name → shape) of an architecture, computed without building the network. */
function expectedTensors(arch: Architecture): Map<string, number[]> {
  const out = new Map<string, number[]>();
  let width = arch.inputSize;
  arch.layers.forEach((layer: LayerOptions, i) => {
    const add = (name: string, shape: number[]) => {
      for (const suffix of ['', '.v', '.s']) out.set(`layers.${i}.${name}${suffix}`, shape);
    };
    if (layer.kind === 'dense') {
      const units = layer.units ?? 0;
      add('W', [width, units]);
      if (layer.useBias !== false) add('b', [units]);
      width = units;
    } else if (layer.kind === 'batchNorm') {
      add('gamma', [width]);
      add('beta', [width]);
      out.set(`layers.${i}.runningMean`, [width]);
      out.set(`layers.${i}.runningVar`, [width]);
    }
  });
  return out;
}

function parseJson<T>(file: string, what: string, text: unknown): T {
  if (typeof text !== 'string') throw corrupt(file, `metadata '${what}' is missing`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw corrupt(file, `metadata '${what}' is not valid JSON`);
  }
}

export interface LoadOptions {
  backend?: BackendName;
  threads?: number;
}

export async function loadModel(file: string, options: LoadOptions = {}): Promise<Sequential> {
  if (typeof file !== 'string' || file.length === 0) throw new TypeError('file: expected a non-empty path string');
  const bytes = await fs.readFile(file);
  if (bytes.length < 8) throw corrupt(file, `it is ${bytes.length} bytes long, shorter than the 8-byte header length`);
  const headerLength = bytes.readBigUInt64LE(0);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    throw corrupt(file, `the header claims ${headerLength} bytes but the file has ${bytes.length - 8} after the length (truncated?)`);
  }
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, TensorEntry | Record<string, string>>;
  try {
    header = JSON.parse(bytes.subarray(8, dataStart).toString('utf8'));
  } catch {
    throw corrupt(file, 'the header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt(file, 'the header is not a JSON object');
  const meta = header.__metadata__ as Record<string, string> | undefined;
  if (!meta || meta.format !== FORMAT) throw corrupt(file, `metadata.format is not '${FORMAT}'`);
  if (meta.version !== VERSION) throw corrupt(file, `unsupported version '${meta.version}' (this tunenet reads ${VERSION})`);
  const arch = parseJson<Architecture>(file, 'architecture', meta.architecture);
  const optimizer = parseJson<OptimizerConfig>(file, 'optimizer', meta.optimizer);
  // `augment` was added later: files without it keep the fresh AUGMENT stream of the seed.
  const rng = parseJson<{ dropout: number[]; shuffle: number[]; augment?: number[] }>(file, 'rng', meta.rng);
  const step = Number(meta.step);
  if (!Number.isSafeInteger(step) || step < 0) throw corrupt(file, `metadata.step '${meta.step}' is not a non-negative integer`);
  if (!arch || typeof arch !== 'object' || !Array.isArray(arch.layers) || !Number.isInteger(arch.inputSize)) {
    throw corrupt(file, 'metadata.architecture lacks inputSize or layers');
  }
  let normalizer: Normalizer | undefined;
  if (meta.normalizer !== undefined) {
    try {
      normalizer = Normalizer.fromJSON(parseJson<unknown>(file, 'normalizer', meta.normalizer));
    } catch (e) {
      throw (e as Error).message.startsWith('loadModel:') ? e : corrupt(file, `metadata.${(e as Error).message}`);
    }
    if (normalizer.features !== arch.inputSize) {
      throw corrupt(file, `metadata.normalizer has ${normalizer.features} features, but the architecture's input has ${arch.inputSize}`);
    }
  }

  // Every tensor: known name, F32, the architecture's shape, in bounds, no overlaps.
  const expected = expectedTensors(arch);
  const dataLength = bytes.length - dataStart;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const ranges: [number, number][] = [];
  for (const name of names) {
    const t = header[name] as TensorEntry;
    const shape = expected.get(name);
    if (!shape) throw corrupt(file, `unexpected tensor '${name}' for this architecture`);
    if (t.dtype !== 'F32') throw corrupt(file, `tensor '${name}' has dtype ${t.dtype}, expected F32`);
    if (!Array.isArray(t.shape) || t.shape.join(',') !== shape.join(',')) {
      throw corrupt(file, `tensor '${name}' has shape [${t.shape}], expected [${shape}]`);
    }
    const [start, end] = t.data_offsets ?? [];
    const size = shape.reduce((p, d) => p * d, 1) * 4;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > dataLength || end - start !== size) {
      throw corrupt(file, `tensor '${name}' has data offsets [${start}, ${end}] outside the ${dataLength} data bytes or of the wrong size (truncated?)`);
    }
    ranges.push([start, end]);
  }
  for (const name of expected.keys()) {
    if (!(name in header)) throw corrupt(file, `tensor '${name}' is missing`);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) throw corrupt(file, 'two tensors overlap');
  }

  const modelOptions: ModelOptions = { ...arch, optimizer, backend: options.backend, threads: options.threads };
  let model: Sequential;
  try {
    model = new Sequential(modelOptions);
  } catch (e) {
    throw corrupt(file, `its architecture is invalid: ${(e as Error).message}`);
  }
  for (const name of names) {
    const t = header[name] as TensorEntry;
    const [, layer, ...rest] = name.split('.');
    const start = dataStart + t.data_offsets[0];
    // Copy into an aligned buffer: the file's data section need not be 4-byte aligned in memory.
    const values = new Float32Array(new Uint8Array(bytes.subarray(start, dataStart + t.data_offsets[1])).buffer);
    try {
      model.handle.setTensor(Number(layer), rest.join('.'), values);
    } catch (e) {
      throw corrupt(file, `tensor '${name}': ${(e as Error).message}`);
    }
  }
  model.handle.setStep(step);
  try {
    model.handle.setRngState('dropout', rng.dropout);
    model.handle.setRngState('shuffle', rng.shuffle);
    if (rng.augment !== undefined) model.handle.setRngState('augment', rng.augment);
  } catch (e) {
    throw corrupt(file, `metadata.rng: ${(e as Error).message}`);
  }
  if (normalizer) model.normalizer = normalizer;
  return model;
}
