// What the progress bar costs (issue 10, "Watching"): MNIST training throughput with
// `verbose: 1` against `verbose: 0`, on the network of bench/mnist.mjs (variant A:
// 784-256-128-10, ReLU, Adam 1e-3, batch 128, 8,000 digits). The bar draws into a stream that
// says it is a terminal and writes to /dev/null, so it redraws at its terminal rate (5 per
// second, escape codes and all) as it would on a screen. Runs alternate (silent, bar, bar,
// silent, …) so drift of the machine's speed falls on both; each mode's samples/s is the median
// over its runs of (examples trained / seconds of the run's epochs). The digits are repeated
// (--repeat) so that an epoch lasts long enough (~1 s) for the bar to poll and redraw several
// times in it; at 8,000 digits an epoch ends before the first poll. Target: ratio ≥ 0.98.
//   node bench/progress.mjs [--rounds 6] [--epochs 2] [--repeat 20] [--threads N] [--json]
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { openSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import { median } from './lib.mjs';
import { sequential, dense, relu, adam, split } from './tunenet.mjs';

const require = createRequire(import.meta.url);
const { loadDigits } = require('../examples/mnist/data.js');
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    epochs: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '20' },
    threads: { type: 'string', default: String(os.availableParallelism()) },
    json: { type: 'boolean', default: false },
  },
});
const [rounds, epochs, repeat, threads] = [Number(args.rounds), Number(args.epochs), Number(args.repeat), Number(args.threads)];

const digits = loadDigits();
const digitSplit = split(digits.x, digits.y, { train: 8000, dev: 1000, test: 1000 }, { seed: 1, stratify: true }).train;
const train = { x: new Float32Array(digitSplit.x.length * repeat), y: new Uint8Array(digitSplit.y.length * repeat) };
for (let k = 0; k < repeat; k++) {
  train.x.set(digitSplit.x, k * digitSplit.x.length);
  train.y.set(digitSplit.y, k * digitSplit.y.length);
}

const devNull = openSync('/dev/null', 'w');
const screen = { isTTY: true, columns: 120, redraws: 0, write(text) { if (text.includes('epoch ')) this.redraws++; writeSync(devNull, text); return true; } };

async function run(verbose) {
  const model = sequential({ inputSize: 784, seed: 1, threads, layers: [dense(256), relu(), dense(128), relu(), dense(10)] });
  const history = await model.fit(train.x, train.y, {
    epochs,
    batchSize: 128,
    optimizer: adam({ learningRate: 1e-3 }),
    verbose,
    verboseStream: screen,
  });
  const seconds = history.epochs.reduce((s, e) => s + e.seconds, 0);
  return (train.y.length * epochs) / seconds;
}

await run(0); // warm-up: page in the data and the thread pool
const rates = { 0: [], 1: [] };
for (let r = 0; r < rounds; r++) {
  for (const verbose of r % 2 === 0 ? [0, 1] : [1, 0]) rates[verbose].push(await run(verbose));
}
closeSync(devNull);
const silent = median(rates[0]);
const bar = median(rates[1]);
const result = {
  silentSamplesPerSecond: Math.round(silent),
  barSamplesPerSecond: Math.round(bar),
  ratio: +(bar / silent).toFixed(4),
  barRedraws: screen.redraws,
  examplesPerEpoch: train.y.length,
  runsPerMode: rounds,
  epochsPerRun: epochs,
};
if (args.json) {
  process.stdout.write(`${JSON.stringify({ result })}\n`);
} else {
  console.log(`tunenet progress bar cost: ${threads} threads, ${os.cpus()[0].model}, ${rounds} runs × ${epochs} epochs per mode on ${digitSplit.y.length} digits × ${repeat}`);
  console.table([{ ...result, silentRuns: rates[0].map(Math.round).join(' '), barRuns: rates[1].map(Math.round).join(' ') }]);
  console.log(result.ratio >= 0.98 ? 'within 2% of silent' : 'MORE than 2% slower than silent');
}
