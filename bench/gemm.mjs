// GEMM benchmark: tunenet's Rust GEMM (gemm crate, AVX-512) vs numpy/OpenBLAS, f32, 1 and 2 threads.
//
//   node bench/gemm.mjs [--quick]
//
// 1. bench/setup-python.sh makes bench/.venv with numpy + threadpoolctl (idempotent).
// 2. cargo run --release -p tunenet-core --example gemm_gflops -- --json   (tunenet + matrixmultiply)
// 3. bench/gemm_numpy.py --json, started with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset
//    (they are set on some machines for old OpenBLAS builds and force a slower kernel).
// The sides run one after the other, never concurrently. Prints one table and the minimum
// tunenet/numpy ratio at n ≥ 256, and writes bench/results/gemm-latest.json.
//
// Both sides report the best batch rate of ≥ 0.3 s per point (0.1 s with --quick); medians are
// kept in the JSON. Other
// processes on the machine skew the 2-thread figures most; the "other load" line estimates how
// much CPU the rest of the machine used while each side ran (from /proc/stat), and each side
// waits (up to 2 min) for the machine to be quiet before it starts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const quick = process.argv.includes('--quick');

function fail(msg) {
  console.error(`gemm.mjs: ${msg}`);
  process.exit(1);
}

/** Runs a command with stdout captured (stderr shown); exits on failure. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    ...opts,
  });
  if (r.error) fail(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r.stdout;
}

function jsonLines(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

// --- CPU accounting: how busy was the machine apart from our own children? ---------------
const ticksPerSec = 100; // USER_HZ; Linux reports /proc/stat and /proc/<pid>/stat in these units
function systemBusyTicks() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user + nice + system + irq + softirq + (steal ?? 0);
}
function ownTicks() {
  // Fields after the ")" of /proc/self/stat: utime, stime, cutime, cstime are 14..17 (1-based).
  const s = readFileSync('/proc/self/stat', 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}
/** Runs fn and returns [its result, other processes' CPU use during it in cores, wall seconds]. */
function withLoad(fn) {
  const b0 = systemBusyTicks();
  const o0 = ownTicks();
  const t0 = performance.now();
  const out = fn();
  const wall = (performance.now() - t0) / 1000;
  const other = Math.max(0, systemBusyTicks() - b0 - (ownTicks() - o0)) / ticksPerSec / wall;
  return [out, other, wall];
}

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
/** Waits (up to maxSec) until the rest of the machine uses < 0.15 cores over a 1 s window. */
function waitQuiet(label, maxSec = 120) {
  const t0 = performance.now();
  for (;;) {
    const b0 = systemBusyTicks();
    sleepMs(1000);
    const busy = (systemBusyTicks() - b0) / ticksPerSec;
    if (busy < 0.15) return;
    const waited = (performance.now() - t0) / 1000;
    if (waited > maxSec) {
      console.error(`gemm.mjs: machine still busy (${busy.toFixed(2)} cores) after ${maxSec} s; measuring ${label} anyway`);
      return;
    }
    if (waited < 1.5) console.error(`gemm.mjs: other processes use ${busy.toFixed(2)} cores; waiting for a quiet machine before ${label}…`);
  }
}

// --- 1. Python side setup (before anything is timed) -------------------------------------
if (!existsSync('/proc/stat')) fail('needs Linux (/proc/stat)');
const python = run('bash', [path.join(benchDir, 'setup-python.sh')]).trim().split('\n').pop();

// --- 2. Rust side: build first (so compile time and cargo locks stay outside the run) -------
const quickArg = quick ? ['--quick'] : [];
console.error('gemm.mjs: building the gemm_gflops example…');
run('cargo', ['build', '--release', '-p', 'tunenet-core', '--example', 'gemm_gflops']);
waitQuiet('the Rust side');
console.error('gemm.mjs: running tunenet + matrixmultiply…');
const [rustOut, rustLoad, rustWall] = withLoad(() =>
  run('cargo', ['run', '--quiet', '--release', '-p', 'tunenet-core', '--example', 'gemm_gflops', '--', '--json', ...quickArg]),
);
const rustRows = jsonLines(rustOut);

// --- 3. numpy side, with the OpenBLAS overrides removed for this process only ---------------
waitQuiet('the numpy side');
console.error('gemm.mjs: running numpy/OpenBLAS…');
const [npOut, npLoad, npWall] = withLoad(() =>
  run('env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', python, path.join(benchDir, 'gemm_numpy.py'), '--json', ...quickArg]),
);
const npLines = jsonLines(npOut);
const npInfo = npLines.find((l) => l.info)?.info ?? null;
const npRows = npLines.filter((l) => l.impl);

// --- 4. Join and print ----------------------------------------------------------------------
const key = (r) => `${r.name}|${r.threads}`;
const byImpl = (rows, impl) => new Map(rows.filter((r) => r.impl === impl).map((r) => [key(r), r]));
const tn = byImpl(rustRows, 'tunenet');
const mm = byImpl(rustRows, 'matrixmultiply');
const np = byImpl(npRows, 'numpy-openblas');

const table = [];
for (const r of rustRows.filter((x) => x.impl === 'tunenet')) {
  const n = np.get(key(r));
  const m = mm.get(key(r));
  table.push({
    name: r.name,
    m: r.m,
    n: r.n,
    k: r.k,
    trans_a: r.trans_a,
    trans_b: r.trans_b,
    threads: r.threads,
    tunenet: r.gflops,
    matrixmultiply: m?.gflops ?? null,
    numpy: n?.gflops ?? null,
    ratio: n ? r.gflops / n.gflops : null,
    mm_ratio: n && m ? m.gflops / n.gflops : null,
  });
}
table.sort((a, b) => a.threads - b.threads);

const fmt = (x, d = 1) => (x == null ? '—' : x.toFixed(d));
const shapeOf = (r) => `${r.m}×${r.k}·${r.k}×${r.n}${r.trans_a ? ' Aᵀ' : ''}${r.trans_b ? ' Bᵀ' : ''}`;
const header = ['shape', 'm×k·k×n', 'thr', 'tunenet', 'matmul.rs', 'numpy', 'tn/np', 'mm/np'];
const lines = table.map((r) => [
  r.name,
  shapeOf(r),
  String(r.threads),
  fmt(r.tunenet),
  fmt(r.matrixmultiply),
  fmt(r.numpy),
  fmt(r.ratio, 2),
  fmt(r.mm_ratio, 2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const pad = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');

const cpuModel = os.cpus()[0]?.model ?? 'unknown';
console.log(`\nf32 GEMM, GFLOP/s (2mnk/t, best batch of ≥ ${quick ? '0.1' : '0.3'} s per point) on ${cpuModel}, ${os.cpus().length} CPUs`);
if (npInfo) {
  const b = npInfo.blas.map((x) => `${x.internal_api} ${x.version} architecture=${x.architecture}`).join(', ');
  console.log(`numpy ${npInfo.numpy}, BLAS: ${b || 'none found'}`);
}
console.log(`matmul.rs = matrixmultiply crate 0.3 (threading, MATMUL_NUM_THREADS = threads)`);
console.log(
  `other load while measuring (cores busy outside this benchmark): rust side ${rustLoad.toFixed(2)} over ${rustWall.toFixed(1)} s, numpy side ${npLoad.toFixed(2)} over ${npWall.toFixed(1)} s`,
);
if (Math.max(rustLoad, npLoad) > 0.1) {
  console.log('  warning: other processes were using the CPU; 2-thread figures are unreliable — rerun on a quiet machine');
}
console.log('');
console.log(pad(header));
console.log(pad(widths.map((w) => '-'.repeat(w))));
let lastThreads = null;
for (let i = 0; i < lines.length; i++) {
  if (lastThreads !== null && table[i].threads !== lastThreads) console.log('');
  lastThreads = table[i].threads;
  console.log(pad(lines[i]));
}

// Target: tunenet ≥ 0.9× OpenBLAS at n ≥ 256 (square shapes with n ≥ 256).
const summary = {};
for (const t of [1, 2]) {
  const big = table.filter((r) => r.threads === t && r.m === r.n && r.n === r.k && r.n >= 256 && r.ratio != null);
  const mlp = table.filter((r) => r.threads === t && r.name.startsWith('mlp') && r.ratio != null);
  const minOf = (rows, field) => (rows.length ? Math.min(...rows.map((r) => r[field])) : null);
  summary[t] = {
    min_ratio_n_ge_256: minOf(big, 'ratio'),
    min_mm_ratio_n_ge_256: minOf(big.filter((r) => r.mm_ratio != null), 'mm_ratio'),
    min_ratio_mlp: minOf(mlp, 'ratio'),
  };
}
console.log('');
for (const t of [1, 2]) {
  const s = summary[t];
  console.log(
    `${t} thread${t > 1 ? 's' : ' '}: min ratio at n ≥ 256: ${fmt(s.min_ratio_n_ge_256, 2)}` +
      `  (matrixmultiply: ${fmt(s.min_mm_ratio_n_ge_256, 2)}; tunenet over the MLP shapes: ${fmt(s.min_ratio_mlp, 2)})`,
  );
}

mkdirSync(path.join(benchDir, 'results'), { recursive: true });
const outFile = path.join(benchDir, 'results', 'gemm-latest.json');
writeFileSync(
  outFile,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      quick,
      machine: { cpu: cpuModel, cpus: os.cpus().length, memory_gib: +(os.totalmem() / 2 ** 30).toFixed(1) },
      numpy: npInfo,
      other_load_cores: { rust: +rustLoad.toFixed(3), numpy: +npLoad.toFixed(3) },
      summary,
      rows: table,
      raw: [...rustRows, ...npRows],
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${path.relative(root, outFile)}`);
