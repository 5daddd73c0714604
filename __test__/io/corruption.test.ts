// Corrupted model files: hundreds of variants of one valid file (truncations at every
// interesting offset, bad length prefixes, trailing bytes, every header field broken, duplicate
// keys, out-of-range metadata, missing/extra/non-finite tensors) must each be rejected with an
// Error whose message starts with `loadModel: {file} `. Controls (the file itself, benign
// rewrites, older files without the optional parts) must load, so the rejections mean something.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from '../../src';
import { bytesOf } from '../model/helpers';
import { editJsonMeta, fullModel, pack, unpack, withHeaderText, type RawTensor, type Unpacked } from './helpers';

let dir: string;
let good: Buffer;
let u: Unpacked;
let dataStart: number;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-corrupt-'));
  const file = path.join(dir, 'good.safetensors');
  await saveModel(await fullModel(), file);
  good = await fs.readFile(file);
  u = unpack(good);
  dataStart = 8 + Number(good.readBigUInt64LE(0));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

type Variant = [name: string, bytes: Buffer];

const withTensors = (tensors: RawTensor[]): Unpacked => ({ ...u, tensors });
/** Edits one tensor's header entry in place (`edit` mutates it, or returns a replacement). */
const editEntry = (name: string, edit: (e: Record<string, unknown>) => unknown): Buffer =>
  pack(
    withTensors(
      u.tensors.map((t) => {
        if (t.name !== name) return t;
        const entry = { ...t.entry };
        const replaced = edit(entry);
        return { ...t, entry: (replaced === undefined ? entry : replaced) as Record<string, unknown> };
      }),
    ),
    { keepOffsets: true },
  );
const withMeta = (edit: (m: Record<string, unknown>) => void): Buffer => {
  const metadata = { ...u.metadata };
  edit(metadata);
  return pack({ ...u, metadata });
};
const jsonMeta = (key: string, edit: (v: any) => unknown): Buffer => pack(editJsonMeta(u, key, edit));
const rawMeta = (key: string, text: string): Buffer => withMeta((m) => (m[key] = text));
const setFloat = (tensor: string, index: number, value: number): Buffer => {
  const t = u.tensors.find((x) => x.name === tensor)!;
  const bytes = Buffer.from(good);
  bytes.writeFloatLE(value, dataStart + (t.entry.data_offsets as number[])[0] + 4 * index);
  return bytes;
};
const withPrefix = (length: bigint): Buffer => {
  const bytes = Buffer.from(good);
  bytes.writeBigUInt64LE(length);
  return bytes;
};

function variants(): Variant[] {
  const out: Variant[] = [];
  const add = (name: string, bytes: Buffer) => out.push([name, bytes]);
  const n = dataStart - 8;

  // ── truncation at every interesting offset ──
  const cuts = new Set<number>([0, 1, 4, 7, 8, 9, 15, 16, dataStart - 1, dataStart, dataStart + 1, good.length - 4, good.length - 1]);
  for (let i = 8; i < dataStart; i += 61) cuts.add(i);
  for (const t of u.tensors) {
    const [b, e] = t.entry.data_offsets as number[];
    for (const at of [b, b + 1, e - 1]) cuts.add(dataStart + at);
  }
  for (const at of [...cuts].filter((c) => c < good.length)) add(`truncated-at-${at}`, good.subarray(0, at));

  // ── the length prefix ──
  for (const length of [0n, 1n, 2n, BigInt(n - 8), BigInt(n - 1), BigInt(n + 1), BigInt(n + 8), BigInt(good.length - 8), BigInt(good.length - 7), 2n ** 32n + BigInt(n), 2n ** 63n, 2n ** 64n - 1n]) {
    add(`length-${length}`, withPrefix(length));
  }

  // ── bytes after the last tensor ──
  for (const extra of [Buffer.alloc(1), Buffer.from([1, 2, 3, 4]), Buffer.alloc(8), Buffer.alloc(1 << 20), good]) {
    add(`trailing-${extra.length}`, Buffer.concat([good, extra]));
  }
  // Bytes between the header and the data (the header length no longer matches).
  add('gap-after-header', Buffer.concat([good.subarray(0, dataStart), Buffer.alloc(8), good.subarray(dataStart)]));

  // ── the header as a whole ──
  const data = good.subarray(dataStart);
  for (const text of ['[]', '"x"', 'null', '123', 'true', '{}', '{"__metadata__":{}}', ' {}', '\ufeff{}', '{"a":}', '{', '']) {
    add(`header-${JSON.stringify(text)}`, withHeaderText(text, data));
  }
  const headerText = good.subarray(8, dataStart).toString('utf8');
  add('header-leading-space', withHeaderText(` ${headerText.trimEnd()}`, data));
  const badUtf8 = Buffer.from(good);
  badUtf8[8 + headerText.indexOf('tunenet')] = 0xff;
  add('header-invalid-utf8', badUtf8);
  const nul = Buffer.from(good);
  nul[8 + headerText.indexOf('tunenet')] = 0;
  add('header-nul-in-string', nul);

  // ── every field of tensor entries ──
  for (const name of ['layers.0.W', 'layers.1.runningVar', 'layers.6.b.s', 'best.layers.4.W']) {
    const t = u.tensors.find((x) => x.name === name)!;
    const [b, e] = t.entry.data_offsets as number[];
    const shape = t.entry.shape as number[];
    for (const dtype of ['F16', 'F64', 'BF16', 'I32', 'U32', 'f32', 'F32 ', 'FLOAT', null, 4, ['F32']]) add(`${name}-dtype-${JSON.stringify(dtype)}`, editEntry(name, (x) => void (x.dtype = dtype)));
    const shapes: unknown[] = [[...shape].reverse(), [shape[0] + 1, ...shape.slice(1)], [], [shape.reduce((p, d) => p * d, 1) * 2], [...shape, 1], shape.map((d) => -d), [shape[0] + 0.5], [String(shape[0])], null, 'F32', {}];
    for (const s of shapes) {
      if (JSON.stringify(s) === JSON.stringify(shape)) continue;
      add(`${name}-shape-${JSON.stringify(s)}`, editEntry(name, (x) => void (x.shape = s)));
    }
    for (const offsets of [[b + 4, e + 4], [b, e + 4], [b - 4, e], [b + 4, e], [e, b], [b], [b, e, e], null, [String(b), String(e)], [-1, e - b - 1], [b + 0.5, e + 0.5], [b, 2 ** 53], {}]) {
      if (JSON.stringify(offsets) === JSON.stringify([b, e])) continue;
      add(`${name}-offsets-${JSON.stringify(offsets)}`, editEntry(name, (x) => void (x.data_offsets = offsets)));
    }
    add(`${name}-extra-field`, editEntry(name, (x) => void (x.extra = 1)));
    for (const field of ['dtype', 'shape', 'data_offsets']) add(`${name}-no-${field}`, editEntry(name, (x) => void delete x[field]));
    for (const entry of [null, [], 'F32', 5, true]) add(`${name}-entry-${JSON.stringify(entry)}`, editEntry(name, () => entry));
  }

  // ── which tensors there are (container valid, the model's catalog not) ──
  for (const t of u.tensors) if (!t.name.startsWith('best.')) add(`missing-${t.name}`, pack(withTensors(u.tensors.filter((x) => x !== t))));
  const w = u.tensors.find((x) => x.name === 'layers.0.W')!;
  for (const name of ['layers.9.W', 'layers.0.X', 'layers.2.W', 'layers.0.W.m', 'layers.0', 'layers.-1.W', 'layers.00.W', 'best.layers.9.W', 'best.best.layers.0.W', 'BEST.layers.0.W', 'layers.0.W ', 'x']) {
    add(`extra-tensor-${name}`, pack(withTensors([...u.tensors, { ...w, name }])));
  }
  add('best-wrong-shape', pack(withTensors(u.tensors.map((x) => (x.name === 'best.layers.6.b' ? { ...x, entry: { ...x.entry, shape: [1, 3] } } : x)))));
  // Both halves of a duplicate tensor name point at bytes: JSON.parse would keep the last.
  add('duplicate-tensor-name', pack(u, { headerText: (json) => json.replace('"layers.0.W.v":', '"layers.0.W":') }));
  add('duplicate-entry-field', pack(u, { headerText: (json) => json.replace('"dtype":"F32",', '"dtype":"F16","dtype":"F32",') }));
  add('duplicate-metadata-key', pack(u, { headerText: (json) => json.replace('"step":', '"step":"0","step":') }));
  add('duplicate-metadata-object', pack(u, { headerText: (json) => json.replace('"__metadata__":', '"__metadata__":{"format":"tunenet"},"__metadata__":') }));
  add('duplicate-in-architecture', jsonMetaText('architecture', (text) => text.replace('"inputSize":4', '"inputSize":5,"inputSize":4')));
  add('duplicate-in-optimizer', jsonMetaText('optimizer', (text) => text.replace('"learningRate":', '"learningRate":-1,"learningRate":')));
  add('duplicate-in-rng', jsonMetaText('rng', (text) => text.replace('"dropout":', '"dropout":[0,0,0,0],"dropout":')));

  // ── tensor values ──
  for (const [name, value] of [['layers.0.W', NaN], ['layers.0.W', Infinity], ['layers.1.runningVar', -Infinity], ['layers.0.W.v', NaN], ['layers.6.b.s', Infinity], ['best.layers.0.W', NaN], ['best.layers.6.b', -Infinity]] as const) {
    add(`value-${name}-${value}`, setFloat(name, 1, value));
  }

  // ── the metadata object ──
  for (const meta of [null, [], 'tunenet', 5]) add(`metadata-${JSON.stringify(meta)}`, pack({ ...u, metadata: meta as unknown as Record<string, unknown> }));
  add('metadata-absent', pack({ ...u, metadata: undefined }));
  for (const key of ['format', 'version', 'architecture', 'optimizer', 'step', 'rng']) add(`metadata-no-${key}`, withMeta((m) => void delete m[key]));
  for (const key of ['extra', 'Step', 'normaliser', '']) add(`metadata-unknown-${key}`, withMeta((m) => void (m[key] = '1')));
  for (const [key, value] of [['step', 24], ['architecture', {}], ['optimizer', null], ['normalizer', []], ['training', true], ['format', 1]] as const) {
    add(`metadata-${key}-not-string`, withMeta((m) => void (m[key] = value)));
  }
  for (const format of ['Tunenet', 'pytorch', '', ' tunenet']) add(`format-${format}`, rawMeta('format', format));
  for (const version of ['3', '1.0', '', '0', ' 1', '2 ']) add(`version-${version}`, rawMeta('version', version));
  for (const step of ['-1', '1.5', '1e3', '', ' 24', '24 ', '024', '0x18', '9007199254740993', 'NaN', 'Infinity', '+24', '2.4e1']) add(`step-${step}`, rawMeta('step', step));

  // architecture
  for (const text of ['{nope', '[]', 'null', '"x"', '4', '']) add(`architecture-${text}`, rawMeta('architecture', text));
  const archEdits: [string, (a: any) => unknown][] = [
    ['extra-field', (a) => void (a.extra = 1)],
    ['backend', (a) => void (a.backend = 'reference')],
    ['threads', (a) => void (a.threads = 4)],
    ['no-inputSize', (a) => void delete a.inputSize],
    ['no-layers', (a) => void delete a.layers],
    ...[0, -1, 1.5, '4', 2 ** 40, 5, null].map((v): [string, (a: any) => unknown] => [`inputSize-${JSON.stringify(v)}`, (a) => void (a.inputSize = v)]),
    ['layers-empty', (a) => void (a.layers = [])],
    ['layers-null', (a) => void (a.layers = null)],
    ['layer-null', (a) => void (a.layers[2] = null)],
    ['layer-kind', (a) => void (a.layers[0].kind = 'conv')],
    ['layer-extra-key', (a) => void (a.layers[0].extra = 1)],
    ...[0, -3, 1.5, 17, '16', 1e12].map((v): [string, (a: any) => unknown] => [`units-${JSON.stringify(v)}`, (a) => void (a.layers[0].units = v)]),
    ...[0, 2, -0.5, '0.8'].map((v): [string, (a: any) => unknown] => [`keepProb-${JSON.stringify(v)}`, (a) => void (a.layers[3].keepProb = v)]),
    ...[2, -1].map((v): [string, (a: any) => unknown] => [`momentum-${v}`, (a) => void (a.layers[1].momentum = v)]),
    ['l2-negative', (a) => void (a.layers[0].l2 = -1)],
    ['activation', (a) => void (a.layers[2].activation = 'gelux')],
    ['output', (a) => void (a.output = 'relu')],
    ...[-1, 1.5, 'x', 2 ** 60].map((v): [string, (a: any) => unknown] => [`seed-${JSON.stringify(v)}`, (a) => void (a.seed = v)]),
  ];
  for (const [name, edit] of archEdits) add(`architecture-${name}`, jsonMeta('architecture', edit));

  // optimizer
  for (const text of ['{nope', '[]', 'null', '"adam"', '']) add(`optimizer-${text}`, rawMeta('optimizer', text));
  const optEdits: [string, (o: any) => unknown][] = [
    ...[-1, null, 'x', 0.01 * 1e400 /* Infinity → null */].map((v): [string, (o: any) => unknown] => [`learningRate-${JSON.stringify(v)}`, (o) => void (o.learningRate = v)]),
    ['no-learningRate', (o) => void delete o.learningRate],
    ['kind-unknown', (o) => void (o.kind = 'sgdx')],
    ['no-kind', (o) => void delete o.kind],
    ['unknown-key', (o) => void (o.foo = 1)],
    ['weightDecay-on-adam', (o) => void (o.weightDecay = 0.1)],
    ...[1, -0.1, 2].map((v): [string, (o: any) => unknown] => [`beta1-${v}`, (o) => void (o.beta1 = v)]),
    ...[0, -1].map((v): [string, (o: any) => unknown] => [`epsilon-${v}`, (o) => void (o.epsilon = v)]),
  ];
  for (const [name, edit] of optEdits) add(`optimizer-${name}`, jsonMeta('optimizer', edit));

  // rng
  for (const text of ['{nope', '[]', 'null', '']) add(`rng-${text}`, rawMeta('rng', text));
  const rngEdits: [string, (r: any) => unknown][] = [
    ['no-dropout', (r) => void delete r.dropout],
    ['no-shuffle', (r) => void delete r.shuffle],
    ['unknown-key', (r) => void (r.extra = [1, 2, 3, 4])],
    ['length-3', (r) => void r.dropout.pop()],
    ['length-5', (r) => void r.shuffle.push(1)],
    ['negative', (r) => void (r.dropout[0] = -1)],
    ['over-u32', (r) => void (r.dropout[0] = 2 ** 32)],
    ['fraction', (r) => void (r.augment[1] = 1.5)],
    ['string', (r) => void (r.shuffle[2] = '7')],
    ['not-array', (r) => void (r.dropout = 5)],
  ];
  for (const [name, edit] of rngEdits) add(`rng-${name}`, jsonMeta('rng', edit));

  // normalizer
  const normEdits: [string, (v: any) => unknown][] = [
    ['features', (v) => void (v.features = 5)],
    ['mean-length', (v) => void v.mean.pop()],
    ['std-negative', (v) => void (v.std[0] = -1)],
    ['mean-null', (v) => void (v.mean[1] = null)],
    ['unknown-key', (v) => void (v.extra = 1)],
    ['not-object', () => [1, 2]],
    ['std-string', (v) => void (v.std = 'x')],
  ];
  for (const [name, edit] of normEdits) add(`normalizer-${name}`, jsonMeta('normalizer', edit));
  add('normalizer-not-json', rawMeta('normalizer', '{'));

  // training
  const trainEdits: [string, (v: any) => unknown][] = [
    ['unknown-key', (v) => void (v.extra = 1)],
    ['epoch-negative', (v) => void (v.epoch = -1)],
    ['epoch-fraction', (v) => void (v.epoch = 1.5)],
    ['monitored-length', (v) => void v.monitored.pop()],
    ['learningRate-negative', (v) => void (v.learningRate = -1)],
    ['earlyStopping-unknown-key', (v) => void (v.earlyStopping.extra = 1)],
    ['earlyStopping-wait-negative', (v) => void (v.earlyStopping.wait = -1)],
    ['callbacks-array', (v) => void (v.callbacks = [])],
    ['not-object', () => null],
  ];
  for (const [name, edit] of trainEdits) add(`training-${name}`, jsonMeta('training', edit));
  add('training-not-json', rawMeta('training', 'nope'));

  return out;
}

/** Early stopping's best weights that are not a complete copy of the model's weights. */
function bestVariants(): Variant[] {
  const w = u.tensors.find((x) => x.name === 'layers.0.W')!;
  const out: Variant[] = [];
  for (const t of u.tensors) if (t.name.startsWith('best.')) out.push([`missing-${t.name}`, pack(withTensors(u.tensors.filter((x) => x !== t)))]);
  out.push(['best-of-optimizer-slot', pack(withTensors([...u.tensors, { ...w, name: 'best.layers.0.W.v' }]))]);
  out.push(['best-without-training-state', withMeta((m) => void delete m.training)]);
  return out;
}

function jsonMetaText(key: string, edit: (text: string) => string): Buffer {
  return rawMeta(key, edit(u.metadata![key] as string));
}

/** Writes the bytes and loads them: the error, or undefined when the file loaded. */
async function tryLoad(name: string, bytes: Buffer): Promise<{ file: string; error?: unknown }> {
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9.+-]+/g, '_')}.safetensors`);
  await fs.writeFile(file, bytes);
  try {
    await loadModel(file);
    return { file };
  } catch (error) {
    return { file, error };
  }
}

describe('corrupted model files', () => {
  it('controls load: the file, benign rewrites, and files without the optional parts', async () => {
    const controls: Variant[] = [
      ['control-as-written', good],
      ['control-repacked', pack(u)],
      ['control-reordered-data', pack(withTensors([...u.tensors].reverse()))],
      ['control-unpadded-header', pack(u, { headerText: (json) => json })],
      ['control-no-normalizer', withMeta((m) => void delete m.normalizer)],
      ['control-no-training-no-best', pack({ ...withTensors(u.tensors.filter((t) => !t.name.startsWith('best.'))), metadata: Object.fromEntries(Object.entries(u.metadata!).filter(([k]) => k !== 'training')) })],
      ['control-no-augment-stream', jsonMeta('rng', (r) => void delete r.augment)],
    ];
    for (const [name, bytes] of controls) {
      const r = await tryLoad(name, bytes);
      expect(r.error, `${name}: ${(r.error as Error)?.message}`).toBeUndefined();
    }
    // The reordered file carries the same tensors.
    const a = await loadModel((await tryLoad('control-as-written', good)).file);
    const b = await loadModel((await tryLoad('control-reordered-data', pack(withTensors([...u.tensors].reverse())))).file);
    for (const t of a.tensors()) expect(bytesOf(b.getTensor(t.layer, t.name)).equals(bytesOf(a.getTensor(t.layer, t.name)))).toBe(true);
  });

  async function expectAllRejected(all: Variant[]): Promise<void> {
    const accepted: string[] = [];
    const unclear: string[] = [];
    for (const [name, bytes] of all) {
      const r = await tryLoad(name, bytes);
      if (r.error === undefined) accepted.push(name);
      else if (!(r.error instanceof Error) || !r.error.message.startsWith(`loadModel: ${r.file} `)) {
        unclear.push(`${name}: ${r.error instanceof Error ? r.error.message : String(r.error)}`);
      }
    }
    expect(accepted, `accepted ${accepted.length} of ${all.length} corrupted files`).toEqual([]);
    expect(unclear, 'rejections without `loadModel: {file} `').toEqual([]);
  }

  it('every variant is rejected with an Error naming loadModel and the file', { timeout: 120_000 }, async () => {
    const all = variants();
    expect(all.length).toBeGreaterThan(350);
    await expectAllRejected(all);
  });

  it('best.* weights are all of the weights or none, parameters only, with a training state (checked by Sequential.fromState)', async () => {
    await expectAllRejected(bestVariants());
  });
});
