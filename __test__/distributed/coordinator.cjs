// A coordinator in its own process, for the restart test: a random search over the queue (from
// dist/, as a user's script runs it); writes the result's trials as JSON to argv[4] when done.
//   node coordinator.cjs <redis url> <queue> <study> <out.json>
const { writeFileSync } = require('node:fs');
const path = require('node:path');
const { randomSearch, queueExecutor, logUniform } = require(path.resolve(__dirname, '../../dist/index.js'));

const [url, queue, study, out] = process.argv.slice(2);
randomSearch({
  space: { learningRate: logUniform(1e-5, 1) },
  fixed: { epochs: 3, epochMs: 60 },
  trials: 12,
  seed: 21,
  objective: { module: 'fake-training.cjs' },
  executor: queueExecutor({ connection: url, queue, study, concurrency: 4 }),
  verbose: 0,
}).then((r) => {
  writeFileSync(out, JSON.stringify(r.trials.map((t) => ({ index: t.index, config: t.config, devMetric: t.devMetric, attempts: t.attempts, error: t.error }))));
});
