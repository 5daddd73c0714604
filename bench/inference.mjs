// Inference (issue 13, target 4): tunenet's predict against onnxruntime-node running the same
// model exported with exportOnnx. The MNIST network of bench/run.mjs (784-256-128-10, variant A:
// plain; variant B: batch norm + dropout), trained one epoch so the weights are not the initial
// ones. Both on 1 thread (ORT intra-op 1), the same inputs:
//   - latency at batch 1: p50 and p99 of N calls (default 10,000), each awaited before the next;
//   - throughput at batch 1,024: samples/s over repeated calls, the contestants interleaved in
//     rounds (the ratio is the median of the rounds' ratios).
// Outputs are checked equal within 1e-5 first. Like for like is predictSync: onnxruntime-node's
// session.run (1.30) runs the model on the JavaScript thread, reading the input where it lies (its
// promise only defers that synchronous call with setImmediate; onnxruntime issues #19611, #26968),
// as predictSync does; predict frees the event loop, for the price of copying its input first.
//
//   node bench/inference.mjs [--calls 10000] [--variant A|B] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { commandLine, median, readSplit } from './lib.mjs';
import { exportSplit } from './export-split.mjs';
import { setupTunenet } from './setup.mjs';
import { sequential, dense, batchNorm, relu, dropout, adam, exportOnnx } from './tunenet.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const { option, flag } = commandLine();
const calls = Number(option('calls', '10000'));
const variant = option('variant', 'A');

setupTunenet();
exportSplit();
const d = readSplit();
const block = (units) => (variant === 'B' ? [dense(units, { init: 'he' }), batchNorm(), relu(), dropout({ keepProb: 0.8 })] : [dense(units, { init: 'he' }), relu()]);
const model = sequential({ inputSize: d.features, seed: 1, threads: 1, layers: [...block(256), ...block(128), dense(d.classes)], output: 'softmax' });
await model.fit(d.trainX, d.trainY, { epochs: 1, batchSize: 128, optimizer: adam({ learningRate: 1e-3 }), verbose: 0 });

const dir = mkdtempSync(path.join(os.tmpdir(), 'tunenet-inference-'));
const file = path.join(dir, 'mnist.onnx');
await exportOnnx(model, file);
const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
const session = await ort.InferenceSession.create(file, options);
rmSync(dir, { recursive: true, force: true });

const rows = (start, n) => d.testX.subarray(start * d.features, (start + n) * d.features);
const ortRun = async (x, n) => (await session.run({ input: new ort.Tensor('float32', x, [n, d.features]) })).output.data;
const ours = async (x) => (await model.predict(x)).probabilities;
const oursSync = typeof model.predictSync === 'function' ? (x) => model.predictSync(x).probabilities : null;

// Same answers first.
{
  const x = rows(0, 256);
  const [a, b] = [await ours(x), await ortRun(x, 256)];
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  if (!(worst < 1e-5)) throw new Error(`outputs differ: max |Δ| ${worst}`);
  console.error(`inference: outputs agree (max |Δ| ${worst.toExponential(2)} over 256 rows)`);
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
async function latency(fn) {
  const us = new Float64Array(calls);
  const test = d.test;
  for (let i = 0; i < 500; i++) await fn(rows(i % test, 1), 1); // warm-up
  for (let i = 0; i < calls; i++) {
    const x = rows(i % test, 1);
    const t0 = process.hrtime.bigint();
    await fn(x, 1);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  us.sort();
  return { p50: quantile(us, 0.5), p99: quantile(us, 0.99) };
}
/**
 * Throughput at batch 1,024, the contestants interleaved: rounds of ~0.25 s each, in an order that
 * rotates every round; each contestant's samples/s is the median of its rounds, and its ratio to
 * onnxruntime the median of the rounds' ratios. On this shared VM the host's speed drifts over
 * seconds by more than the few per cent between the contestants; within a round it does not.
 */
async function throughputRounds(contestants, { batch = 1024, rounds = 12, seconds = 0.25 } = {}) {
  const x = d.trainX.subarray(0, batch * d.features); // training rows: the test part has only 1,000
  const names = Object.keys(contestants);
  for (const name of names) for (let i = 0; i < 3; i++) await contestants[name](x, batch);
  const rates = Object.fromEntries(names.map((name) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(r + i) % names.length];
      let done = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        await contestants[name](x, batch);
        done += batch;
      }
      rates[name].push(done / ((performance.now() - t0) / 1000));
    }
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        batch,
        rounds,
        samplesPerSecond: median(rates[name]),
        ratioToOnnxruntime: median(rates[name].map((v, i) => v / rates.onnxruntime[i])),
      },
    ]),
  );
}

const throughputs = await throughputRounds({ tunenet: ours, onnxruntime: ortRun, ...(oursSync ? { tunenetSync: oursSync } : {}) });
const results = {
  variant,
  calls,
  tunenet: { ...(await latency(ours)), throughput: throughputs.tunenet },
  onnxruntime: { ...(await latency(ortRun)), throughput: throughputs.onnxruntime, version: require('onnxruntime-node/package.json').version },
};
if (oursSync) results.tunenetSync = { ...(await latency(oursSync)), throughput: throughputs.tunenetSync };

// Where predictSync stops paying: its forward blocks the event loop, predict's runs on the pool
// after a hop. The median latency of both at growing batch sizes (training rows), called alternately.
if (oursSync) {
  const sizes = [1, 8, 32, 128, 512, 1024];
  const per = [];
  for (const n of sizes) {
    const x = d.trainX.subarray(0, n * d.features);
    // The two alternate call by call: a drift of the host's speed hits both alike.
    const us = { predict: [], predictSync: [] };
    const time = async (fn) => {
      const t0 = process.hrtime.bigint();
      await fn(x);
      return Number(process.hrtime.bigint() - t0) / 1000;
    };
    for (let i = 0; i < 300; i++) {
      us.predict.push(await time(ours));
      us.predictSync.push(await time(oursSync));
    }
    per.push({ batch: n, predictUs: median(us.predict), predictSyncUs: median(us.predictSync) });
  }
  results.bySize = per;
  // predict itself runs inline — predictSync's path — while rows × parameters ≤ 2^23 (src/model.ts),
  // so the two differ only above that: there predict pays the hop to a worker and the copy.
  const inlineRows = Math.floor(2 ** 23 / model.countParams());
  const above = per.filter((p) => p.batch > inlineRows);
  const saved = (p) => `${Math.round(100 * (1 - p.predictSyncUs / p.predictUs))} % at batch ${p.batch}`;
  results.crossover = `predict runs inline like predictSync up to ${inlineRows} rows of this model; above, predictSync saves ${above.map(saved).join(', ')} (predict's copy and hop to a worker), but holds the event loop for its whole forward pass (${per.at(-1).predictSyncUs.toFixed(0)} µs at ${sizes.at(-1)})`;
}

const fmt = (v) => v.toFixed(1).padStart(8);
console.log(`inference, MNIST 784-256-128-10 variant ${variant}, 1 thread, batch 1: ${calls} calls awaited one at a time; throughput at batch ${results.tunenet.throughput.batch}`);
console.log('                       p50 µs    p99 µs   samples/s');
for (const [name, r] of Object.entries(results).filter(([, r]) => r && r.p50 !== undefined)) {
  console.log(`${name.padEnd(20)} ${fmt(r.p50)}  ${fmt(r.p99)}  ${Math.round(r.throughput.samplesPerSecond).toString().padStart(10)}`);
}
const o = results.onnxruntime;
for (const name of ['tunenet', 'tunenetSync']) {
  const r = results[name];
  if (!r) continue;
  console.log(`${name}: p50 ratio (ORT / ours, > 1 = faster) ${(o.p50 / r.p50).toFixed(2)}, p99 ${(o.p99 / r.p99).toFixed(2)}, throughput ratio ${r.throughput.ratioToOnnxruntime.toFixed(2)} (median of ${r.throughput.rounds} interleaved rounds)`);
}
if (results.bySize) {
  console.log('median latency by batch size (µs): ' + results.bySize.map((p) => `${p.batch}: predict ${p.predictUs.toFixed(0)}, predictSync ${p.predictSyncUs.toFixed(0)}`).join('; '));
  console.log(results.crossover);
}
if (flag('json')) console.log(JSON.stringify(results));
