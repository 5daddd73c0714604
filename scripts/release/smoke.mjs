// What an installed tunenet must do, run from a project that installed it (scripts/check-pack.sh):
// a GEMM and an Adam step with known answers, then a short fit that must at least halve the loss. Prints one
// line with the training speed so binaries (native, WebAssembly) can be compared.
//   node smoke.mjs [epochs]
import { gemm, optimizerStep, sequential, dense, relu, adam } from 'tunenet';

const c = gemm(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), null, { m: 2, n: 2, k: 2 });
if (String(Array.from(c)) !== '19,22,43,50') throw new Error(`gemm gave ${Array.from(c)}`);
const step = optimizerStep(new Float32Array([1]), new Float32Array([0.5]), null, null, { kind: 'adam', learningRate: 0.1, step: 1 });
if (Math.abs(step.w[0] - 0.9) > 1e-6) throw new Error(`adam gave ${step.w[0]}`);

// Two Gaussian blobs in 64 dimensions, labels by blob: separable, so the loss must fall.
const rows = 4096;
const features = 64;
const x = new Float32Array(rows * features);
const y = new Int32Array(rows);
let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) + 0.5) / 2 ** 32;
for (let i = 0; i < rows; i++) {
  y[i] = i % 2;
  for (let j = 0; j < features; j++) {
    const gaussian = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    x[i * features + j] = gaussian + (y[i] === 1 ? 0.3 : -0.3);
  }
}
const model = sequential({ inputSize: features, seed: 1, layers: [dense(256), relu(), dense(256), relu(), dense(2)], output: 'softmax' });
const epochs = Number(process.argv[2] ?? 5);
const before = (await model.evaluate(x, y)).loss;
const started = process.hrtime.bigint();
const history = await model.fit(x, y, { epochs, batchSize: 64, optimizer: adam({ learningRate: 1e-3 }), verbose: 0 });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const after = (await model.evaluate(x, y)).loss;
if (!(after < before * 0.5)) throw new Error(`loss did not fall: ${before} before fit, ${after} after`);
const samplesPerSecond = Math.round((rows * epochs) / seconds);
console.log(`gemm ok, adam ok, fit ${epochs} epochs (${history.epochs.length} run): loss ${before.toFixed(4)} -> ${after.toFixed(4)}, ${samplesPerSecond} samples/s`);
