// The safetensors container, independent of what tunenet stores in it: an 8-byte little-endian
// header length N, N bytes of UTF-8 JSON (an object: tensor name → { dtype, shape, data_offsets },
// plus an optional `__metadata__` object of strings), then the data section of raw
// little-endian tensor bytes. Offsets are relative to the data section.
//
// Reading is strict, as the format requires (and as huggingface/safetensors' own loader is):
// the header is read first and checked against the file size before any tensor byte is read;
// every entry has exactly dtype, shape and data_offsets; the tensors cover the data section
// exactly (no gaps, no overlaps, nothing after the last one); duplicate JSON keys are refused
// (JSON.parse would silently keep the last). Tensor bytes are then read one tensor at a time
// into their own arrays, in chunks, so neither the file nor a tensor is limited to one Buffer.
import os from 'node:os';
import type { FileHandle } from 'node:fs/promises';

/** A violation of the container format; the caller adds which file and which function. */
export class FormatError extends Error {}

/** safetensors caps its header at 100 MB; anything larger is not a model header. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Bytes per element of every safetensors dtype. */
const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
};

/** One read or write call moves at most this much (Node refuses single I/O calls over 2 GiB). */
export const IO_CHUNK_BYTES = 1 << 30;

const LITTLE_ENDIAN = os.endianness() === 'LE';

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** [begin, end) in the data section. */
  offsets: [number, number];
}

export interface Header {
  tensors: TensorEntry[];
  metadata?: Record<string, string>;
  /** File offset of the data section (8 + header length). */
  dataStart: number;
}

export interface F32Tensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A tensor to write: F32 (every model tensor) or I64 (PyTorch's integer buffers, e.g. num_batches_tracked). */
export interface WritableTensor {
  name: string;
  shape: number[];
  values: Float32Array | BigInt64Array;
}

const dtypeOf = (values: Float32Array | BigInt64Array): 'F32' | 'I64' => (values instanceof BigInt64Array ? 'I64' : 'F32');

// ─── writing ────────────────────────────────────────────────────────────────────────────────

/**
 * The length prefix and header of a file holding `tensors` (F32 or I64, in order, back to back) and
 * `metadata`. The header is padded with spaces so the data section starts 8-byte aligned, as
 * the reference writer does.
 */
export function encodeHeader(tensors: readonly WritableTensor[], metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) throw new FormatError(`tensor name '${t.name}' is reserved or repeated`);
    const bytes = t.values.byteLength;
    header[t.name] = { dtype: dtypeOf(t.values), shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  header.__metadata__ = metadata;
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Buffer.alloc(json.length + ((8 - ((8 + json.length) % 8)) % 8), 0x20);
  json.copy(padded);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([prefix, padded]);
}

/** Writes the header, then every tensor's bytes, at the handle's start. */
export async function writeSafetensors(handle: FileHandle, tensors: readonly WritableTensor[], metadata: Record<string, string>): Promise<void> {
  const header = encodeHeader(tensors, metadata);
  let position = 0;
  position += await writeAll(handle, header, position);
  for (const t of tensors) {
    const values = LITTLE_ENDIAN ? t.values : swapped(t.values);
    position += await writeAll(handle, new Uint8Array(values.buffer, values.byteOffset, values.byteLength), position);
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(IO_CHUNK_BYTES, bytes.length - done);
    const { bytesWritten } = await handle.write(bytes, done, length, position + done);
    done += bytesWritten;
  }
  return done;
}

// ─── reading ────────────────────────────────────────────────────────────────────────────────

/**
 * Reads and checks the length prefix and the header of a file of `fileSize` bytes (two small
 * reads; nothing of the data section). Throws FormatError for any violation.
 */
export async function readHeader(handle: FileHandle, fileSize: number): Promise<Header> {
  if (fileSize < 8) throw new FormatError(`it is ${fileSize} bytes long, shorter than the 8-byte header length`);
  const prefix = Buffer.alloc(8);
  await readExactly(handle, prefix, 0);
  const claimed = prefix.readBigUInt64LE(0);
  if (claimed > BigInt(fileSize - 8)) {
    throw new FormatError(`the header claims ${claimed} bytes but the file has ${fileSize - 8} after the length (truncated?)`);
  }
  if (claimed > BigInt(MAX_HEADER_BYTES)) throw new FormatError(`the header claims ${claimed} bytes, over the format's limit of ${MAX_HEADER_BYTES}`);
  if (claimed < 2n) throw new FormatError(`the header claims ${claimed} bytes, too short for a JSON object`);
  const headerLength = Number(claimed);
  const raw = Buffer.alloc(headerLength);
  await readExactly(handle, raw, 8);
  if (raw[0] !== 0x7b /* { */) throw new FormatError('the header does not start with "{"');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new FormatError('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = parseJsonStrict(text);
  } catch (e) {
    throw new FormatError(`the header is not valid JSON (${(e as Error).message})`);
  }
  return checkHeader(json, fileSize - 8 - headerLength, 8 + headerLength);
}

function checkHeader(json: unknown, dataLength: number, dataStart: number): Header {
  if (!isObject(json)) throw new FormatError('the header is not a JSON object');
  let metadata: Record<string, string> | undefined;
  const tensors: TensorEntry[] = [];
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(entry)) throw new FormatError('__metadata__ is not an object');
      for (const [key, value] of Object.entries(entry)) {
        if (typeof value !== 'string') throw new FormatError(`metadata '${key}' is not a string (the format allows only strings)`);
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    tensors.push(checkEntry(name, entry));
  }
  // The tensors tile the data section: sorted by offset, each starts where the previous ended.
  const sorted = [...tensors].sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1]);
  let covered = 0;
  for (const t of sorted) {
    const [begin, end] = t.offsets;
    if (begin < covered) throw new FormatError(`tensor '${t.name}' at [${begin}, ${end}] overlaps the tensor before it (which ends at ${covered})`);
    if (begin > covered) throw new FormatError(`the data bytes [${covered}, ${begin}) belong to no tensor (a gap before '${t.name}')`);
    if (end > dataLength) throw new FormatError(`tensor '${t.name}' ends at ${end}, past the ${dataLength} data bytes (truncated?)`);
    covered = end;
  }
  if (covered !== dataLength) throw new FormatError(`${dataLength - covered} bytes after the last tensor belong to no tensor (trailing data)`);
  return { tensors, ...(metadata ? { metadata } : {}), dataStart };
}

function checkEntry(name: string, entry: unknown): TensorEntry {
  const where = `tensor '${name}'`;
  if (!isObject(entry)) throw new FormatError(`${where} is not an object`);
  const keys = Object.keys(entry).sort().join(',');
  if (keys !== 'data_offsets,dtype,shape') throw new FormatError(`${where} has fields {${Object.keys(entry).join(', ')}}, expected exactly dtype, shape, data_offsets`);
  const { dtype, shape, data_offsets: offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new FormatError(`${where} has unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new FormatError(`${where} has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw new FormatError(`${where} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 ≤ begin ≤ end`);
  }
  const bytes = shape.reduce((p: number, d: number) => p * d, DTYPE_BYTES[dtype]);
  if (!Number.isSafeInteger(bytes) || bytes !== offsets[1] - offsets[0]) {
    throw new FormatError(`${where}: shape [${shape}] of ${dtype} takes ${bytes} bytes but data_offsets [${offsets}] hold ${offsets[1] - offsets[0]}`);
  }
  return { name, dtype, shape: [...shape], offsets: [offsets[0], offsets[1]] };
}

/** Reads one F32 tensor into its own (aligned) Float32Array, in chunks of at most `chunkBytes`. */
export async function readF32(handle: FileHandle, header: Header, entry: TensorEntry, chunkBytes = IO_CHUNK_BYTES): Promise<Float32Array> {
  if (entry.dtype !== 'F32') throw new FormatError(`tensor '${entry.name}' has dtype ${entry.dtype}, expected F32`);
  const [begin, end] = entry.offsets;
  const values = new Float32Array((end - begin) / 4);
  const bytes = new Uint8Array(values.buffer);
  for (let done = 0; done < bytes.length; done += chunkBytes) {
    await readExactly(handle, bytes.subarray(done, Math.min(bytes.length, done + chunkBytes)), header.dataStart + begin + done);
  }
  return LITTLE_ENDIAN ? values : (swapped(values) as Float32Array);
}

/** Fills `into` from `position`; a short read means the file shrank under us. */
async function readExactly(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, Math.min(IO_CHUNK_BYTES, into.length - done), position + done);
    if (bytesRead === 0) throw new FormatError(`the file ended at byte ${position + done} while reading (it was truncated while being read?)`);
    done += bytesRead;
  }
}

/** A byte-swapped copy (only on big-endian hosts: the format is little-endian). */
function swapped(values: Float32Array | BigInt64Array): Float32Array | BigInt64Array {
  if (values instanceof BigInt64Array) {
    const out = new BigInt64Array(values.length);
    const view = new DataView(out.buffer);
    for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, values[i], true);
    return out;
  }
  const out = new Float32Array(values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

// ─── JSON ───────────────────────────────────────────────────────────────────────────────────

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * JSON.parse that refuses duplicate keys in any object (JSON.parse keeps the last one, so
 * `{"step":"1","step":"9"}` would be read differently by different readers).
 */
export function parseJsonStrict(text: string): unknown {
  const value = JSON.parse(text);
  // The text is valid JSON here, so a flat scan suffices: track each open object's keys; a
  // string is a key when it follows `{` or `,` inside an object.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1] as Set<string>;
        if (keys.has(key)) throw new SyntaxError(`duplicate key ${JSON.stringify(key)}`);
        keys.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  return value;
}
