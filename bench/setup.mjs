// Installs what the benchmark suite needs, once (idempotent; bench/run.mjs calls it first):
//  * bench/node_modules from bench/package-lock.json (`npm ci` in bench/): TensorFlow.js with its
//    wasm backend, brain.js, benchmark. brain.js 2 declares gpu.js as a peer, whose headless-gl
//    (`gl`, a native addon) is an optional peer: npm leaves it out, nothing is compiled, and
//    brain.js's CPU NeuralNetwork works without it.
//  * bench/.venv (bench/setup-python.sh --torch): numpy + threadpoolctl, and PyTorch from PyPI
//    (JAX or Keras/tensorflow-cpu if torch cannot be installed).
//  * tunenet itself: `npm run build` in the repository root when dist/ or the addon is missing.
//   node bench/setup.mjs [--build]
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, root, run } from './lib.mjs';

export function setupJs(log = console.error) {
  const marker = path.join(benchDir, 'node_modules', '.package-lock.json');
  const lock = path.join(benchDir, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return false;
  log('setup: installing the bench peers (npm ci in bench/)…');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: benchDir, stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

/** Returns the venv's python. */
export function setupPython() {
  return run('bash', [path.join(benchDir, 'setup-python.sh'), '--torch']).trim().split('\n').pop();
}

export function setupTunenet({ force = false, log = console.error } = {}) {
  const built = existsSync(path.join(root, 'dist', 'index.mjs')) && readdirSync(root).some((f) => f.endsWith('.node'));
  if (built && !force) return false;
  log('setup: building tunenet (npm run build)…');
  run('npm', ['run', 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  setupTunenet({ force: process.argv.includes('--build') });
  setupJs();
  console.log(`python: ${setupPython()}`);
}
