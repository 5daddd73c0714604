// Caviar vs one at a time: the same N tuning trials (fixed configs of examples/tune-mnist's
// objective: the 784-256-128-10 MNIST network, batch norm, dropout, L2, Adam) run
//   A. one at a time, 1 native thread per trial (1 worker)
//   B. one at a time, all cores per trial (1 worker, threads = cores): the fair sequential rival
//   C. on W workers at once, max(1, floor(cores / W)) threads per trial (the runner's default)
// Reports each mode's wall time for the N trials (after a warm-up job per worker, so worker start
// and data loading are timed separately) and the ratio C / A and C / B. Repeats the three modes
// interleaved and reports the median, since the machine may be busy: before each measurement it
// waits (up to 60 s) for the rest of the machine to go quiet, and it reports how many cores other
// processes used during each measurement.
//   node bench/tune-parallel.mjs [--trials 8] [--epochs 8] [--workers 2] [--repeat 3]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { TrialWorkerPool, threadsPerTrial } from './tunenet.mjs';
import { median, waitQuiet } from './lib.mjs';

// CPU accounting (Linux): busy ticks of the whole machine and of this process (all its threads,
// workers included), so that other processes' use during a measurement can be reported.
const TICKS = 100; // USER_HZ
const machineBusy = () => {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return user + nice + system + irq + softirq + (steal ?? 0);
};
const ownBusy = () => {
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};

const { values: args } = parseArgs({
  options: {
    trials: { type: 'string', default: '8' },
    epochs: { type: 'string', default: '8' },
    workers: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
  },
});
const [trials, epochs, workers, repeat] = ['trials', 'epochs', 'workers', 'repeat'].map((k) => Number(args[k]));
const cores = os.availableParallelism();
const module = fileURLToPath(new URL('../examples/tune-mnist/objective.mjs', import.meta.url));

// Fixed, typical configs (what a search would try): α, β1, λ, keep_prob.
const BASE = [
  { learningRate: 1e-3, beta1: 0.9, l2: 1e-4, keepProb: 0.9 },
  { learningRate: 3e-3, beta1: 0.99, l2: 1e-3, keepProb: 0.8 },
  { learningRate: 5e-4, beta1: 0.95, l2: 1e-5, keepProb: 0.7 },
  { learningRate: 2e-3, beta1: 0.999, l2: 3e-4, keepProb: 0.6 },
  { learningRate: 1e-2, beta1: 0.9, l2: 1e-2, keepProb: 0.9 },
  { learningRate: 7e-4, beta1: 0.98, l2: 3e-5, keepProb: 1.0 },
  { learningRate: 4e-3, beta1: 0.97, l2: 1e-4, keepProb: 0.75 },
  { learningRate: 1.5e-3, beta1: 0.93, l2: 2e-3, keepProb: 0.85 },
];
const configs = Array.from({ length: trials }, (_, i) => ({ ...BASE[i % BASE.length], epochs }));

const modes = [
  { name: 'A  one at a time', workers: 1, threads: 1 },
  { name: 'B  one at a time', workers: 1, threads: cores },
  { name: 'C  parallel', workers, threads: threadsPerTrial(workers, cores) },
];

async function measure(mode) {
  const t0 = performance.now();
  const pool = new TrialWorkerPool({ module, concurrency: mode.workers });
  try {
    // Warm-up: one 1-epoch job per worker, so every worker has started and loaded the digits.
    await Promise.all(
      Array.from({ length: mode.workers }, (_, i) => pool.execute({ ...configs[0], epochs: 1 }, { trial: -1 - i, round: 0, seed: 1, threads: mode.threads })),
    );
    const [m1, o1] = [machineBusy(), ownBusy()];
    const t1 = performance.now();
    const replies = await Promise.all(configs.map((c, i) => pool.execute(c, { trial: i, round: 0, seed: 1, threads: mode.threads })));
    const t2 = performance.now();
    const [m2, o2] = [machineBusy(), ownBusy()];
    return {
      otherCores: Math.max(0, m2 - m1 - (o2 - o1)) / TICKS / ((t2 - t1) / 1000),
      ownCores: (o2 - o1) / TICKS / ((t2 - t1) / 1000),
      startupSeconds: (t1 - t0) / 1000,
      wallSeconds: (t2 - t1) / 1000,
      trialSeconds: replies.reduce((s, r) => s + r.seconds, 0),
      dev: replies.map((r) => r.result.devMetric),
      maxInFlight: pool.maxInFlight,
    };
  } finally {
    await pool.close();
  }
}

console.log(
  `${trials} trials × ${epochs} epochs (8,000 MNIST digits, batch 128), ${cores} cores (${os.cpus()[0].model}), ` +
    `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${repeat} interleaved repetition(s)`,
);
const runs = modes.map(() => []);
for (let r = 0; r < repeat; r++) {
  for (const [m, mode] of modes.entries()) {
    waitQuiet(mode.name.trim(), 60, console.log);
    const result = await measure(mode);
    runs[m].push(result);
    console.log(
      `  rep ${r + 1}  ${mode.name.padEnd(18)} ${result.wallSeconds.toFixed(2)} s  (worker start + data ${result.startupSeconds.toFixed(2)} s;` +
        ` this process used ${result.ownCores.toFixed(2)} cores, other processes ${result.otherCores.toFixed(2)})`,
    );
  }
}
const wall = runs.map((rs) => median(rs.map((x) => x.wallSeconds)));
const rows = modes.map((mode, m) => ({
  mode: mode.name,
  workers: mode.workers,
  'threads/trial': mode.threads,
  'threads in use': mode.workers * mode.threads,
  'wall s (median)': +wall[m].toFixed(2),
  'all reps': runs[m].map((x) => x.wallSeconds.toFixed(2)).join(' '),
  'sum of trial s': +median(runs[m].map((x) => x.trialSeconds)).toFixed(2),
  'max trials at once': runs[m][0].maxInFlight,
  'other procs (cores)': runs[m].map((x) => x.otherCores.toFixed(2)).join(' '),
}));
console.table(rows);
const [a, b, c] = wall;
// Per repetition the three modes ran back to back, so their ratios share the same background.
const perRep = (k) => runs[2].map((x, r) => x.wallSeconds / runs[k][r].wallSeconds);
const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(' ');
console.log(`parallel / one-at-a-time (1 thread per trial):      ${(c / a).toFixed(2)}× of the medians; per repetition ${fmt(perRep(0))}  (target ≤ 0.6×)`);
console.log(`parallel / one-at-a-time (${cores} threads per trial):     ${(c / b).toFixed(2)}× of the medians; per repetition ${fmt(perRep(1))}`);
// Repetitions during which other processes used < 0.15 cores in all three modes: the clean comparison.
const quiet = runs[0].map((_, r) => r).filter((r) => runs.every((rs) => rs[r].otherCores < 0.15));
if (quiet.length > 0) {
  const q = (k) => median(quiet.map((r) => runs[2][r].wallSeconds / runs[k][r].wallSeconds));
  console.log(`on the ${quiet.length} quiet repetition(s) (other processes < 0.15 cores): parallel / A ${q(0).toFixed(2)}×, parallel / B ${q(1).toFixed(2)}×`);
} else {
  console.log('no repetition ran on a quiet machine (other processes ≥ 0.15 cores): the ratios above include their load');
}
const sameDev = runs[0][0].dev.every((d, i) => d === runs[2][0].dev[i]);
console.log(`dev accuracies of A and C ${sameDev ? 'identical' : 'differ'} (same configs, seed and threads per trial)`);

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/tune-parallel-latest.json', import.meta.url),
  JSON.stringify({ date: new Date().toISOString(), cores, trials, epochs, workers, repeat, loadavg: os.loadavg(), modes: rows, ratios: { parallelOverOneThread: c / a, parallelOverAllThreads: c / b }, quietRepetitions: quiet }, null, 2),
);
