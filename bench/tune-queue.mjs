// The queue executor's cost against local worker threads, on one machine:
//   1. per-trial overhead for tiny trials (an objective that returns at once): N trials with 2 in
//      flight on localWorkers({ concurrency: 2 }) and on queueExecutor with 2 `tunenet worker`
//      processes; ms per trial each and the difference (Redis round trips, job bookkeeping);
//   2. wall time of 8 MNIST trials (examples/tune-mnist's objective) on 2 queue workers vs 2 local
//      worker threads, and the ratio (target ≤ 1.1×). Both start cold: each worker thread imports
//      the objective (and loads the digits) once, inside the timed search.
// Starts its own redis-server on 127.0.0.1 (free port, temporary directory) unless --redis URL.
//   node bench/tune-queue.mjs [--tiny 200] [--trials 8] [--epochs 8] [--redis redis://…]
// Prints a line per measurement and a JSON line {"result": …} at the end.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomSearch, localWorkers, queueExecutor, logUniform, uniform } from './tunenet.mjs';
import { commandLine, printResult, root } from './lib.mjs';

const { option } = commandLine();
const tiny = Number(option('tiny', '200'));
const trials = Number(option('trials', '8'));
const epochs = Number(option('epochs', '8'));

// The modules the workers may run: written to a temporary --modules directory.
const modules = mkdtempSync(path.join(os.tmpdir(), 'tunenet-bench-modules-'));
writeFileSync(path.join(modules, 'tiny.mjs'), 'export async function objective(config) { return { devMetric: config.x, epochs: 0 }; }\n');
const mnistObjective = pathToFileURL(path.join(root, 'examples/tune-mnist/objective.mjs')).href;
writeFileSync(path.join(modules, 'mnist.mjs'), `export { objective } from ${JSON.stringify(mnistObjective)};\n`);

async function startRedis() {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tunenet-bench-redis-'));
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout?.trim() !== 'PONG') {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => (server.kill('SIGTERM'), rmSync(dir, { recursive: true, force: true })) };
}

/** `tunenet worker` processes, resolved once each has connected. */
async function startWorkers(url, queue, n) {
  return Promise.all(
    Array.from({ length: n }, () => {
      const child = spawn(process.execPath, [path.join(root, 'bin/tunenet.js'), 'worker', '--redis', url, '--queue', queue, '--modules', modules], {
        stdio: ['ignore', 'pipe', 'ignore'], // their per-trial lines would drown the results
      });
      return new Promise((resolve, reject) => {
        child.stdout.setEncoding('utf8').once('data', () => resolve(child));
        child.once('exit', (code) => reject(new Error(`a worker exited with code ${code} before connecting`)));
      });
    }),
  );
}

const redis = option('redis', '') === '' ? await startRedis() : { url: option('redis'), stop: () => {} };
const queue = `bench-${process.pid}`;
const workers = [];
const timed = async (options) => {
  const started = performance.now();
  const r = await randomSearch({ ...options, verbose: 0 });
  return { seconds: (performance.now() - started) / 1000, result: r };
};

try {
  workers.push(...(await startWorkers(redis.url, queue, 2)));
  const tinySearch = { space: { x: uniform(0, 1) }, trials: tiny, seed: 1 };
  const tinyLocal = await timed({ ...tinySearch, objective: { module: path.join(modules, 'tiny.mjs') }, executor: localWorkers({ concurrency: 2 }) });
  const tinyQueue = await timed({ ...tinySearch, objective: { module: 'tiny.mjs' }, executor: queueExecutor({ connection: redis.url, queue, concurrency: 2, study: `tiny-${Date.now()}` }) });
  const msLocal = (1000 * tinyLocal.seconds) / tiny;
  const msQueue = (1000 * tinyQueue.seconds) / tiny;
  console.log(`tiny trials (${tiny}, 2 in flight): local worker threads ${msLocal.toFixed(2)} ms/trial, queue ${msQueue.toFixed(2)} ms/trial, overhead ${(msQueue - msLocal).toFixed(2)} ms/trial`);

  const mnistSearch = {
    space: { learningRate: logUniform(1e-4, 1e-1), l2: logUniform(1e-5, 1e-1), keepProb: uniform(0.6, 1), beta1: uniform(0.85, 0.95) },
    fixed: { epochs },
    trials,
    seed: 1,
  };
  const mnistLocal = await timed({ ...mnistSearch, objective: { module: path.join(modules, 'mnist.mjs') }, executor: localWorkers({ concurrency: 2 }) });
  const mnistQueue = await timed({ ...mnistSearch, objective: { module: 'mnist.mjs' }, executor: queueExecutor({ connection: redis.url, queue, concurrency: 2, study: `mnist-${Date.now()}` }) });
  const ratio = mnistQueue.seconds / mnistLocal.seconds;
  console.log(`${trials} MNIST trials × ${epochs} epochs: 2 local worker threads ${mnistLocal.seconds.toFixed(1)} s, 2 queue workers ${mnistQueue.seconds.toFixed(1)} s, ratio ${ratio.toFixed(3)}×`);
  const same = mnistQueue.result.trials.every((t, i) => t.devMetric === mnistLocal.result.trials[i].devMetric);
  console.log(`same dev metrics trial by trial: ${same}`);
  printResult({ cores: os.availableParallelism(), tiny, msPerTrialLocal: msLocal, msPerTrialQueue: msQueue, mnistTrials: trials, epochs, secondsLocal: mnistLocal.seconds, secondsQueue: mnistQueue.seconds, ratio, same });
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve() : w.once('exit', resolve)))));
  redis.stop();
  rmSync(modules, { recursive: true, force: true });
}
