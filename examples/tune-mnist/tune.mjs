// Tune the MNIST network of examples/mnist: random search, coarse to fine, on 2 worker threads.
// Searches the learning rate α (log scale), Adam's β1 (1 − β1 on a log scale), the L2 λ (log
// scale) and dropout's keep_prob (uniform), with a small epoch budget per trial, then reports the
// best config's dev accuracy against the library defaults' (same epochs, same seed).
//   node examples/tune-mnist/tune.mjs [--trials 24] [--rounds 3] [--epochs 8] [--workers 2] [--seed 1]
//   node examples/tune-mnist/tune.mjs --help       (every flag, with its default)
//   node examples/tune-mnist/tune.mjs --report tuning.html   (dev accuracy per hyperparameter, rounds)
import { fileURLToPath } from 'node:url';
import {
  randomSearch, runTrialsInWorkers, formatTrials, threadsPerTrial,
  logUniform, oneMinusLogUniform, uniform,
} from 'tunenet';
import { parseFlags, usageError, integer } from '../cli.mjs';
import { REPORT_FLAG, writeRunReport } from '../report.mjs';

// The flags, once: --help prints this table and every value is checked against it before the
// digits are loaded (objective.mjs loads them when imported, below).
const MAX_TRIALS = 1_000_000;
const args = parseFlags({
  trials: { type: integer({ min: 1, max: MAX_TRIALS }), default: 24, description: 'trials of the search, all rounds together' },
  rounds: { type: integer({ min: 1, max: MAX_TRIALS }), default: 3, description: 'rounds, coarse to fine: each zooms in on the best 3 configs so far' },
  epochs: { type: integer({ min: 1 }), default: 8, description: 'epochs each trial trains' },
  workers: { type: integer({ min: 1 }), default: 2, description: 'worker threads, one trial at a time each' },
  seed: { type: integer({ min: 0 }), default: 1, description: 'seed of the search and of every trial\'s model' },
  report: REPORT_FLAG,
}, {
  description: 'Tune the MNIST network of examples/mnist by random search, coarse to fine, on worker threads,\n' +
    'then compare the best config with the library defaults and the hand-picked values (same epochs, same seed).',
});
const { trials, rounds, epochs, workers, seed } = args;
if (trials < rounds) usageError(`--trials: ${trials} trials cannot cover --rounds ${rounds} (need trials ≥ rounds)`);
const { DEFAULT_CONFIG, HAND_PICKED_CONFIG } = await import('./objective.mjs');
const module = fileURLToPath(new URL('./objective.mjs', import.meta.url));

const space = {
  learningRate: logUniform(1e-4, 1e-1), // α = 10^r, r uniform in [−4, −1]
  beta1: oneMinusLogUniform(0.8, 0.999), // β1 = 1 − 10^r, r uniform in [−3, log10 0.2]
  l2: logUniform(1e-5, 1), // λ
  keepProb: uniform(0.5, 1),
};
const fixed = { epochs };

console.log(
  `random search: ${trials} trials in ${rounds} round(s), ${epochs} epochs each, ${workers} workers × ` +
    `${threadsPerTrial(workers)} native thread(s), seed ${seed}`,
);
const started = performance.now();
const result = await randomSearch({
  space,
  trials,
  rounds,
  keepBest: 3,
  zoomFactor: 0.5,
  seed,
  concurrency: workers,
  fixed, // every trial trains the same number of epochs
  objective: { module, exportName: 'objective' }, // run on worker threads, one trial per worker
  onTrialEnd: (t, p) => {
    const status = Number.isFinite(t.devMetric) ? `dev ${(100 * t.devMetric).toFixed(1)}%` : `failed (${t.error})`;
    console.log(`  [${String(p.done).padStart(2)}/${p.total}] trial ${t.index} (round ${t.round}) ${status} in ${t.seconds.toFixed(1)} s; best so far ${(100 * (p.best?.devMetric ?? NaN)).toFixed(1)}%`);
  },
});
const searchSeconds = (performance.now() - started) / 1000;

console.log(`\nall trials, best first (search took ${searchSeconds.toFixed(1)} s):`);
console.log(formatTrials(result.trials, { sortBy: 'devMetric' }));
for (const [r, s] of result.spaces.entries()) {
  const ranges = Object.entries(s).map(([k, d]) => `${k} [${d.lo.toPrecision(3)}, ${d.hi.toPrecision(3)}]`).join(', ');
  console.log(`round ${r} space: ${ranges}`);
}
console.log('\nbest config:', result.bestConfig);
await writeRunReport(args.report, result, { title: 'Tuning the MNIST network', metricName: 'dev accuracy' });

// The comparison: same epochs, same model seed, same per-trial thread budget; test accuracy is
// reported for both, and was never used to choose.
const compared = [
  ['library defaults', DEFAULT_CONFIG],
  ['hand-picked (examples/mnist)', HAND_PICKED_CONFIG],
  ['tuned (best of the search)', result.bestConfig],
];
const runs = await runTrialsInWorkers({
  module,
  configs: compared.map(([, c]) => ({ ...c, ...fixed, reportTest: true })),
  concurrency: workers,
  seed,
});
console.log(`\n${epochs} epochs each, seed ${seed}:`);
const pct = (v) => `${(100 * v).toFixed(1)}%`;
for (const [i, [name, c]] of compared.entries()) {
  const r = runs[i].result;
  console.log(
    `  ${name.padEnd(30)} α ${c.learningRate.toExponential(2)}  β1 ${c.beta1.toFixed(4)}  λ ${c.l2 === 0 ? '0' : c.l2.toExponential(2)}` +
      `  keep ${c.keepProb.toFixed(3)}   dev ${pct(r.devMetric)}  test ${pct(r.testAccuracy)}`,
  );
}
const [def, , best] = runs.map((r) => r.result);
console.log(`\ntuned vs defaults: dev ${pct(best.devMetric)} vs ${pct(def.devMetric)} (${best.devMetric > def.devMetric ? 'better' : 'not better'}), test ${pct(best.testAccuracy)} vs ${pct(def.testAccuracy)}`);
