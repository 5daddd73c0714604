// Fuzz runner (issue 8, "Nothing lost"): one child process of __test__/fuzz/fuzz.test.ts.
//
// It runs the cases start, start + stride, … (< end) of a seeded case list against the built
// library (dist/), every call with valid structure and hostile values (NaN/∞ inside arrays, wrong
// lengths, out-of-range numbers, wrong types, unknown option keys, SharedArrayBuffer-backed and
// detached buffers, corrupted model files, concurrent calls on one model). For each call it
// writes one JSON line before (`start`) and one after (`done`), with fs.writeSync so a native
// abort cannot swallow them; the parent counts a call whose `done` never came as a crash.
//
// A `done` line says: resolved or rejected; whether the rejection is clear (an Error whose
// message starts with the function and the argument: `fit: epochs: …`, `fit options: unknown
// option …`, `loadModel: <file> is not a valid …`, and none of the messages of a conversion that
// slipped through); whether the model's saved state changed (a rejected call must leave it
// byte-identical; a read-only call must never change it); and a short description to reproduce.
//
//   node __test__/fuzz/child.mjs --seed 1 --start 17 --stride 1000000 --end 18 --verbose
// runs case 17 alone and prints every call.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const T = require(process.env.TUNENET_DIST ?? path.resolve(here, '../../dist/index.js'));

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const SEED = Number(arg('seed', '1'));
const START = Number(arg('start', '0'));
const STRIDE = Number(arg('stride', '1'));
const END = Number(arg('end', '1'));
export const CALLS_PER_CASE = 10;
const VERBOSE = argv.includes('--verbose');
const TMP = arg('tmp', undefined) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tunenet-fuzz-'));
// Hostile file names such as 'abc' are relative paths: keep them in the temp directory.
process.chdir(TMP);

function emit(record) {
  fs.writeSync(1, `@@fuzz ${JSON.stringify(record)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness: a case's generator depends on (seed, case) only, not on which child runs it.

function makeRng(seed) {
  // splitmix32 → xorshift128
  let s = seed >>> 0;
  const next32 = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let [a, b, c, d] = [next32(), next32(), next32(), next32() | 1];
  const u32 = () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  const r = {
    u32,
    float: () => u32() / 2 ** 32,
    int: (lo, hi) => lo + (u32() % (hi - lo + 1)),
    chance: (p) => u32() / 2 ** 32 < p,
    pick: (list) => list[u32() % list.length],
    normal: () => {
      const u = (u32() + 1) / (2 ** 32 + 1);
      const v = u32() / 2 ** 32;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
  return r;
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

const BAD_NUMBERS = [-1, 0, -0, 0.5, 1.5, 2 ** 53, 1e308, -1e308, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 32 + 1, 2 ** 31, -(2 ** 31), 1e-320, Number.MIN_VALUE];
const badTypes = () => ['1', '', 'abc', 1n, -1n, null, undefined, {}, [], [1, 2], () => 1, true, false, Symbol('s'), new Date(0), new Map(), Object.create(null), new Float32Array(2), /x/];
const badType = (r) => r.pick(badTypes());
const badNumber = (r) => r.pick(BAD_NUMBERS);
const hostile = (r) => (r.chance(0.55) ? badNumber(r) : badType(r));

function show(v, depth = 0) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'fn';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}…` : v);
  if (ArrayBuffer.isView(v)) {
    try {
      v.slice(0, 0);
    } catch {
      return `${v.constructor.name}(detached)`;
    }
    const shared = v.buffer && Object.prototype.toString.call(v.buffer) === '[object SharedArrayBuffer]' ? ' shared' : '';
    const len = v instanceof DataView ? v.byteLength : v.length;
    const items = v instanceof DataView ? '' : `[${Array.from(v.slice(0, 6), (x) => show(x)).join(',')}${len > 6 ? ',…' : ''}]`;
    return `${v.constructor.name}(${len}${shared})${items}`;
  }
  if (depth > 2) return '…';
  if (Array.isArray(v)) return `[${v.slice(0, 6).map((x) => show(x, depth + 1)).join(',')}${v.length > 6 ? `,…(${v.length})` : ''}]`;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    const name = proto === Object.prototype ? '' : proto === null ? 'null-proto' : (proto.constructor?.name ?? '?');
    if (v instanceof T.Sequential) return 'model';
    const keys = Object.keys(v);
    return `${name}{${keys.slice(0, 8).map((k) => `${k}:${show(v[k], depth + 1)}`).join(',')}${keys.length > 8 ? ',…' : ''}}`;
  }
  return String(v);
}

function sharedCopy(typed) {
  const sab = new SharedArrayBuffer(typed.byteLength);
  const out = new typed.constructor(sab);
  out.set(typed);
  return out;
}

function detached(Type, n) {
  const a = new Type(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** A view into the middle of a larger buffer (valid values): byteOffset ≠ 0. */
function offsetView(typed) {
  const big = new typed.constructor(typed.length + 3);
  big.set(typed, 2);
  return big.subarray(2, 2 + typed.length);
}

// ---------------------------------------------------------------------------------------------
// Models and data.

function modelSpec(r) {
  const inputSize = r.int(1, 6);
  const output = r.chance(0.5) ? 'softmax' : 'sigmoid';
  const outUnits = output === 'softmax' ? r.int(2, 4) : r.int(1, 3);
  const nDense = r.int(1, 3);
  const layers = [];
  for (let d = 0; d < nDense; d++) {
    const last = d === nDense - 1;
    const opts = {};
    if (r.chance(0.3)) opts.init = r.pick(T.reference.INIT_KINDS);
    if (r.chance(0.2)) opts.l2 = r.pick([1e-4, 0.01, 0.1]);
    if (r.chance(0.1)) opts.l1 = r.pick([1e-4, 0.01]);
    layers.push(T.dense(last ? outUnits : r.int(1, 8), opts));
    if (last) break;
    if (r.chance(0.3)) layers.push(T.batchNorm(r.chance(0.5) ? {} : { momentum: r.pick([0.9, 0.5]), epsilon: r.pick([1e-3, 1e-5]) }));
    const act = r.pick(['relu', 'tanh', 'sigmoid', 'leakyRelu', 'relu', null]);
    if (act === 'leakyRelu') layers.push(T.leakyRelu(r.pick([0.01, 0.2])));
    else if (act) layers.push(T[act]());
    if (r.chance(0.3)) layers.push(T.dropout({ keepProb: r.pick([0.5, 0.8, 1]) }));
  }
  const lr = r.pick([1e-3, 1e-2, 0.05]);
  const optimizer = r.pick([
    () => T.adam({ learningRate: lr }),
    () => T.gd({ learningRate: lr }),
    () => T.momentum({ learningRate: lr, beta: 0.9 }),
    () => T.rmsprop({ learningRate: lr }),
    () => T.adamw({ learningRate: lr, weightDecay: 0.01 }),
    () => T.nesterov({ learningRate: lr }),
  ])();
  return { inputSize, output, outUnits, layers, optimizer, seed: r.int(0, 1_000_000), backend: r.chance(0.15) ? 'reference' : 'native', threads: 1 };
}

function buildModel(spec) {
  const { inputSize, output, layers, optimizer, seed, backend, threads } = spec;
  return T.sequential({ inputSize, output, layers, optimizer, seed, backend, threads });
}

/** Valid data for a model spec: x in one of the accepted layouts, y class indices or 0/1 labels. */
function makeData(r, spec, m = r.int(3, 12)) {
  const n = spec.inputSize;
  const flat = Float32Array.from({ length: m * n }, () => r.normal());
  const layout = r.pick(['f32', 'f32', 'f64', 'nested', 'flat']);
  const x =
    layout === 'f32'
      ? flat
      : layout === 'f64'
        ? Float64Array.from(flat)
        : layout === 'nested'
          ? Array.from({ length: m }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)))
          : Array.from(flat);
  let y;
  const k = spec.outUnits;
  if (spec.output === 'softmax') {
    const classes = Array.from({ length: m }, () => r.int(0, k - 1));
    const form = r.pick(['int32', 'array', 'uint8', 'onehot']);
    y =
      form === 'int32'
        ? Int32Array.from(classes)
        : form === 'array'
          ? classes
          : form === 'uint8'
            ? Uint8Array.from(classes)
            : Float32Array.from({ length: m * k }, (_, i) => (classes[Math.floor(i / k)] === i % k ? 1 : 0));
  } else {
    const bits = Float32Array.from({ length: m * k }, () => r.int(0, 1));
    y = k === 1 && r.chance(0.5) ? Array.from(bits) : bits;
  }
  return { x, y, m, flat };
}

/** A hostile x for a model with `n` inputs and `m` rows (desc says what is wrong). */
function hostileX(r, n, m, flat) {
  const f = Float32Array.from(flat);
  const variants = [
    () => ((f[r.int(0, f.length - 1)] = NaN), ['NaN inside', f]),
    () => ((f[r.int(0, f.length - 1)] = r.pick([Infinity, -Infinity])), ['±Infinity inside', f]),
    () => {
      const d = Float64Array.from(flat);
      d[r.int(0, d.length - 1)] = r.pick([1e308, -1e308, 3.5e38]);
      return ['f64 value beyond f32', d];
    },
    () => ['one value too many', Float32Array.from([...flat, 0.5])],
    () => ['one value too few', flat.length > 1 ? Float32Array.from(flat.subarray(1)) : new Float32Array(0)],
    () => ['empty', new Float32Array(0)],
    () => ['empty array', []],
    () => {
      const rows = Array.from({ length: m }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
      rows[r.int(0, m - 1)].push(1);
      return ['a nested row too long', rows];
    },
    () => {
      const rows = Array.from({ length: m }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
      rows[r.int(0, m - 1)][0] = r.pick(['1', null, undefined, 1n, NaN, {}, [1]]);
      return ['a bad value in a nested row', rows];
    },
    () => {
      const rows = Array.from({ length: m }, (_, i) => Array.from(flat.subarray(i * n, (i + 1) * n)));
      rows[r.int(0, m - 1)] = r.pick([null, 5, 'row', {}, new Float32Array(n)]);
      return ['a row that is not an array', rows];
    },
    () => {
      const a = Array.from(flat);
      a[r.int(0, a.length - 1)] = r.pick(['1', null, undefined, 1n, true, {}]);
      return ['a bad value in a flat array', a];
    },
    () => ['a sparse array', new Array(flat.length)],
    () => ['an Int8Array', new Int8Array(flat.length)],
    () => ['a BigInt64Array', new BigInt64Array(flat.length)],
    () => ['a DataView', new DataView(new ArrayBuffer(flat.length * 4))],
    () => ['a Uint8ClampedArray', new Uint8ClampedArray(flat.length)],
    () => ['shared (valid values)', sharedCopy(f)],
    () => ['shared f64 (valid values)', sharedCopy(Float64Array.from(flat))],
    () => ['offset view (valid values)', offsetView(f)],
    () => ['detached Float32Array', detached(Float32Array, flat.length)],
    () => ['detached Float64Array', detached(Float64Array, flat.length)],
    () => ['a hostile scalar', hostile(r)],
    () => ['an array-like object', { length: flat.length, 0: 1 }],
  ];
  return r.pick(variants)();
}

/** A hostile y for `spec` with m rows. */
function hostileY(r, spec, m) {
  const k = spec.outUnits;
  const softmax = spec.output === 'softmax';
  const variants = [
    () => ['class index out of range', Int32Array.from({ length: m }, (_, i) => (i === 0 ? r.pick([k, -1, 99, 2 ** 31 - 1]) : 0))],
    () => ['class index not an integer', Array.from({ length: m }, (_, i) => (i === 0 ? r.pick([0.5, NaN, Infinity, -0.5, 2 ** 53]) : 0))],
    () => ['a bad value in labels', Array.from({ length: m * (softmax ? 1 : k) }, (_, i) => (i === 0 ? r.pick(['1', null, undefined, 1n, {}, true]) : 0))],
    () => ['one label too many', new Int32Array(m + 1)],
    () => ['one label too few', new Int32Array(Math.max(0, m - 1))],
    () => ['empty labels', []],
    () => ['label matrix with NaN', Float32Array.from({ length: m * k }, (_, i) => (i === 0 ? NaN : i % k === 0 ? 1 : 0))],
    () => ['label matrix with 2', Float32Array.from({ length: m * k }, (_, i) => (i === 0 ? 2 : i % k === 0 ? 1 : 0))],
    () => ['label matrix with -1', Float32Array.from({ length: m * k }, (_, i) => (i === 0 ? -1 : i % k === 0 ? 1 : 0))],
    () => ['all-zero label rows', new Float32Array(m * k)],
    () => ['label matrix one row short', new Float32Array((m - 1) * k)],
    () => ['a Float64Array of labels', new Float64Array(m * k)],
    () => ['a BigInt64Array of labels', new BigInt64Array(m)],
    () => ['an Int8Array of labels', new Int8Array(m)],
    () => ['shared Int32Array (valid values)', sharedCopy(new Int32Array(m))],
    () => ['shared Float32Array labels (valid values)', sharedCopy(Float32Array.from({ length: m * k }, (_, i) => (i % k === 0 ? 1 : 0)))],
    () => ['detached Int32Array', detached(Int32Array, m)],
    () => ['detached Float32Array', detached(Float32Array, m * k)],
    () => ['nested labels', Array.from({ length: m }, () => Array.from({ length: k }, () => 0))],
    () => ['a hostile scalar', hostile(r)],
  ];
  return r.pick(variants)();
}

// ---------------------------------------------------------------------------------------------
// State: what saveModel would write (every tensor, optimizer, step, streams, normalizer, training).

async function stateBytes(model) {
  const state = await model.exportState();
  const { tensors, ...rest } = state;
  const parts = [Buffer.from(JSON.stringify(rest))];
  for (const t of tensors) parts.push(Buffer.from(`${t.name}[${t.shape}]`), Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength));
  return Buffer.concat(parts);
}

function allFinite(state) {
  return state.tensors.every((t) => t.values.every((v) => Number.isFinite(v)));
}

// ---------------------------------------------------------------------------------------------
// Judging a rejection.

const UNCLEAR = [
  'Cannot read properties',
  'Cannot set properties',
  'Failed to convert',
  'TypedArray info',
  'is not a function',
  'undefined is not',
  'Maximum call stack',
  'Cannot convert',
  'is not iterable',
  'Invalid typed array length',
  'Invalid array length',
  'Array buffer allocation failed',
  'Cannot mix BigInt',
  'Do not know how to serialize a BigInt',
  'panicked',
  'napi_',
  'Invalid argument',
  'Cannot perform',
  'detached ArrayBuffer',
  '[object ',
];

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Null when the rejection is clear, else why not. `fns`: the names a message may start with. */
function unclearReason(error, fns) {
  if (!(error instanceof Error)) return `threw a non-Error: ${show(error)}`;
  const message = String(error.message);
  for (const bad of UNCLEAR) if (message.includes(bad)) return `contains '${bad}'`;
  const prefix = new RegExp(`^(${fns.map(escapeRe).join('|')})( [A-Za-z]\\w*)?((\\.[\\w$]+)|(\\[\\d+\\]))*: \\S`);
  if (!prefix.test(message)) return `does not start with ${fns.map((f) => `'${f}: '`).join(' or ')}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Running calls.

let caseIndex = -1;
let callIndex = 0;

/**
 * Runs one call. `c`: { fn: names the message may start with (string or list), desc, run,
 * model?: checked for state changes, readOnly?: the model must not change even when it resolves,
 * arg?: names of the hostile argument the message should mention, onResolve?(value) → problem | null,
 * exempt?(error) → true when a rejection may legitimately leave the model changed }.
 */
async function call(c) {
  const fns = Array.isArray(c.fn) ? c.fn : [c.fn];
  const id = { case: caseIndex, call: callIndex++ };
  emit({ t: 'start', ...id, fn: fns[0], desc: c.desc });
  const before = c.model ? await stateBytes(c.model) : null;
  let outcome = 'resolved';
  let message;
  let unclear = null;
  let changed = null;
  let wrongArg = null;
  let problem = null;
  let error;
  let value;
  try {
    value = await c.run();
  } catch (e) {
    outcome = 'rejected';
    error = e;
    message = e instanceof Error ? e.message : show(e);
    unclear = unclearReason(e, fns);
    if (!unclear && c.arg && !message.includes('training diverged')) {
      const names = Array.isArray(c.arg) ? c.arg : [c.arg];
      if (!names.some((a) => message.includes(a))) wrongArg = `expected the message to name ${names.join(' or ')}`;
    }
  }
  if (c.model && (outcome === 'rejected' || c.readOnly) && !(error && c.exempt?.(error))) {
    const after = await stateBytes(c.model);
    if (!after.equals(before)) changed = outcome === 'rejected' ? 'a rejected call changed the model' : 'a read-only call changed the model';
  }
  if (outcome === 'resolved' && c.onResolve) {
    try {
      problem = await c.onResolve(value);
    } catch (e) {
      problem = `checking the result failed: ${e instanceof Error ? e.message : show(e)}`;
    }
  }
  if (problem) changed = changed ?? problem;
  const record = { t: 'done', ...id, fn: fns[0], desc: c.desc, outcome };
  if (message !== undefined) record.message = message.length > 400 ? `${message.slice(0, 400)}…` : message;
  if (unclear) {
    record.unclear = unclear;
    const stack = error?.cause?.stack ?? error?.stack;
    if (typeof stack === 'string') record.stack = stack.split('\n').slice(0, 8).join('\n');
  }
  if (changed) record.changed = changed;
  if (wrongArg) record.wrongArg = wrongArg;
  emit(record);
  if (VERBOSE) console.error(JSON.stringify(record));
  return outcome === 'resolved';
}

/** A call that is not made (the case had fewer than CALLS_PER_CASE): keeps the count per case fixed. */
async function filler(r) {
  await standaloneCall(r);
}

// ---------------------------------------------------------------------------------------------
// Calls on a model.

const FIT_KEYS = ['epochs', 'batchSize', 'shuffle', 'dropLast', 'optimizer', 'schedule', 'validation', 'earlyStopping', 'clipNorm', 'initialEpoch', 'augment', 'onEpochEnd', 'onStep', 'callbacks', 'stepsPerCallback', 'baseError'];

function hostileOptimizer(r) {
  const kind = r.pick(['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw']);
  return r.pick([
    () => ({ kind, learningRate: hostile(r) }),
    () => ({ kind: r.pick(['sgd', 'Adam', '', 'adamm', hostile(r)]), learningRate: 0.01 }),
    () => ({ kind, learningRate: 0.01, [r.pick(['beta', 'beta1', 'beta2', 'epsilon', 'weightDecay'])]: hostile(r) }),
    () => ({ kind, learningRate: 0.01, lr: 0.1 }),
    () => ({ learningRate: 0.01 }),
    () => r.pick(['adam', 'gd']),
    () => hostile(r),
    () => Object.assign(Object.create({ kind: 'adam' }), { learningRate: 0.01 }),
  ])();
}

function hostileFitValue(r, key, ctx) {
  const { spec, data } = ctx;
  switch (key) {
    case 'optimizer':
      return hostileOptimizer(r);
    case 'schedule':
      // The same bad result every epoch: refused before the first step (a schedule that turns
      // bad later fails mid-run, which keeps the epochs already trained, as documented).
      return r.pick([() => hostile(r), () => ((bad) => () => bad)(hostile(r)), () => () => undefined, () => () => '0.1', () => async () => 0.1, () => T.constant])();
    case 'validation':
      return r.pick([
        () => ({ x: hostileX(r, spec.inputSize, data.m, data.flat)[1], y: data.y }),
        () => ({ x: data.x, y: hostileY(r, spec, data.m)[1] }),
        () => ({ x: data.x }),
        () => ({ y: data.y }),
        () => hostile(r),
      ])();
    case 'earlyStopping':
      return r.pick([
        () => ({ monitor: r.pick(['devLos', 'loss', '', hostile(r)]) }),
        () => ({ monitor: 'trainLoss', [r.pick(['patience', 'minDelta', 'restoreBest'])]: hostile(r) }),
        () => ({ monitor: 'trainLoss', patient: 2 }),
        () => hostile(r),
      ])();
    case 'augment': {
      const n = spec.inputSize;
      return r.pick([
        () => ({ height: n, width: 1, [r.pick(['channels', 'shift', 'rotation', 'scale', 'noise', 'flipHorizontal'])]: hostile(r) }),
        () => ({ height: hostile(r), width: 1 }),
        () => ({ height: n + 1, width: 1 }),
        () => ({ height: n, width: 1, rotation: r.pick([181, -1, 360]) }),
        () => ({ height: n, width: 1, scale: r.pick([1, -0.1, 2]) }),
        () => ({ height: n, width: 1, rotate: 5 }),
        () => ({ width: n }),
        () => hostile(r),
      ])();
    }
    case 'callbacks':
      return r.pick([
        () => hostile(r),
        () => [hostile(r)],
        () => [{ onEpochEnds: () => {} }],
        () => [{ onEpochEnd: hostile(r) }],
        () => [{ getState: () => 1 }],
        () => [{ getState: () => 1, setState: () => {}, stateKey: hostile(r) }],
        () => [{ getState: () => 1, setState: () => {}, stateKey: 'a' }, { getState: () => 1, setState: () => {}, stateKey: 'a' }],
      ])();
    case 'onEpochEnd':
    case 'onStep':
      return badType(r);
    case 'shuffle':
    case 'dropLast':
      return r.pick([...badTypes().filter((v) => typeof v !== 'boolean'), 0, 1, NaN]);
    case 'clipNorm':
      return r.pick([...BAD_NUMBERS, ...badTypes()].filter((v) => v !== null && v !== undefined));
    default:
      return hostile(r);
  }
}

function validFitOptions(r, ctx) {
  const o = { epochs: r.int(1, 2), batchSize: r.int(1, ctx.data.m + 2) };
  if (r.chance(0.3)) o.shuffle = r.chance(0.5);
  if (r.chance(0.2)) o.clipNorm = r.pick([0.5, 5, null]);
  if (r.chance(0.2)) o.validation = { x: ctx.data.x, y: ctx.data.y };
  if (r.chance(0.15)) o.schedule = r.pick([T.constant(), T.inverseTimeDecay(0.5), T.reduceOnPlateau({ patience: 1 }), T.stepDecay(0.5, 1)]);
  if (r.chance(0.1)) o.onEpochEnd = () => {};
  return o;
}

/** The hostile calls on a model, one chosen per call. */
function modelCalls(r, ctx) {
  const { model, spec, data } = ctx;
  const m = data.m;
  const fitDiverged = (options) => (e) => e?.code === 'TUNENET_DIVERGED' && e.epoch > (typeof options?.initialEpoch === 'number' ? options.initialEpoch : 0);
  const generators = [
    // fit: one hostile option
    [
      5,
      () => {
        const options = validFitOptions(r, ctx);
        const key = r.chance(0.9) ? r.pick(FIT_KEYS) : null;
        if (key) options[key] = hostileFitValue(r, key, ctx);
        else options[r.pick(['epoch', 'verbosity', 'batch_size', 'classWeight', '__proto__', 'lr'])] = 1;
        if (key === 'batchSize' && options.dropLast === undefined && r.chance(0.3)) options.dropLast = true;
        if (r.chance(0.05)) {
          const wrapped = JSON.parse(JSON.stringify({ epochs: 1 }));
          Object.defineProperty(wrapped, '__proto__', { value: { epochs: 5 }, enumerable: true });
          return { fn: 'fit', arg: ['__proto__'], desc: 'fit(x, y, {own __proto__ key})', model, run: () => model.fit(data.x, data.y, wrapped) };
        }
        const argNames = key ? [key, 'options', 'monitor', 'patience', 'batchSize', 'dropLast', 'validation'] : ['unknown option'];
        return { fn: 'fit', arg: argNames, desc: `fit(x, y, ${show(options)})`, model, exempt: fitDiverged(options), run: () => model.fit(data.x, data.y, options) };
      },
    ],
    // fit / evaluate / predict / trainStep / gradientCheck with hostile x or y
    [
      6,
      () => {
        const which = r.pick(['fit', 'evaluate', 'predict', 'trainStep', 'gradientCheck']);
        const badX = which === 'predict' || r.chance(0.5);
        const [what, value] = badX ? hostileX(r, spec.inputSize, m, data.flat) : hostileY(r, spec, m);
        const x = badX ? value : data.x;
        const y = badX ? data.y : value;
        const desc = `${which}(${badX ? `x: ${what} ${show(value)}` : `y: ${what} ${show(value)}`})`;
        const arg = badX ? ['x'] : ['y'];
        switch (which) {
          case 'fit':
            return { fn: 'fit', arg, desc, model, run: () => model.fit(x, y, { epochs: 1, batchSize: r.int(1, m) }) };
          case 'evaluate':
            return { fn: 'evaluate', arg, desc, model, readOnly: true, run: () => model.evaluate(x, y) };
          case 'predict':
            return { fn: 'predict', arg, desc, model, readOnly: true, run: () => model.predict(x) };
          case 'trainStep':
            return { fn: 'trainStep', arg, desc, model, run: () => model.trainStep(x, y) };
          default:
            return { fn: 'gradientCheck', arg, desc, model, readOnly: true, run: () => T.gradientCheck(model, x, y) };
        }
      },
    ],
    // trainStep options
    [
      2,
      () => {
        const options = r.pick([
          () => hostile(r),
          () => ({ learningRate: hostile(r) }),
          () => ({ clipNorm: hostile(r) }),
          () => ({ learningRate: 0.01, lr: 0.1 }),
          () => r.pick([1e308, 2 ** 53, 1e30, 1e10]),
        ])();
        return {
          fn: 'trainStep',
          arg: ['learningRate', 'clipNorm', 'options', 'lr'],
          desc: `trainStep(x, y, ${show(options)})`,
          model,
          run: () => model.trainStep(data.x, data.y, options),
        };
      },
    ],
    // setTensor / getTensor / tensors
    [
      3,
      () => {
        const infos = model.tensors();
        const t = r.pick(infos);
        const size = t.shape.reduce((a, b) => a * b, 1);
        const choice = r.int(0, 2);
        let layer = t.layer;
        let name = t.name;
        let values = Float32Array.from({ length: size }, () => r.normal() * 0.1);
        let what;
        if (choice === 0) {
          layer = r.pick([...BAD_NUMBERS, ...badTypes(), spec.layers.length, 99, -1]);
          what = 'layer';
        } else if (choice === 1) {
          name = r.pick(['', 'X', 'W ', 'w', 'W.v.v', '__proto__', 'constructor', 'runningMean', 'W.s', 'gamma', 'b', 'W.v', ...badTypes()]);
          what = 'name';
        } else {
          what = 'values';
          values = r.pick([
            () => ((values[r.int(0, size - 1)] = r.pick([NaN, Infinity, -Infinity])), values),
            () => new Float32Array(size + 1),
            () => new Float32Array(Math.max(0, size - 1)),
            () => Float64Array.from(values),
            () => Array.from(values),
            () => sharedCopy(values),
            () => offsetView(values),
            () => detached(Float32Array, size),
            () => hostile(r),
          ])();
        }
        if (r.chance(0.3)) {
          return { fn: 'getTensor', arg: [what === 'values' ? 'layer' : what, 'layer', 'name'], desc: `getTensor(${show(layer)}, ${show(name)})`, model, readOnly: true, run: () => model.getTensor(layer, name) };
        }
        return { fn: 'setTensor', desc: `setTensor(${show(layer)}, ${show(name)}, ${show(values)}) [${t.layer}.${t.name} ${t.shape}]`, model, arg: [what, ...(what === 'name' ? ['values'] : [])], run: () => model.setTensor(layer, name, values) };
      },
    ],
    // exportState / clone / tensors
    [
      2,
      () => {
        const options = r.pick([() => ({ backend: hostile(r) }), () => ({ threads: hostile(r) }), () => ({ backend: 'gpu' }), () => ({ thread: 1 }), () => hostile(r), () => ({ backend: r.pick(['native', 'reference']) })])();
        return {
          fn: ['clone', 'fromState', 'sequential'],
          arg: ['backend', 'threads', 'thread', 'options'],
          desc: `clone(${show(options)})`,
          model,
          readOnly: true,
          run: () => model.clone(options),
          onResolve: async (copy) => ((await stateBytes(copy)).equals(await stateBytes(model)) ? null : 'clone is not byte-identical to its model'),
        };
      },
    ],
    // fromState with a corrupted state
    [
      2,
      () => ({
        fn: ['fromState', 'sequential', 'Normalizer.fromJSON'],
        desc: 'fromState(corrupted state)',
        model,
        readOnly: true,
        run: async () => {
          const state = await model.exportState();
          const what = corruptState(r, state);
          try {
            return T.Sequential.fromState(state, r.chance(0.2) ? { backend: hostile(r) } : {});
          } catch (e) {
            e.message += ` [${what}]`;
            throw e;
          }
        },
      }),
    ],
    // gradientCheck options
    [
      1,
      () => {
        const options = r.pick([() => ({ epsilon: hostile(r) }), () => ({ eps: 1e-7 }), () => hostile(r)])();
        const target = r.chance(0.15) ? r.pick([null, {}, { handle: {} }]) : model;
        return { fn: 'gradientCheck', arg: ['epsilon', 'eps', 'options', 'model'], desc: `gradientCheck(${show(target)}, x, y, ${show(options)})`, model, readOnly: true, run: () => T.gradientCheck(target, data.x, data.y, options) };
      },
    ],
    // saveModel / loadModel
    [
      3,
      () => {
        const file = path.join(TMP, `m${caseIndex}-${callIndex}.safetensors`);
        if (r.chance(0.5)) {
          const target = r.chance(0.2) ? r.pick([null, undefined, {}, 'model']) : model;
          const where = r.pick([() => file, () => file, () => hostile(r), () => TMP, () => path.join(TMP, 'no', 'such', 'dir', 'm.safetensors'), () => `${TMP}/a\0b`, () => path.join(TMP, 'x'.repeat(300)), () => '/proc/version']);
          const f = where();
          return {
            fn: 'saveModel',
            arg: ['model', 'file'],
            desc: `saveModel(${show(target)}, ${show(f)})`,
            model,
            readOnly: true,
            run: () => T.saveModel(target, f),
            onResolve: async () => {
              if (target !== model || typeof f !== 'string') return 'saveModel accepted a bad argument';
              const loaded = await T.loadModel(f, { backend: model.backend.name });
              return (await stateBytes(loaded)).equals(await stateBytes(model)) ? null : 'a saved model does not load back byte-identical';
            },
          };
        }
        const f = r.pick([() => path.join(TMP, 'missing.safetensors'), () => TMP, () => hostile(r), () => `${TMP}/a\0b`, () => '/proc/version', () => '/dev/null', () => path.join(TMP, 'x'.repeat(300))])();
        const options = r.chance(0.5) ? r.pick([() => hostile(r), () => ({ backend: hostile(r) }), () => ({ threads: hostile(r) }), () => ({ backnd: 'native' })])() : undefined;
        return { fn: 'loadModel', arg: ['file', 'options', 'backend', 'threads', 'backnd', 'is not a valid'], desc: `loadModel(${show(f)}, ${show(options)})`, model, readOnly: true, run: () => T.loadModel(f, options) };
      },
    ],
  ];
  const total = generators.reduce((s, [w]) => s + w, 0);
  let pick = r.int(0, total - 1);
  for (const [w, g] of generators) {
    if (pick < w) return g();
    pick -= w;
  }
  throw new Error('unreachable');
}

/** Corrupts one field of an exported state in place; returns what it did. */
function corruptState(r, state) {
  const t = r.pick(state.tensors);
  const variants = [
    () => ((t.values[r.int(0, t.values.length - 1)] = r.pick([NaN, Infinity])), `${t.name} non-finite`),
    () => ((t.values = new Float32Array(t.values.length + 1)), `${t.name} too long`),
    () => ((t.values = Float64Array.from(t.values)), `${t.name} f64`),
    () => ((t.values = detached(Float32Array, t.values.length)), `${t.name} detached`),
    () => ((t.shape = [...t.shape, 1]), `${t.name} shape`),
    () => ((t.name = r.pick(['layers.99.W', 'best.layers.0.W', '', 'layers.0.W.v.v'])), 'tensor renamed'),
    () => (state.tensors.push({ ...t }), 'tensor twice'),
    () => (state.tensors.splice(state.tensors.indexOf(t), 1), 'tensor missing'),
    () => ((state.step = hostile(r)), 'step'),
    () => ((state.rng[r.pick(['dropout', 'shuffle', 'augment'])] = r.pick([[0, 0, 0, 0], [1, 2, 3], [2 ** 32, 0, 0, 1], [-1, 1, 1, 1], [0.5, 1, 1, 1], hostile(r)])), 'rng'),
    () => ((state.rng = hostile(r)), 'rng object'),
    () => ((state.optimizer = hostileOptimizer(r)), 'optimizer'),
    () => ((state.architecture = { ...state.architecture, [r.pick(['inputSize', 'seed', 'output', 'layers'])]: hostile(r) }), 'architecture'),
    () => ((state.architecture = { ...state.architecture, extra: 1 }), 'architecture extra key'),
    () => ((state.normalizer = r.pick([{ features: state.architecture.inputSize, mean: [NaN], std: [1] }, { features: 2 ** 53, mean: [], std: [] }, hostile(r)])), 'normalizer'),
    () => ((state.training = r.pick([{ epoch: -1, learningRate: 0.1, monitored: [], callbacks: {} }, { epoch: 2, learningRate: NaN, monitored: [1, 2], callbacks: {} }, { epoch: 1, learningRate: 0.1, monitored: [] }, hostile(r)])), 'training'),
    () => ((state.tensors = hostile(r)), 'tensors'),
  ];
  return r.pick(variants)();
}

// ---------------------------------------------------------------------------------------------
// Cases.

async function modelCase(r) {
  const spec = modelSpec(r);
  const model = buildModel(spec);
  const data = makeData(r, spec);
  if (r.chance(0.5)) await model.fit(data.x, data.y, { epochs: 1, batchSize: r.int(1, data.m) });
  if (r.chance(0.1)) model.normalizer = T.Normalizer.fit(data.flat, spec.inputSize);
  const ctx = { model, spec, data };
  for (let i = 0; i < CALLS_PER_CASE - 1; i++) await call(modelCalls(r, ctx));
  // Still usable, not stuck "busy".
  await call({
    fn: ['evaluate'],
    desc: 'evaluate(valid) after the hostile calls',
    model,
    readOnly: true,
    run: () => model.evaluate(data.x, data.y),
    onResolve: () => {
      try {
        model.trainStep(data.x, data.y, { learningRate: 1e-6 });
      } catch (e) {
        if (/busy/.test(e.message)) return `model stuck busy: ${e.message}`;
      }
      return null;
    },
  });
}

/** Starts a fit and, without awaiting it, calls other methods on the same model; then awaits all. */
async function concurrentCase(r) {
  const spec = modelSpec(r);
  spec.backend = r.chance(0.8) ? 'native' : 'reference';
  const model = buildModel(spec);
  const data = makeData(r, spec, r.int(8, 24));
  if (r.chance(0.5)) await model.fit(data.x, data.y, { epochs: 1 });
  const twin = await model.clone();
  const fitOptions = { epochs: r.int(1, 3), batchSize: r.int(1, 4) };
  if (r.chance(0.4)) fitOptions.onStep = () => {};
  if (r.chance(0.3)) fitOptions.validation = { x: data.x, y: data.y };
  const files = [];
  const catalog = model.tensors();
  const kinds = ['evaluate', 'predict', 'trainStep', 'setTensor', 'saveModel', 'fit', 'getTensor', 'exportState', 'tensors', 'gradientCheck', 'clone'];
  const others = [];
  emit({ t: 'start', case: caseIndex, call: callIndex, fn: 'fit', desc: `concurrent: fit(${show(fitOptions)}) with others` });
  const fitCall = callIndex++;
  let fitSettled = false;
  const main = model.fit(data.x, data.y, fitOptions).then(
    () => ((fitSettled = true), { outcome: 'resolved' }),
    (e) => ((fitSettled = true), { outcome: 'rejected', e }),
  );
  for (let i = 0; i < CALLS_PER_CASE - 1; i++) {
    const kind = r.pick(kinds);
    const id = callIndex++;
    const start = (run) => {
      emit({ t: 'start', case: caseIndex, call: id, fn: kind, desc: `concurrent ${kind} during fit` });
      let p;
      const during = !fitSettled;
      try {
        p = Promise.resolve(run());
      } catch (e) {
        p = Promise.reject(e);
      }
      others.push({ id, kind, during, p: p.then((value) => ({ outcome: 'resolved', value }), (e) => ({ outcome: 'rejected', e })) });
    };
    switch (kind) {
      case 'evaluate':
        start(() => model.evaluate(data.x, data.y));
        break;
      case 'predict':
        start(() => model.predict(data.x));
        break;
      case 'trainStep':
        start(() => model.trainStep(data.x, data.y));
        break;
      case 'setTensor': {
        const t = r.pick(catalog);
        start(() => model.setTensor(t.layer, t.name, new Float32Array(t.shape.reduce((a, b) => a * b, 1))));
        break;
      }
      case 'saveModel': {
        const f = path.join(TMP, `c${caseIndex}-${id}.safetensors`);
        files.push(f);
        start(() => T.saveModel(model, f));
        break;
      }
      case 'fit':
        start(() => model.fit(data.x, data.y, { epochs: 1 }));
        break;
      case 'getTensor': {
        const t = r.pick(catalog);
        start(() => model.getTensor(t.layer, t.name));
        break;
      }
      case 'exportState':
        start(() => model.exportState());
        break;
      case 'tensors':
        start(() => model.tensors());
        break;
      case 'gradientCheck':
        start(() => T.gradientCheck(model, data.x, data.y));
        break;
      default:
        start(() => model.clone());
    }
    // Sometimes let the fit make progress before the next call.
    if (r.chance(0.3)) await new Promise((resolve) => setImmediate(resolve));
  }
  const fitResult = await main;
  const results = await Promise.all(others.map((o) => o.p));
  // The model must be what the same fit alone makes of its twin: nothing refused left a trace.
  let changed = null;
  // A change accepted after the fit ended is legitimate, but then the twin cannot replay it.
  const changers = ['trainStep', 'setTensor', 'fit'];
  const acceptedChange = others.some((o, k) => changers.includes(o.kind) && results[k].outcome === 'resolved');
  if (fitResult.outcome === 'resolved' && !acceptedChange) {
    const alone = await twin.fit(data.x, data.y, fitOptions).then(() => true, () => false);
    if (alone && !(await stateBytes(model)).equals(await stateBytes(twin))) changed = 'the model differs from the same fit run alone (a concurrent call left a trace)';
  }
  const fitRecord = { t: 'done', case: caseIndex, call: fitCall, fn: 'fit', desc: `concurrent: fit(${show(fitOptions)})`, outcome: fitResult.outcome };
  if (fitResult.e) {
    fitRecord.message = fitResult.e.message;
    const why = unclearReason(fitResult.e, ['fit']);
    if (why) fitRecord.unclear = why;
  }
  if (changed) fitRecord.changed = changed;
  emit(fitRecord);
  for (const [k, o] of others.entries()) {
    const res = results[k];
    const record = { t: 'done', case: caseIndex, call: o.id, fn: o.kind, desc: `concurrent ${o.kind} during fit`, outcome: res.outcome };
    if (res.e) {
      record.message = res.e instanceof Error ? res.e.message : show(res.e);
      const why = unclearReason(res.e, [o.kind]);
      if (why) record.unclear = why;
    }
    if (changers.includes(o.kind) && o.during && res.outcome === 'resolved') record.changed = `${o.kind} was accepted while a fit was running (it must be refused as busy)`;
    if (o.kind === 'saveModel' && res.outcome === 'resolved') {
      // A save during a fit is a consistent snapshot: it must load.
      const f = files.shift();
      const loaded = await T.loadModel(f).catch((e) => e);
      if (loaded instanceof Error) record.changed = `a save during fit does not load: ${loaded.message}`;
      else if (!allFinite(await loaded.exportState())) record.changed = 'a save during fit holds non-finite values';
    } else if (o.kind === 'saveModel') files.shift();
    if (o.kind === 'gradientCheck' && res.outcome === 'resolved' && !['fine', 'suspicious', 'likely a bug'].includes(res.value.verdict)) record.changed = 'gradientCheck during fit returned no verdict';
    emit(record);
  }
}

/** A saved model file, then corrupted copies of it: each must load or be refused clearly. */
async function fileCase(r) {
  const spec = modelSpec(r);
  const model = buildModel(spec);
  const data = makeData(r, spec);
  const fitOptions = { epochs: r.int(1, 2) };
  if (r.chance(0.4)) Object.assign(fitOptions, { validation: { x: data.x, y: data.y }, earlyStopping: { patience: 5 } });
  await model.fit(data.x, data.y, fitOptions);
  if (r.chance(0.3)) model.normalizer = T.Normalizer.fit(data.flat, spec.inputSize);
  const good = path.join(TMP, `f${caseIndex}.safetensors`);
  await T.saveModel(model, good);
  const bytes = fs.readFileSync(good);
  for (let i = 0; i < CALLS_PER_CASE; i++) {
    const [what, corrupted] = corruptFile(r, bytes);
    const f = path.join(TMP, `f${caseIndex}-${i}.safetensors`);
    fs.writeFileSync(f, corrupted);
    await call({
      fn: 'loadModel',
      arg: ['is not a valid', 'file'],
      desc: `loadModel(${what})`,
      run: () => T.loadModel(f, r.chance(0.2) ? { backend: r.pick(['native', 'reference']) } : undefined),
      onResolve: async (loaded) => {
        const state = await loaded.exportState();
        if (!allFinite(state)) return `loadModel accepted a file with non-finite values (${what})`;
        return null;
      },
    });
    fs.rmSync(f, { force: true });
  }
  fs.rmSync(good, { force: true });
}

function headerOf(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  return { n, json: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')), data: bytes.subarray(8 + n) };
}

function withHeader(json, data, pad = true) {
  let text = typeof json === 'string' ? json : JSON.stringify(json);
  if (pad) while ((8 + Buffer.byteLength(text)) % 8 !== 0) text += ' ';
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  return Buffer.concat([head, Buffer.from(text), data]);
}

/** One corruption of a valid model file's bytes: [description, bytes]. */
function corruptFile(r, bytes) {
  const { json, data } = headerOf(bytes);
  const meta = json.__metadata__;
  const tensorNames = Object.keys(json).filter((k) => k !== '__metadata__');
  const tn = r.pick(tensorNames);
  const metaJson = (key, mutate) => {
    const h = structuredClone(json);
    const value = JSON.parse(h.__metadata__[key]);
    mutate(value, h);
    h.__metadata__[key] = JSON.stringify(value);
    return withHeader(h, data);
  };
  const variants = [
    () => {
      const at = r.int(0, bytes.length - 1);
      return [`truncated at ${at}`, bytes.subarray(0, at)];
    },
    () => ['trailing garbage', Buffer.concat([bytes, Buffer.from([1, 2, 3, 4])])],
    () => {
      const b = Buffer.from(bytes);
      const at = r.int(0, b.length - 1);
      b[at] ^= 1 << r.int(0, 7);
      return [`bit flip at ${at}`, b];
    },
    () => {
      const b = Buffer.from(bytes);
      b.writeBigUInt64LE(r.pick([0n, 2n ** 63n, 2n ** 64n - 1n, BigInt(b.length), 7n, 2n ** 32n]), 0);
      return ['header length', b];
    },
    () => {
      const b = Buffer.from(bytes);
      const at = 8 + headerOf(bytes).n + r.int(0, Math.max(0, data.length / 4 - 1)) * 4;
      if (at + 4 <= b.length) b.writeUInt32LE(r.pick([0x7fc00000, 0x7f800000, 0xff800000]), at);
      return ['non-finite tensor value', b];
    },
    () => ['empty file', Buffer.alloc(0)],
    () => ['header not JSON', withHeader('{"__metadata__": {', data)],
    () => ['header JSON array', withHeader('[]', data)],
    () => ['duplicate key', withHeader(JSON.stringify(json).replace('{', `{"${tn}":${JSON.stringify(json[tn])},`), data)],
    () => {
      const h = structuredClone(json);
      h[tn].dtype = r.pick(['F64', 'F16', 'I32', 'f32', '']);
      return ['dtype', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      h[tn].shape = r.pick([[...h[tn].shape, 1], [], [2 ** 53], [-1], [h[tn].shape.reduce((a, b) => a * b, 1) + 1], ['1']]);
      return ['shape', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      const [a, b] = h[tn].data_offsets;
      h[tn].data_offsets = r.pick([[a, b + 4], [a + 4, b], [b, a], [0, 4], [a, 2 ** 53], [-4, b], [a, b - 4], [a + 0.5, b]]);
      return ['data offsets', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      delete h[tn];
      return ['tensor removed', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      h.__metadata__[r.pick(['format', 'version', 'architecture', 'optimizer', 'step', 'rng'])] = r.pick(['', '-1', 'null', '1e3', '{}', '[]', 'NaN', '2', 'x'.repeat(10)]);
      return ['metadata value', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      h.__metadata__.extra = '1';
      return ['metadata extra key', withHeader(h, data)];
    },
    () => {
      const h = structuredClone(json);
      h.__metadata__.step = r.pick(['9007199254740993', '-1', '1.5', '01', ' 1', '1e3']);
      return ['metadata step', withHeader(h, data)];
    },
    () => [
      'optimizer out of range',
      metaJson('optimizer', (o) => {
        const key = r.pick(['learningRate', 'beta1', 'beta', 'epsilon', 'weightDecay', 'kind']);
        o[key] = r.pick([-1, 1, 1e308, null, 'adam', 2]);
      }),
    ],
    () => [
      'architecture out of range',
      metaJson('architecture', (a) => {
        const key = r.pick(['inputSize', 'seed', 'output', 'layers', 'units']);
        if (key === 'units') a.layers[0].units = r.pick([0, -1, 2 ** 31, 2 ** 53, 1.5, null]);
        else a[key] = r.pick([0, -1, 2 ** 31, 2 ** 53, null, 'softmax', [], {}]);
      }),
    ],
    () => [
      'rng state',
      metaJson('rng', (g) => {
        g[r.pick(['dropout', 'shuffle', 'augment'])] = r.pick([[0, 0, 0, 0], [1, 2], [2 ** 32, 1, 1, 1], [-1, 1, 1, 1], [0.5, 1, 1, 1], null, 'x']);
      }),
    ],
    () =>
      meta.training
        ? [
            'training state',
            metaJson('training', (t) => {
              const key = r.pick(['epoch', 'learningRate', 'monitored', 'earlyStopping', 'callbacks', 'extra']);
              t[key] = r.pick([-1, null, 2 ** 53, [], {}, 'x', 1e308]);
            }),
          ]
        : ['training state added', withHeader({ ...json, __metadata__: { ...meta, training: '{"epoch":5,"learningRate":0.1,"monitored":[],"callbacks":{}}' } }, data)],
    () =>
      meta.normalizer
        ? [
            'normalizer',
            metaJson('normalizer', (n) => {
              const key = r.pick(['features', 'mean', 'std']);
              n[key] = r.pick([-1, null, 2 ** 53, [], [null], 'x', [-1]]);
            }),
          ]
        : ['normalizer added', withHeader({ ...json, __metadata__: { ...meta, normalizer: '{"features":99,"mean":[],"std":[]}' } }, data)],
    () => ['header not padded', withHeader(JSON.stringify(json), data, false)],
    () => ['random bytes', Buffer.from(Array.from({ length: r.int(0, 64) }, () => r.int(0, 255)))],
  ];
  return r.pick(variants)();
}

// ---------------------------------------------------------------------------------------------
// Calls that are not on a model: builders, data, diagnosis, tuning, kernels.

/** Returns [fn(s), arg names, desc, run]. */
function standaloneGenerators(r) {
  const f32 = (n) => Float32Array.from({ length: n }, () => r.normal());
  const f64 = (n) => Float64Array.from({ length: n }, () => r.normal());
  return [
    // builders
    () => {
      const base = { inputSize: r.int(1, 4), layers: [T.dense(r.int(1, 3)), T.relu(), T.dense(2)], threads: 1 };
      const key = r.pick(['inputSize', 'layers', 'output', 'seed', 'backend', 'threads', 'optimizer', 'unknown', 'layer', 'wholeLayer', 'huge']);
      if (key === 'unknown') base[r.pick(['input', 'loss', 'activation', 'Layers'])] = 1;
      else if (key === 'layer') base.layers = [hostile(r), T.dense(2)];
      else if (key === 'wholeLayer')
        base.layers = [r.pick([{ kind: 'dense' }, { kind: 'conv' }, { kind: 'dense', units: 3, unit: 2 }, { kind: 'activation', activation: 'gelux' }, { kind: 'dropout', keepProb: 0 }, { kind: 'batchNorm', momentum: 1 }, { units: 2 }, { kind: 'dense', units: 2, init: 'hee' }]), T.dense(2)];
      else if (key === 'huge') Object.assign(base, r.pick([{ inputSize: 2 ** 31 }, { layers: [T.dense(2 ** 31), T.dense(2)] }, { inputSize: 50000, layers: [T.dense(50000), T.dense(2)] }]));
      else if (key === 'optimizer') base.optimizer = hostileOptimizer(r);
      else if (key === 'layers') base.layers = r.pick([[], hostile(r), [T.relu()], [T.dropout({ keepProb: 0.5 })], [T.dense(2), T.batchNorm()]]);
      else base[key] = hostile(r);
      const options = r.chance(0.05) ? hostile(r) : base;
      return [['sequential'], [key === 'wholeLayer' || key === 'layer' ? 'layers[0]' : key === 'unknown' ? 'unknown option' : key, 'layers', 'options', 'cannot allocate'], `sequential(${show(options)})`, () => T.sequential(options)];
    },
    () => {
      const b = r.pick(['dense', 'batchNorm', 'dropout', 'leakyRelu', 'relu']);
      let args;
      if (b === 'dense') args = r.chance(0.5) ? [hostile(r)] : [r.int(1, 4), r.pick([() => hostile(r), () => ({ init: hostile(r) }), () => ({ l2: hostile(r) }), () => ({ l1: hostile(r) }), () => ({ initScale: hostile(r) }), () => ({ useBias: hostile(r) }), () => ({ units: 3 }), () => ({ l3: 1 })])()];
      else if (b === 'batchNorm') args = [r.pick([() => hostile(r), () => ({ momentum: hostile(r) }), () => ({ epsilon: hostile(r) }), () => ({ eps: 1e-3 })])()];
      else if (b === 'dropout') args = [r.pick([() => hostile(r), () => ({ keepProb: hostile(r) }), () => ({ rate: 0.5 }), () => undefined])()];
      else if (b === 'leakyRelu') args = [hostile(r)];
      else args = [hostile(r)];
      return [[b], [], `${b}(${args.map((a) => show(a)).join(', ')})`, () => T[b](...args)];
    },
    () => {
      const kind = r.pick(['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw']);
      const o = r.pick([() => hostile(r), () => ({ learningRate: hostile(r) }), () => ({ [r.pick(['beta', 'beta1', 'beta2', 'epsilon', 'weightDecay'])]: hostile(r) }), () => ({ kind: 'adam' }), () => ({ lr: 0.1 })])();
      return [[kind], [], `${kind}(${show(o)})`, () => T[kind](o)];
    },
    () => {
      const s = r.pick(['inverseTimeDecay', 'exponentialDecay', 'sqrtDecay', 'stepDecay', 'cosineDecay', 'linearWarmup', 'reduceOnPlateau', 'call']);
      if (s === 'call') {
        const name = r.pick(['constant', 'inverseTimeDecay', 'stepDecay', 'reduceOnPlateau', 'cosineDecay']);
        const sched = { constant: () => T.constant(), inverseTimeDecay: () => T.inverseTimeDecay(0.5), stepDecay: () => T.stepDecay(0.5, 2), reduceOnPlateau: () => T.reduceOnPlateau(), cosineDecay: () => T.cosineDecay(3) }[name]();
        const ctx = { initialLearningRate: 0.1, previousLearningRate: 0.1, monitored: [1, 0.5] };
        const args = r.pick([() => [hostile(r), ctx], () => [1, hostile(r)], () => [1, { ...ctx, [r.pick(['initialLearningRate', 'previousLearningRate', 'monitored'])]: hostile(r) }]])();
        return [[name], [], `${name}()(${args.map((a) => show(a)).join(', ')})`, () => sched(...args)];
      }
      const args = {
        inverseTimeDecay: () => r.pick([[hostile(r)], [0.5, hostile(r)], [0.5, { staircase: hostile(r) }], [0.5, { stair: 2 }]]),
        exponentialDecay: () => [hostile(r)],
        sqrtDecay: () => [hostile(r)],
        stepDecay: () => r.pick([[hostile(r), 2], [0.5, hostile(r)]]),
        cosineDecay: () => r.pick([[hostile(r)], [5, hostile(r)]]),
        linearWarmup: () => r.pick([[hostile(r)], [2, hostile(r)]]),
        reduceOnPlateau: () => r.pick([[hostile(r)], [{ [r.pick(['factor', 'patience', 'minDelta', 'minLearningRate'])]: hostile(r) }], [{ facter: 0.5 }]]),
      }[s]();
      return [[s], [], `${s}(${args.map((a) => show(a)).join(', ')})`, () => T[s](...args)];
    },
    // data
    () => {
      const m = r.int(2, 10);
      const n = r.int(1, 3);
      let x = f32(m * n);
      let y = Int32Array.from({ length: m }, () => r.int(0, 2));
      let sizes;
      let options;
      const which = r.int(0, 4);
      if (which === 0) x = hostileX(r, n, m, x)[1];
      else if (which === 1) y = hostileY(r, { output: 'softmax', outUnits: 3 }, m)[1];
      else if (which === 2) sizes = r.pick([() => hostile(r), () => ({ train: hostile(r), dev: 0.2, test: 0.2 }), () => ({ train: 0.5, dev: 0.5, tset: 0 }), () => ({ train: m, dev: 1, test: 0 }), () => ({ train: 0.6, dev: 0.2 })])();
      else options = r.pick([() => hostile(r), () => ({ seed: hostile(r) }), () => ({ stratify: hostile(r) }), () => ({ stratified: true })])();
      return [['split'], [], `split(${show(x)}, ${show(y)}, ${show(sizes)}, ${show(options)})`, () => T.split(x, y, sizes, options)];
    },
    () => {
      const m = r.int(1, 6);
      const n = r.int(1, 4);
      const flat = f32(m * n);
      const which = r.int(0, 3);
      if (which === 0) {
        const [what, x] = hostileX(r, n, m, flat);
        return [['Normalizer.fit'], ['x'], `Normalizer.fit(${what} ${show(x)}, ${n})`, () => T.Normalizer.fit(x, n)];
      }
      if (which === 1) {
        const features = hostile(r);
        return [['Normalizer.fit'], ['features'], `Normalizer.fit(x, ${show(features)})`, () => T.Normalizer.fit(flat, features)];
      }
      const norm = T.Normalizer.fit(flat, n);
      if (which === 2) {
        const [what, x] = r.chance(0.8) ? hostileX(r, n, m, flat) : ['features', flat];
        const features = what === 'features' ? hostile(r) : undefined;
        return [['Normalizer.transform'], [what === 'features' ? 'features' : 'x'], `Normalizer.transform(${what} ${show(x)}, ${show(features)})`, () => norm.transform(x, features)];
      }
      const json = norm.toJSON();
      const bad = r.pick([() => hostile(r), () => ({ ...json, [r.pick(['features', 'mean', 'std'])]: hostile(r) }), () => ({ ...json, extra: 1 }), () => ({ ...json, std: json.std.map(() => -1) }), () => ({ ...json, mean: [...json.mean, 0] })])();
      return [['Normalizer.fromJSON'], [], `Normalizer.fromJSON(${show(bad)})`, () => T.Normalizer.fromJSON(bad)];
    },
    () => {
      const m = r.int(1, 8);
      const n = r.int(1, 3);
      let x = f32(m * n);
      let y = Int32Array.from({ length: m }, () => r.int(0, 1));
      let o = { features: n };
      const which = r.int(0, 2);
      if (which === 0) x = hostileX(r, n, m, x)[1];
      else if (which === 1) y = hostileY(r, { output: 'softmax', outUnits: 2 }, m)[1];
      else o = r.pick([() => hostile(r), () => ({ features: hostile(r) }), () => ({ features: n, [r.pick(['batchSize', 'shuffle', 'seed', 'rng', 'dropLast'])]: hostile(r) }), () => ({ features: n, batch: 2 }), () => ({})])();
      return [['miniBatches'], [], `miniBatches(${show(x)}, ${show(y)}, ${show(o)})`, () => [...T.miniBatches(x, y, o)]];
    },
    // diagnosis
    () => {
      const o = r.pick([() => hostile(r), () => ({ trainError: hostile(r), devError: 0.1 }), () => ({ trainError: 0.1, devError: hostile(r) }), () => ({ trainError: 0.1, devError: 0.1, [r.pick(['baseError', 'tolerance'])]: hostile(r) }), () => ({ trainError: 0.1, devError: 0.1, bias: 1 })])();
      return [['diagnose'], [], `diagnose(${show(o)})`, () => T.diagnose(o)];
    },
    () => {
      const norms = r.pick([() => hostile(r), () => [1, hostile(r), 2], () => [[1, 2], [1]], () => [[1, 2], hostile(r)], () => [], () => [[]], () => [1e-9, 1e9, NaN], () => new Float32Array([1, 2])])();
      const o = r.chance(0.5) ? r.pick([() => hostile(r), () => ({ [r.pick(['hasParameters', 'vanishingNorm', 'explodingNorm', 'minRatio', 'epochOffset'])]: hostile(r) }), () => ({ hasParameters: [true] }), () => ({ vanishing: 1 })])() : undefined;
      return [['gradientWarnings'], [], `gradientWarnings(${show(norms)}, ${show(o)})`, () => T.gradientWarnings(norms, o)];
    },
    () => {
      const which = r.int(0, 2);
      if (which === 0) {
        const args = r.pick([() => [hostile(r)], () => [0.9, hostile(r)], () => [0.9, { biasCorrection: hostile(r) }], () => [0.9, { bias: true }]])();
        return [['ewa'], [], `ewa(${args.map((a) => show(a)).join(', ')})`, () => T.ewa(...args)];
      }
      if (which === 1) {
        const x = hostile(r);
        return [['ewa.update'], [], `ewa(0.9).update(${show(x)})`, () => T.ewa(0.9).update(x)];
      }
      const args = r.pick([() => [hostile(r), 0.9], () => [[1, hostile(r)], 0.9], () => [[1, 2], hostile(r)], () => [new Float32Array([1, NaN]), 0.9], () => [[1], 0.9, hostile(r)]])();
      return [['ewaSeries'], [], `ewaSeries(${args.map((a) => show(a)).join(', ')})`, () => T.ewaSeries(...args)];
    },
    // gradient checking helpers
    () => {
      const which = r.int(0, 2);
      if (which === 0) {
        const v = hostile(r);
        return [['verdictFor'], [], `verdictFor(${show(v)})`, () => T.verdictFor(v)];
      }
      if (which === 1) {
        const args = r.pick([() => [hostile(r), [1]], () => [[1, 2], [1]], () => [[1, hostile(r)], [1, 2]], () => [new BigInt64Array(2), [1, 2]], () => [[1], hostile(r)]])();
        return [['relativeDifference'], [], `relativeDifference(${args.map((a) => show(a)).join(', ')})`, () => T.relativeDifference(...args)];
      }
      const blocks = [{ layer: 0, name: 'W', shape: [2, 2] }];
      const args = r.pick([
        () => [hostile(r), f64(4), blocks],
        () => [f64(4), f64(3), blocks],
        () => [f64(4), f64(4), hostile(r)],
        () => [f64(4), f64(4), [{ layer: hostile(r), name: 'W', shape: [2, 2] }]],
        () => [f64(4), f64(4), [{ layer: 0, name: 'W', shape: [2, hostile(r)] }]],
        () => [f64(4), f64(4), [{ layer: 0, name: 'W', shape: [2, 3] }]],
        () => [sharedCopy(f64(4)), detached(Float64Array, 4), blocks],
      ])();
      return [['compareGradients'], [], `compareGradients(${args.map((a) => show(a)).join(', ')})`, () => T.compareGradients(...args)];
    },
    () => {
      const args = r.pick([() => [hostile(r), 2], () => [f32(4), hostile(r)], () => [f32(5), 2], () => [detached(Float32Array, 4), 2]])();
      return [['argmaxRows'], [], `argmaxRows(${args.map((a) => show(a)).join(', ')})`, () => T.argmaxRows(...args)];
    },
    // tuning
    () => {
      const b = r.pick(['uniform', 'integer', 'logUniform', 'oneMinusLogUniform', 'choice']);
      const args = b === 'choice' ? [r.pick([() => hostile(r), () => [], () => 'abc'])()] : r.pick([() => [hostile(r), 1], () => [0.1, hostile(r)], () => [0.5, 0.5], () => [1, 0], () => [0, 1], () => [0.9, 1]])();
      return [[b], [], `${b}(${args.map((a) => show(a)).join(', ')})`, () => T[b](...args)];
    },
    () => {
      const space = { lr: T.logUniform(1e-4, 1e-1), beta: T.oneMinusLogUniform(0.9, 0.999), units: T.integer(1, 8), act: T.choice(['relu', 'tanh']) };
      const rng = T.reference.Rng.withStream(r.int(0, 100), T.reference.RngStream.SEARCH);
      const which = r.int(0, 1);
      if (which === 0) {
        const args = r.pick([
          () => [hostile(r), rng],
          () => [space, hostile(r)],
          () => [{ ...space, x: hostile(r) }, rng],
          () => [{ ...space, x: { kind: 'logUniform', lo: hostile(r), hi: 1 } }, rng],
          () => [{ ...space, x: { kind: 'uniform', lo: 0, hi: 1, extra: 1 } }, rng],
          () => [{}, rng],
          () => [space, { nextF64: () => NaN, below: () => 0 }],
          () => [space, { nextF64: () => 0.5 }],
        ])();
        return [['sample'], [], `sample(${args.map((a) => show(a)).join(', ')})`, () => T.sample(...args)];
      }
      const best = [T.sample(space, rng)];
      const args = r.pick([
        () => [hostile(r), best],
        () => [space, hostile(r)],
        () => [space, []],
        () => [space, [{ ...best[0], lr: hostile(r) }]],
        () => [space, [{ ...best[0], lr: 10 }]],
        () => [space, best, hostile(r)],
        () => [space, [hostile(r)]],
      ])();
      return [['zoom'], [], `zoom(${args.map((a) => show(a)).join(', ')})`, () => T.zoom(...args)];
    },
    () => {
      const args = r.pick([() => [hostile(r), 3, 27], () => [1, hostile(r), 27], () => [1, 3, hostile(r)], () => [1, 1, Infinity], () => [1, 2, NaN], () => [1, 3, -5], () => [1, 1 + 1e-12, 1e9], () => [5, 3, 1]])();
      return [['rungBudgets'], [], `rungBudgets(${args.map((a) => show(a)).join(', ')})`, () => T.rungBudgets(...args)];
    },
    // kernels
    () => kernelCall(r, f32),
    () => kernelCall(r, f32),
    () => kernelCall(r, f32),
    () => kernelCall(r, f32),
    () => kernelCall(r, f32),
  ];
}

/** A kernel with valid small arguments, one of them replaced by a hostile value. */
function kernelCall(r, f32) {
  const m = r.int(1, 4);
  const n = r.int(1, 4);
  const k = r.int(1, 4);
  const kernels = {
    gemm: () => [f32(m * k), f32(k * n), r.chance(0.5) ? null : f32(m * n), { m, n, k, beta: r.pick([0, 1]) }],
    gemmF64: () => [Float64Array.from(f32(m * k)), Float64Array.from(f32(k * n)), null, { m, n, k }],
    addBias: () => [f32(m * n), f32(n)],
    biasGrad: () => [f32(m * n), n],
    activationForward: () => [r.pick(['relu', 'tanh', 'sigmoid', 'leakyRelu', 'identity']), f32(m * n), 0.01],
    activationBackward: () => [r.pick(['relu', 'tanh', 'sigmoid', 'leakyRelu']), f32(m * n), f32(m * n), f32(m * n), 0.01],
    softmax: () => [f32(m * n), n],
    softmaxCrossEntropy: () => [f32(m * n), Float32Array.from({ length: m * n }, (_, i) => (i % n === 0 ? 1 : 0)), n],
    sigmoidBinaryCrossEntropy: () => [f32(m * n), Float32Array.from({ length: m * n }, () => r.int(0, 1)), n],
    batchNormForwardTrain: () => [f32(m * n), f32(n), f32(n), 1e-3],
    batchNormBackward: () => [f32(m * n), f32(m * n), Float32Array.from({ length: n }, () => 1), f32(n), 1e-3],
    batchNormForwardInference: () => [f32(m * n), f32(n), f32(n), f32(n), Float32Array.from({ length: n }, () => 1), 1e-3],
    batchNormUpdateRunning: () => [f32(n), Float32Array.from({ length: n }, () => 1), f32(n), Float32Array.from({ length: n }, () => 1), 0.9],
    dropoutForward: () => [f32(m * n), 0.8, r.int(0, 100)],
    dropoutBackward: () => [f32(m * n), f32(m * n)],
    regularizationGrad: () => [f32(m * n), f32(m * n), 0.1, 0.01, m],
    regularizationCost: () => [f32(m * n), 0.1, 0.01, m],
    optimizerStep: () => [f32(n), f32(n), f32(n), f32(n), { kind: r.pick(['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw']), learningRate: 0.01, step: 1 }],
    rngU32: () => [r.int(0, 100), r.int(0, 4), r.int(0, 8)],
    rngNormal: () => [r.int(0, 100), r.int(0, 4), r.int(0, 8)],
    initWeights: () => [r.pick(T.reference.INIT_KINDS), k, n, r.int(0, 100), 0.01],
    augmentImages: () => [f32(m * 9), { height: 3, width: 3, shift: 1, rotation: 10, scale: 0.1, noise: 0.1 }, r.int(0, 100)],
    transformImage: () => [f32(m * 9), { height: 3, width: 3 }, { dx: 1, dy: -1, rotation: 15, scale: 1.1, flip: true }],
  };
  const name = r.pick(Object.keys(kernels));
  const args = kernels[name]();
  const i = r.int(0, args.length - 1);
  const a = args[i];
  let what;
  if (ArrayBuffer.isView(a)) {
    const variants = [
      () => ['NaN inside', (() => { const b = a.slice(); b[r.int(0, b.length - 1)] = NaN; return b; })()],
      () => ['one element too many', new a.constructor(a.length + 1)],
      () => ['one element too few', new a.constructor(Math.max(0, a.length - 1))],
      () => ['empty', new a.constructor(0)],
      () => ['another typed array type', a instanceof Float64Array ? Float32Array.from(a) : Float64Array.from(a)],
      () => ['a number[]', Array.from(a)],
      () => ['shared (valid values)', sharedCopy(a)],
      () => ['offset view (valid values)', offsetView(a)],
      () => ['detached', detached(a.constructor, a.length)],
      () => ['a hostile scalar', hostile(r)],
    ];
    let v;
    [what, v] = r.pick(variants)();
    args[i] = v;
  } else if (a !== null && typeof a === 'object') {
    const keys = Object.keys(a);
    const variants = [
      () => ['a hostile field', { ...a, [r.pick(keys)]: hostile(r) }],
      () => ['huge dimensions', name.startsWith('gemm') ? r.pick([{ ...a, m: 2 ** 32 + a.m }, { ...a, m: 2 ** 32, k: 0, n: 1 }, { ...a, n: 2 ** 31 }, { ...a, k: 2 ** 32 + a.k }]) : { ...a, height: 2 ** 31, width: 2 ** 31 }],
      () => ['an unknown key', { ...a, extra: 1 }],
      () => ['a hostile value', hostile(r)],
    ];
    let v;
    [what, v] = r.pick(variants)();
    if (what === 'huge dimensions' && name.startsWith('gemm') && v.k === 0) {
      args[0] = new args[0].constructor(0);
      args[1] = new args[1].constructor(0);
      args[2] = null;
    }
    args[i] = v;
  } else {
    what = 'a hostile value';
    args[i] = typeof a === 'string' ? r.pick([hostile(r), 'gelux', 'RELU', '']) : hostile(r);
  }
  return [[name], [], `${name}(${args.map((x) => show(x)).join(', ')}) [arg ${i}: ${what}]`, () => T[name](...args)];
}

async function standaloneCall(r) {
  const gens = standaloneGenerators(r);
  const [fns, argNames, desc, run] = r.pick(gens)();
  await call({ fn: fns, arg: argNames.length ? argNames : undefined, desc, run });
}

async function standaloneCase(r) {
  for (let i = 0; i < CALLS_PER_CASE; i++) await standaloneCall(r);
}

async function runCase(index) {
  caseIndex = index;
  callIndex = 0;
  if (index === Number(arg('abort-at', '-1'))) {
    // Self-test of the parent's crash accounting: a native-style abort in the middle of a call.
    emit({ t: 'case', case: index, kind: 'abort' });
    emit({ t: 'start', case: index, call: 0, fn: 'process.abort', desc: 'self-test abort' });
    process.abort();
  }
  const r = makeRng((SEED * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  const kind = r.pick(['model', 'model', 'model', 'model', 'standalone', 'standalone', 'standalone', 'concurrent', 'file']);
  emit({ t: 'case', case: index, kind });
  if (kind === 'model') await modelCase(r);
  else if (kind === 'standalone') await standaloneCase(r);
  else if (kind === 'concurrent') await concurrentCase(r);
  else await fileCase(r);
  // Every case makes exactly CALLS_PER_CASE calls.
  while (callIndex < CALLS_PER_CASE) await filler(r);
}

for (let index = START; index < END; index += STRIDE) {
  try {
    await runCase(index);
  } catch (e) {
    // A failure of the fuzzer's own setup (not of a call under test): reported, case abandoned.
    emit({ t: 'setup-error', case: index, call: callIndex, message: e instanceof Error ? `${e.message}\n${e.stack}` : show(e) });
  }
}
emit({ t: 'exit' });
if (!arg('tmp', undefined)) fs.rmSync(TMP, { recursive: true, force: true });
process.exit(0);
