// The PyTorch proof of exportTorch (issue 10, Shipping): trains a few models covering every
// layer kind, every activation and every output kind (one with a normalizer), exports each with
// exportTorch, runs the generated Python file in bench/.venv's Python with real torch (it
// rebuilds the nn.Sequential, load_state_dict's the safetensors file, applies the normalizer
// and the output transform) on raw features, and compares with tunenet's predict. Fails (exit 1)
// when a difference exceeds 1e-5 (absolute below 1, relative above). Not in CI: torch is large;
// CI checks the same files with numpy (__test__/export/torch-layout.test.ts).
//   npm run build:ts && node bench/torch-export-check.mjs [--json]
// Needs torch in bench/.venv (bash bench/setup-python.sh --torch).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchDir, cacheDir } from './lib.mjs';
import { activation, batchNorm, dense, dropout, exportTorch, Normalizer, relu, sequential } from './tunenet.mjs';

const { values: args } = parseArgs({ options: { json: { type: 'boolean', default: false } } });
const python = path.join(benchDir, '.venv', 'bin', 'python');
const TOLERANCE = 1e-5;
const ROWS = 200;
const INPUTS = 12;

const MODELS = [
  {
    name: 'softmax: dense, batchNorm, gelu, dropout, normalizer',
    layers: [dense(32), batchNorm({ momentum: 0.9 }), activation('gelu'), dropout({ keepProb: 0.8 }), dense(16), relu(), dense(4)],
    output: 'softmax',
    outputs: 4,
    normalizer: true,
  },
  {
    name: 'sigmoid multi-label: leakyRelu(0.2), elu(0.5), tanh, sigmoid',
    layers: [dense(24), activation('leakyRelu', { slope: 0.2 }), dense(16), activation('elu', { alpha: 0.5 }), dense(8), activation('tanh'), dense(8), activation('sigmoid'), dense(3)],
    output: 'sigmoid',
    outputs: 3,
  },
  {
    name: 'regression, 2 outputs: selu, softplus, swish, identity, batchNorm on the input',
    layers: [batchNorm(), dense(24), activation('selu'), dense(16), activation('softplus'), dense(16), activation('swish'), dense(8), activation('identity'), dense(2)],
    output: 'linear',
    outputs: 2,
  },
];

/** Deterministic features and targets (a small LCG: variety, not quality). */
function data(model, seed) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const raw = Float32Array.from({ length: ROWS * INPUTS }, (_, i) => (model.normalizer ? 300 + 25 * (i % INPUTS) : 0) + (next() - 0.5) * (model.normalizer ? 80 : 6));
  return raw;
}

function targets(model, x) {
  const y = new Float32Array(ROWS * model.outputs);
  for (let i = 0; i < ROWS; i++) {
    const score = x.subarray(i * INPUTS, (i + 1) * INPUTS).reduce((a, v, j) => a + v * (j % 3 ? 0.7 : -1), 0);
    for (let j = 0; j < model.outputs; j++) {
      if (model.output === 'softmax') y[i * model.outputs + j] = Math.abs(Math.floor(score)) % model.outputs === j ? 1 : 0;
      else if (model.output === 'sigmoid') y[i * model.outputs + j] = score + j > 0 ? 1 : 0;
      else y[i * model.outputs + j] = Math.sin(score / 3 + j) * 10;
    }
  }
  return y;
}

function maxDifference(a, b) {
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return a.length === b.length ? worst : Infinity;
}

const torchVersion = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
if (torchVersion.status !== 0) {
  console.error(`torch-export-check: no torch in ${python}; install it with: bash bench/setup-python.sh --torch`);
  process.exit(2);
}
const dir = path.join(cacheDir, 'torch-export');
mkdirSync(dir, { recursive: true });

const results = [];
for (const [k, spec] of MODELS.entries()) {
  const model = sequential({ inputSize: INPUTS, layers: spec.layers, output: spec.output, seed: k + 1 });
  const raw = data(spec, k + 11);
  let x = raw;
  if (spec.normalizer) {
    model.normalizer = Normalizer.fit(raw, INPUTS);
    x = model.normalizer.transform(raw);
  }
  await model.fit(x, targets(spec, x), { epochs: 5, batchSize: 16, verbose: 0 });
  const p = await model.predict(x);
  const expected = p.probabilities ?? p.values;

  const { snippet } = await exportTorch(model, path.join(dir, `model${k}.safetensors`));
  const rows = Array.from({ length: ROWS }, (_, i) => Array.from(raw.subarray(i * INPUTS, (i + 1) * INPUTS)));
  const run = spawnSync(python, [snippet], { input: JSON.stringify(rows), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`${snippet} failed:\n${run.stderr}`);
  const outputs = JSON.parse(run.stdout).flat();
  results.push({ model: spec.name, rows: ROWS, outputs: spec.outputs, maxDifference: maxDifference(outputs, expected) });
}

const worst = Math.max(...results.map((r) => r.maxDifference));
if (args.json) console.log(JSON.stringify({ torch: torchVersion.stdout.trim(), tolerance: TOLERANCE, results, worst }));
else {
  console.log(`torch ${torchVersion.stdout.trim()}: generated snippet vs tunenet predict, max |Δ|/max(1, |y|) over ${ROWS} rows`);
  for (const r of results) console.log(`  ${r.maxDifference.toExponential(2)}  ${r.model}`);
  console.log(`worst ${worst.toExponential(2)} (tolerance ${TOLERANCE}): ${worst <= TOLERANCE ? 'ok' : 'FAILED'}`);
}
process.exit(worst <= TOLERANCE && existsSync(dir) ? 0 : 1);
