// JS-level timings for bench/run.mjs (sections 1–2), with the `benchmark` package: tunenet's
// native kernels as a JS user calls them (napi: typed arrays in, new typed arrays out) against
// the pure-TS reference kernels (`reference` export), one tiny native call, and one fused
// mini-batch training step (`model.trainStep`, batch 128) of the MNIST network.
//   node bench/kernels_js.mjs [--quick] [--threads 1,2]
// Prints one JSON object per line: {"kind", "name", "impl", "us" (mean per call), "bestUs" (the
// fastest benchmark.js sample), "rme" (%), …}.
import { createRequire } from 'node:module';
import { readSplit } from './lib.mjs';
import * as tn from './tunenet.mjs';

const require = createRequire(import.meta.url);
const Benchmark = require('benchmark');
const quick = process.argv.includes('--quick');
const threadsArg = process.argv.indexOf('--threads');
const threadCounts = threadsArg >= 0 ? process.argv[threadsArg + 1].split(',').map(Number) : [1];
const ref = tn.reference;

function time(fn, maxTime = quick ? 0.25 : 1) {
  const b = new Benchmark(fn.name || 'fn', fn, { maxTime, minSamples: 5, initCount: 1 });
  b.run();
  if (b.error) throw b.error;
  // `bestUs`: the fastest sample (each a batch of calls), as the core's Rust benches report theirs.
  return { us: b.stats.mean * 1e6, bestUs: Math.min(...b.stats.sample) * 1e6, rme: b.stats.rme, samples: b.stats.sample.length };
}

const emit = (row) => process.stdout.write(`${JSON.stringify(row)}\n`);
let seed = 1;
const rand = (n) => {
  const r = new ref.Rng(seed++);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r.nextF32 ? r.nextF32() * 2 - 1 : (r.nextU32() / 2 ** 32) * 2 - 1;
  return a;
};

// --- GEMM through the JS API vs the reference, square n (1 thread) -----------------------------
for (const n of quick ? [64] : [64, 128]) {
  const a = rand(n * n);
  const b = rand(n * n);
  const c = new Float32Array(n * n);
  const flops = 2 * n * n * n;
  const native = time(function gemmNative() {
    tn.gemm(a, b, null, { m: n, n, k: n });
  });
  const reference = time(function gemmReference() {
    ref.gemm({ m: n, n, k: n }, 1, a, b, 0, c);
  });
  for (const [impl, t] of [['native', native], ['reference', reference]]) {
    emit({ kind: 'gemm', name: `square ${n}`, impl, ...t, gflops: flops / (t.us * 1e3) });
  }
}

// --- Memory-bound kernels at the MLP size ---------------------------------------------------------
{
  const m = 128;
  const n = 256;
  const x = rand(m * n);
  const dy = rand(m * n);
  const gamma = Float32Array.from({ length: n }, (_, i) => 1 + 0.001 * i);
  const beta = rand(n);
  const bytesBn = 6 * 4 * m * n;
  const nativeBn = time(function batchNormNative() {
    const f = tn.batchNormForwardTrain(x, gamma, beta, 1e-3);
    tn.batchNormBackward(dy, f.xHat, f.variance, gamma, 1e-3);
  });
  const referenceBn = time(function batchNormReference() {
    const f = ref.batchNormForwardTrain(x, gamma, beta, 1e-3);
    ref.batchNormBackward(dy, f.xHat, f.variance, gamma, 1e-3);
  });
  for (const [impl, t] of [['native', nativeBn], ['reference', referenceBn]]) {
    emit({ kind: 'kernel', name: 'batchnorm fwd+bwd', shape: `${m}×${n}`, impl, ...t, bytes: bytesBn, gbps: bytesBn / (t.us * 1e3) });
  }
  const bytesDrop = 3 * 4 * m * n;
  const nativeDrop = time(function dropoutNative() {
    tn.dropoutForward(x, 0.8, 7);
  });
  const rng = new ref.Rng(7);
  const referenceDrop = time(function dropoutReference() {
    ref.dropoutForward(x, 0.8, rng);
  });
  for (const [impl, t] of [['native', nativeDrop], ['reference', referenceDrop]]) {
    emit({ kind: 'kernel', name: 'dropout fwd', shape: `${m}×${n}`, impl, ...t, bytes: bytesDrop, gbps: bytesDrop / (t.us * 1e3) });
  }
  const len = 784 * 256;
  let w = rand(len);
  const g = rand(len);
  let v = new Float32Array(len);
  let s = new Float32Array(len);
  let step = 0;
  const nativeAdam = time(function adamNative() {
    step++;
    const r = tn.optimizerStep(w, g, v, s, { kind: 'adam', learningRate: 1e-3, step });
    w = r.w;
    v = r.v;
    s = r.s;
  });
  const w2 = rand(len);
  const v2 = new Float32Array(len);
  const s2 = new Float32Array(len);
  let step2 = 0;
  const referenceAdam = time(function adamReference() {
    step2++;
    ref.adamStep(w2, g, v2, s2, 1e-3, 0.9, 0.999, 1e-8, step2);
  });
  const bytesAdam = 7 * 4 * len;
  for (const [impl, t] of [['native', nativeAdam], ['reference', referenceAdam]]) {
    emit({ kind: 'kernel', name: 'adam update', shape: '784×256', impl, ...t, bytes: bytesAdam, gbps: bytesAdam / (t.us * 1e3) });
  }
}

// --- Call overhead: one tiny native call ------------------------------------------------------------
{
  const z = new Float32Array(1);
  const b = new Float32Array(1);
  const one = new Float32Array(1);
  emit({ kind: 'call', name: 'addBias 1×1', impl: 'native', ...time(function addBiasNative() { tn.addBias(z, b); }) });
  emit({ kind: 'call', name: 'addBias 1×1', impl: 'reference', ...time(function addBiasReference() { ref.addBias(z, b); }) });
  emit({ kind: 'call', name: 'gemm 1×1·1×1', impl: 'native', ...time(function gemmOne() { tn.gemm(one, one, null, { m: 1, n: 1, k: 1 }); }) });
}

// --- One fused training step of the MNIST network (batch 128) -------------------------------------
{
  const d = readSplit();
  const m = 128;
  const xb = d.trainX.slice(0, m * d.features);
  const yb = d.trainY.slice(0, m);
  for (const threads of threadCounts) {
    for (const variant of ['A', 'B']) {
      const block = (units) =>
        variant === 'B'
          ? [tn.dense(units, { l2: 1e-4 }), tn.batchNorm(), tn.relu(), tn.dropout({ keepProb: 0.8 })]
          : [tn.dense(units), tn.relu()];
      const model = tn.sequential({
        inputSize: 784,
        seed: 1,
        threads,
        layers: [...block(256), ...block(128), tn.dense(10, { l2: variant === 'B' ? 1e-4 : 0 })],
        optimizer: tn.adam({ learningRate: 1e-3 }),
      });
      const t = time(function trainStep() {
        model.trainStep(xb, yb);
      });
      emit({ kind: 'trainStep', name: `trainStep batch ${m} variant ${variant}`, variant, threads, impl: 'native', ...t });
    }
  }
}
