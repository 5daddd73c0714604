// Helpers shared by bench/run.mjs and the per-framework trainers: paths, child processes, the
// machine's other load, the exported MNIST split, memory readings, small statistics.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(benchDir, '..');
export const cacheDir = path.join(benchDir, '.cache');
export const splitFile = path.join(cacheDir, 'mnist-split.bin');

export class CommandError extends Error {}

/** Runs a command with stdout captured (stderr passed through); throws CommandError on failure. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    ...opts,
  });
  if (r.error) throw new CommandError(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new CommandError(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

/** The lines of `text` that are JSON objects, parsed. */
export function jsonLines(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

/**
 * The JSON lines of several passes of one benchmark merged, each point (`name`, `threads`, `impl`)
 * at its best `gflops` over the passes; lines that are not points (`info`) from the first pass
 * that has them. Failed passes (null) are skipped; null when all failed.
 */
export function bestPerPoint(passes) {
  const ran = passes.filter(Boolean);
  if (!ran.length) return null;
  const best = new Map();
  for (const line of ran.flat().filter((l) => l.impl)) {
    const key = `${line.name}|${line.threads}|${line.impl}`;
    if (!(best.get(key)?.gflops >= line.gflops)) best.set(key, line);
  }
  return [...ran[0].filter((l) => !l.impl), ...best.values()];
}

export const mean = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;
/** The sample standard deviation (n − 1; 0 for a single value). */
export const sd = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);

export const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// --- CPU accounting: how busy was the machine apart from our own children? ------------------
const ticksPerSec = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat
function systemBusyTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user + nice + system + irq + softirq + (steal ?? 0);
}
function ownTicks() {
  // After the ")" of /proc/self/stat: utime, stime, cutime, cstime (waited-for children).
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

/** Runs fn (synchronous, children waited for) → [result, other processes' CPU use in cores, wall s]. */
export function withLoad(fn) {
  const b0 = systemBusyTicks();
  const o0 = ownTicks();
  const t0 = performance.now();
  const out = fn();
  const wall = (performance.now() - t0) / 1000;
  const other = Math.max(0, systemBusyTicks() - b0 - (ownTicks() - o0)) / ticksPerSec / wall;
  return [out, other, wall];
}

export function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Waits (up to maxSec) until the rest of the machine uses < 0.15 cores over a 1 s window (other
 * agents compile on the same 2 cores). Returns the seconds waited.
 */
export function waitQuiet(label, maxSec = 120, log = console.error) {
  const t0 = performance.now();
  for (;;) {
    const b0 = systemBusyTicks();
    sleepMs(1000);
    const busy = (systemBusyTicks() - b0) / ticksPerSec;
    const waited = (performance.now() - t0) / 1000;
    if (busy < 0.15) return waited;
    if (waited > maxSec) {
      log(`bench: machine still busy (${busy.toFixed(2)} cores) after ${maxSec} s; measuring ${label} anyway`);
      return waited;
    }
    if (waited < 1.5) log(`bench: other processes use ${busy.toFixed(2)} cores; waiting for a quiet machine before ${label}…`);
  }
}

// --- The exported MNIST split (written by run.mjs with tunenet's `split`) ---------------------
// Layout (little-endian): "TNMNIST1", u32 train, u32 test, u32 features, u32 classes, 8 bytes of
// padding (header 32 bytes), then train X f32 [train·features], test X f32, train y u8, test y u8.
export const SPLIT_MAGIC = 'TNMNIST1';
export const SPLIT_HEADER = 32;

export function readSplit(file = splitFile) {
  const buf = readFileSync(file);
  if (buf.subarray(0, 8).toString('latin1') !== SPLIT_MAGIC) throw new Error(`${file}: not a tunenet MNIST split`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const [train, test, features, classes] = [8, 12, 16, 20].map((o) => dv.getUint32(o, true));
  // Views on the file's own bytes (no second copy, so the RSS after loading is the data itself);
  // every f32 block starts at a multiple of 4 when the buffer does.
  const aligned = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  let off = aligned.byteOffset + SPLIT_HEADER;
  const take = (Type, count) => {
    const view = new Type(aligned.buffer, off, count);
    off += count * Type.BYTES_PER_ELEMENT;
    return view;
  };
  const trainX = take(Float32Array, train * features);
  const testX = take(Float32Array, test * features);
  const trainY = take(Uint8Array, train);
  const testY = take(Uint8Array, test);
  return { train, test, features, classes, trainX, trainY, testX, testY };
}

// --- Memory: RSS now and the process's peak, in MiB ---------------------------------------------
export const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
export const maxRssMiB = () => process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB

/** What every trainer prints as its last stdout line. */
export function printResult(result) {
  process.stdout.write(`${JSON.stringify({ result })}\n`);
}

/** Per-epoch samples/s → the median of epochs 2…N (epoch 1 carries warm-up and compilation). */
export function summarizeEpochs(epochSeconds, samples) {
  const rates = epochSeconds.map((s) => samples / s);
  return { epochSeconds, samplesPerSecond: median(rates.length > 1 ? rates.slice(1) : rates) };
}

/** Command-line flags of the trainers: --variant A|B --epochs N --threads T [--backend …]. */
export function trainerArgs(argv = process.argv.slice(2)) {
  const get = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  return {
    variant: get('variant', 'A'),
    epochs: Number(get('epochs', '5')),
    threads: Number(get('threads', '1')),
    backend: get('backend', null),
    seed: Number(get('seed', process.env.TUNENET_BENCH_SEED ?? '1')),
    batchSize: 128,
    learningRate: 1e-3,
    l2: 1e-4,
    keepProb: 0.8,
  };
}

/** `--name` flags and `--name value` options of a bench script's command line. */
export function commandLine(argv = process.argv.slice(2)) {
  const flag = (name) => argv.includes(`--${name}`);
  const option = (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
  return { flag, option };
}
