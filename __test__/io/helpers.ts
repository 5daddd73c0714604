// Shared helpers for the model-file tests (not a test file itself): small models in every state a
// file can hold, a safetensors unpacker/packer for building edited files, and a bundle of src/
// for child processes.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { adam, batchNorm, dense, dropout, Normalizer, relu, sequential, type Sequential } from '../../src';
import { blobs } from '../model/helpers';

export const data = blobs(7, 40, 3, 4); // 120 examples, 4 features, 3 classes
export const dev = blobs(8, 20, 3, 4);

export function makeModel(seed = 5): Sequential {
  return sequential({
    inputSize: 4,
    seed,
    threads: 1,
    optimizer: adam({ learningRate: 0.01 }),
    layers: [dense(16, { l2: 0.01 }), batchNorm({ momentum: 0.9 }), relu(), dropout({ keepProb: 0.8 }), dense(8), relu(), dense(3)],
  });
}

/**
 * A model with everything a file can carry: trained tensors, a normalizer, and an unfinished
 * run with early stopping (training state and `best.*` weights).
 */
export async function fullModel(seed = 5): Promise<Sequential> {
  const model = makeModel(seed);
  model.normalizer = Normalizer.fit(data.x, 4);
  await model.fit(data.x, data.y, {
    epochs: 6,
    batchSize: 16,
    validation: dev,
    earlyStopping: { monitor: 'devLoss', patience: 100 },
    onEpochEnd: (log, control) => {
      if (log.epoch === 2) control.stop(); // stopped from outside: the run is unfinished, best weights kept
    },
  });
  return model;
}

export interface RawTensor {
  name: string;
  /** The entry as written (dtype, shape, data_offsets), editable. */
  entry: Record<string, unknown>;
  bytes: Buffer;
}

export interface Unpacked {
  metadata: Record<string, unknown> | undefined;
  tensors: RawTensor[];
}

/** Splits a valid file into its metadata and tensors (in data order). */
export function unpack(file: Buffer): Unpacked {
  const n = Number(file.readBigUInt64LE(0));
  const header = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Record<string, Record<string, unknown>>;
  const data = file.subarray(8 + n);
  const tensors: RawTensor[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = entry.data_offsets as [number, number];
    tensors.push({ name, entry: { ...entry }, bytes: Buffer.from(data.subarray(b, e)) });
  }
  tensors.sort((a, b) => (a.entry.data_offsets as number[])[0] - (b.entry.data_offsets as number[])[0]);
  return { metadata: header.__metadata__ ? { ...header.__metadata__ } : undefined, tensors };
}

/**
 * A file from tensors and metadata. Offsets are recomputed to tile the data section unless
 * `keepOffsets` (then each entry's data_offsets is written as it stands).
 */
export function pack(u: Unpacked, options: { keepOffsets?: boolean; headerText?: (json: string) => string } = {}): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of u.tensors) {
    header[t.name] = options.keepOffsets ? t.entry : { ...t.entry, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  if (u.metadata !== undefined) header.__metadata__ = u.metadata;
  let json = JSON.stringify(header);
  if (options.headerText) json = options.headerText(json);
  return withHeaderText(json, Buffer.concat(u.tensors.map((t) => t.bytes)));
}

/** 8-byte length + `json` (padded to 8) + data. */
export function withHeaderText(json: string, data: Buffer): Buffer {
  const text = Buffer.from(json, 'utf8');
  const padded = Buffer.alloc(text.length + ((8 - ((8 + text.length) % 8)) % 8), 0x20);
  text.copy(padded);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([prefix, padded, data]);
}

/** Edits one JSON-valued metadata entry. */
export function editJsonMeta(u: Unpacked, key: string, edit: (value: any) => unknown): Unpacked {
  const metadata = { ...u.metadata };
  const value = JSON.parse(metadata[key] as string);
  const result = edit(value);
  metadata[key] = JSON.stringify(result === undefined ? value : result);
  return { ...u, metadata };
}

/**
 * The built library (dist/, which `npm test` builds before the tests, as the worker-thread
 * tuning tests need too), for a plain `node` child process.
 */
export async function bundleTunenet(_dir: string): Promise<string> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const file = path.join(root, 'dist/index.js');
  await fs.access(file);
  return file;
}
