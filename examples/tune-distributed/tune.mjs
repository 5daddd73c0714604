// The MNIST search of examples/tune-mnist over a BullMQ queue: starts redis-server (or uses
// --redis URL), starts 2 `tunenet worker` processes on this host, runs the random search with
// queueExecutor, prints the table and writes the study (JSON and Optuna's journal format).
//   node examples/tune-distributed/tune.mjs [--redis redis://host:6379] [--trials 8] [--workers 2] [--report tuning.html]
//   node examples/tune-distributed/tune.mjs --help
// More workers, on any host that reaches Redis (see README.md here):
//   npx tunenet worker --redis redis://:password@coordinator:6379 --queue tunenet-mnist --modules examples/tune-distributed
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomSearch, queueExecutor, exportStudy, formatTrials, logUniform, oneMinusLogUniform, uniform } from 'tunenet';
import { parseFlags, integer } from '../cli.mjs';
import { REPORT_FLAG, writeRunReport } from '../report.mjs';

/** A Redis URL, or 'none' to start redis-server here. */
const redisUrl = Object.freeze({
  kind: 'value',
  metavar: 'URL',
  expected: "a redis:// or rediss:// URL, or 'none'",
  read: (raw) => (raw === 'none' || /^rediss?:\/\/\S+$/.test(raw) ? raw : undefined),
});
/** A name of letters, digits, '.', '_' and '-' (a queue name, a file prefix). */
const name = Object.freeze({ kind: 'value', metavar: 'NAME', expected: "letters, digits, '.', '_' or '-'", read: (raw) => (/^[\w.-]+$/.test(raw) ? raw : undefined) });

const args = parseFlags({
  redis: { type: redisUrl, default: 'none', description: 'Redis (redis://host:6379, redis://:password@host:6379, rediss://…); none: start redis-server on 127.0.0.1' },
  queue: { type: name, default: 'tunenet-mnist', description: 'queue name the workers listen on' },
  trials: { type: integer({ min: 1 }), default: 8, description: 'trials of the search' },
  epochs: { type: integer({ min: 1 }), default: 4, description: 'epochs each trial trains' },
  workers: { type: integer({ min: 0 }), default: 2, description: 'worker processes to start on this host (0: only workers started elsewhere)' },
  seed: { type: integer({ min: 0 }), default: 1, description: 'seed of the search and of every model' },
  out: { type: name, default: 'tune-distributed-study', description: 'the study is written to <out>.json and <out>.optuna.log' },
  report: REPORT_FLAG,
}, { description: 'Tune the MNIST network of examples/tune-mnist with trials on a BullMQ queue, run by tunenet worker processes.' });
// The workers import the objective themselves; importing it here first checks that it and its
// data load before Redis and the workers start.
await import('./objective.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** redis-server on a free local port with a temporary data directory (127.0.0.1 only: never exposed). */
async function startRedis() {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunenet-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
  while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG') {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  console.log(`redis-server on 127.0.0.1:${port} (data in ${dir})`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => (server.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
}

const redis = args.redis === 'none' ? await startRedis() : { url: args.redis, stop: () => {} };
const workers = Array.from({ length: args.workers }, () => {
  const child = spawn(process.execPath, [path.join(root, 'bin/tunenet.js'), 'worker', '--redis', redis.url, '--queue', args.queue, '--modules', here], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
});

const space = {
  learningRate: logUniform(1e-4, 1e-1),
  beta1: oneMinusLogUniform(0.8, 0.999),
  l2: logUniform(1e-5, 1),
  keepProb: uniform(0.5, 1),
};
try {
  const started = performance.now();
  const result = await randomSearch({
    space,
    fixed: { epochs: args.epochs },
    trials: args.trials,
    seed: args.seed,
    objective: { module: 'objective.mjs' }, // a file name: each worker finds it in its --modules directory
    executor: queueExecutor({ connection: redis.url, queue: args.queue, study: `mnist-seed${args.seed}`, concurrency: args.trials }),
    verbose: 2,
  });
  console.log(`\n${args.trials} trials in ${((performance.now() - started) / 1000).toFixed(1)} s, best first:`);
  console.log(formatTrials(result.trials, { sortBy: 'devMetric' }));
  console.log('hosts:', [...new Set(result.trials.map((t) => t.host))].join(', '), ' attempts:', result.trials.map((t) => t.attempts).join(' '));
  await exportStudy(result, `${args.out}.json`);
  await exportStudy(result, `${args.out}.optuna.log`, { format: 'optuna', studyName: 'tunenet-mnist' });
  await writeRunReport(args.report, result, { title: 'Tuning the MNIST network over a queue', metricName: 'dev accuracy' });
  console.log(`study written to ${args.out}.json and ${args.out}.optuna.log (open it with: optuna-dashboard ${args.out}.optuna.log)`);
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve() : w.once('exit', resolve)))));
  redis.stop();
}
