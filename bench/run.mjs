// tunenet's benchmark suite: tunenet against its peers and the hardware, in one command.
//
//   npm run bench                 (= node bench/run.mjs)         full mode, ~20 minutes
//   node bench/run.mjs --quick                                  routine check, < 2 minutes
//   options: --threads T (training threads for every framework, default 1: the JS peers are
//            single-threaded), --epochs N, --sections kernels,overhead,training,regression,
//            inference,accuracy (default all; --quick: all but accuracy; memory comes with
//            training; the GEMM-bound rows need kernels and training), --profile / --no-profile (perf profile
//            of tunenet's training run; on by default in the full mode when `perf` is installed),
//            --build (rebuild tunenet first), --no-wait (skip waiting for a quiet machine)
//
// Sections (one after another, never concurrently: the machine has 2 cores):
//  1. Kernels: f32 GEMM GFLOP/s (crates/core/examples/gemm_gflops.rs vs numpy/OpenBLAS, as
//     bench/gemm.mjs, but two passes of each side alternated, each point at its best) and through the JS API vs the pure-TS reference; batch norm fwd+bwd,
//     dropout, Adam in GB/s in the core (crates/core/examples/bench_kernels.rs) vs the measured
//     copy bandwidth, and through the JS API vs the reference (bench/kernels_js.mjs).
//  2. Call overhead: one tiny native call (µs) and one fused training step (`model.trainStep`,
//     batch 128) with its share of time outside the GEMMs; the core's step on a fixed batch and
//     its epoch loop (`run_steps`, gathering shuffled batches) timed back to back, for the
//     breakdown of a fit step printed after the tables.
//  3. Training: MNIST 784-256-128-10 on 8,000 digits (bench/export-split.mjs), variant A (plain)
//     and B (batch norm + dropout 0.8 + L2 1e-4), 5 epochs (--quick: variant A, tfjs-wasm and
//     PyTorch only, 1 thread; tfjs 'cpu' and brain.js take minutes and run in the full mode):
//     samples/s (median of epochs 2…N; the faster of two runs for tunenet, tfjs-wasm and PyTorch
//     in the full mode) and test accuracy of tunenet, TensorFlow.js 'wasm' and
//     'cpu', brain.js and PyTorch (bench/trainers/*), each in its own process.
//  4. Memory: each trainer's peak RSS, and its data set's share (RSS after loading − before).
//  5. Regression (issue 9; bench/regression.mjs): inputs-32-16-1 ReLU, MSE, Adam 3e-3, batch 32
//     on the vega-datasets cars (200 epochs) and flights-200k (5 epochs), seeds 1–3, trained by
//     tunenet, PyTorch and tfjs-wasm: test RMSE (mean of the seeds) and samples/s (median epoch)
//     (--quick: cars 100 epochs; flights 2 epochs, seed 1, tunenet and PyTorch only).
//  6. Against the hardware (issue 13): MNIST samples/s over the GEMM bound of the same run (fastest
//     GEMM GFLOP/s measured at that thread count ÷ 1.007 MFLOP per sample), also for the core's
//     epoch loop with the bound timed right before each epoch, and the ceiling measured with it
//     (the step's GEMMs and Adam's update alone over the bound; on 2 threads also with the batch
//     split in halves, one thread each, the data-parallel step), and the bound and that loop as
//     shares of the FMA peak (a register-only loop timed in the same rounds); and variant B over A
//     (also with both in one process, their epochs interleaved: bench/b-over-a.mjs).
//  7. Inference (issue 13; bench/inference.mjs): predict and predictSync against onnxruntime-node
//     on the exported MNIST network: p50/p99 latency at batch 1, throughput at batch 1,024 (the
//     contestants interleaved in rounds); and, with the kernels section, the core's predict of
//     1,024 rows against its GEMMs alone and against the FMA peak (bench_kernels core_predict).
//  8. Accuracy (issue 13; bench/accuracy.mjs, full mode): mean test accuracy over 40 seeds at equal
//     epochs, tunenet vs PyTorch with its own defaults, with the standard error of the difference.
//
// Writes bench/results/latest.json: rows {section, name, unit, value, peer, peerValue, ratio}
// (ratio > 1 means tunenet is better: faster, or smaller for times and memory; for a kernel
// against the memory bandwidth it is the fraction of the bandwidth reached) + machine info.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportSplit } from './export-split.mjs';
import { breakdownLines, regressionBench } from './regression.mjs';
import { CommandError, benchDir, bestPerPoint, commandLine, jsonLines, median, readSplit, root, run, waitQuiet, withLoad } from './lib.mjs';
import { firstLayerStepsTaken } from './sparsity.mjs';
import { setupJs, setupPython, setupTunenet } from './setup.mjs';

// --- Options ------------------------------------------------------------------------------------
const { flag, option } = commandLine();
const quick = flag('quick');
const threads = Number(option('threads', '1'));
const epochs = Number(option('epochs', '5'));
const sections = new Set(option('sections', quick ? 'kernels,overhead,training,regression,inference' : 'kernels,overhead,training,regression,inference,accuracy').split(','));
const noWait = flag('no-wait');
const started = performance.now();
const log = (...a) => console.error(...a);

// --- Setup (before anything is timed) -----------------------------------------------------------
if (!existsProc()) {
  console.error('bench: needs Linux (/proc/stat, /proc/self/statm)');
  process.exit(1);
}
function existsProc() {
  try {
    readFileSync('/proc/stat');
    return true;
  } catch {
    return false;
  }
}
setupTunenet({ force: flag('build'), log });
setupJs(log);
const python = setupPython();
if (sections.has('kernels') || sections.has('overhead')) {
  // The Rust examples serve these two sections only.
  log('bench: building the Rust bench examples…');
  run('cargo', ['build', '--quiet', '--release', '-p', 'tunenet-core', '--example', 'gemm_gflops', '--example', 'bench_kernels']);
}
const split = exportSplit();
const exe = (name) => path.join(root, 'target', 'release', 'examples', name);

const rows = [];
const notes = [];
const loads = [];
const raw = {};
function row(section, name, unit, value, peer = null, peerValue = null, { lowerIsBetter = false, ratio, detail } = {}) {
  let r = ratio ?? null;
  if (r == null && value != null && peerValue != null && peerValue !== 0 && value !== 0) r = lowerIsBetter ? peerValue / value : value / peerValue;
  rows.push({ section, name, unit, value, peer, peerValue, ratio: r, ...(detail ? { detail } : {}) });
}

/**
 * Waits for a quiet machine, then runs fn with the other load recorded under `label`. Other
 * agents compile on the same 2 cores: when they used more than 0.25 cores during the
 * measurement, it is taken again (up to `retries` times) and the least disturbed run is kept.
 */
function measured(label, fn, { retries = quick ? 1 : 2 } = {}) {
  let best = null;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const waited = noWait ? 0 : waitQuiet(label, quick ? 30 : 120, log);
    const [out, other, wall] = withLoad(fn);
    const rec = { label, otherCores: +other.toFixed(3), seconds: +wall.toFixed(1), waitedSeconds: +waited.toFixed(1), attempts: attempt };
    if (!best || other < best.rec.otherCores) best = { out, rec };
    else best.rec.attempts = attempt;
    if (other <= 0.25) break;
    if (attempt <= retries) log(`bench: other processes used ${other.toFixed(2)} cores during ${label}; measuring it again…`);
  }
  loads.push(best.rec);
  return best.out;
}

function tryRun(label, fn) {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof CommandError) && !(e instanceof SyntaxError)) throw e;
    notes.push(`${label} failed: ${e.message}`);
    log(`bench: ${label} failed: ${e.message}`);
    return null;
  }
}

// --- Machine and versions -------------------------------------------------------------------------
function cpuModel() {
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line ? line.split(':')[1].trim() : os.cpus()[0]?.model ?? 'unknown';
}
const cpuFlags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
const version = (cmd, args) => tryRun(`${cmd} --version`, () => run(cmd, args).trim().split('\n')[0]);
const pyVersions = JSON.parse(
  run(python, [
    '-c',
    'import json, sys, importlib.metadata as m\n' +
      'def v(p):\n try: return m.version(p)\n except Exception: return None\n' +
      'print(json.dumps({"python": sys.version.split()[0], "numpy": v("numpy"), "torch": v("torch"), "jax": v("jax"), "tensorflow": v("tensorflow-cpu")}))',
  ]),
);
const benchPkg = (p) => JSON.parse(readFileSync(path.join(benchDir, 'node_modules', p, 'package.json'), 'utf8')).version;
const machine = {
  cpu: cpuModel(),
  cores: os.cpus().length,
  memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  simd: ['avx512f', 'avx2', 'fma'].filter((f) => cpuFlags.includes(f)),
  os: `${os.type()} ${os.release()}`,
};
const versions = {
  tunenet: JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
  node: process.version,
  rustc: version('rustc', ['--version']),
  ...pyVersions,
  tfjs: benchPkg('@tensorflow/tfjs'),
  tfjsWasm: benchPkg('@tensorflow/tfjs-backend-wasm'),
  brainjs: benchPkg('brain.js'),
  benchmarkjs: benchPkg('benchmark'),
};
const pythonPeer = versions.torch ? `PyTorch ${versions.torch.split('+')[0]}` : versions.jax ? `JAX ${versions.jax}` : 'Keras/TF';

// --- 1. Kernels -----------------------------------------------------------------------------------
const quickArg = quick ? ['--quick'] : [];
let stepGemm = {};
let coreStep = {};
/** Variant|threads → `run_steps` over whole epochs in the core, with its ratio to train_step (bench_kernels core_epoch). */
const coreEpoch = {};
/** predictSync's core on 1,024 rows and its 3 products alone, back to back (bench_kernels core_predict): where section 7's throughput goes. */
let corePredict = null;
let membw = [];
if (sections.has('kernels') || sections.has('overhead')) {
  // Two passes of each side, alternated, each point at its best: every point is the best batch of
  // ≥ 0.3 s already, but the host's slow spells last tens of seconds (other load 0.00 meanwhile),
  // and one full run read n = 256 at 40 GFLOP/s between 90 and 92 at n = 128 and 512. A spell
  // that swallows a point in one pass rarely falls on it in the other, ~1 min apart.
  const passes = { tunenet: [], numpy: [] };
  for (let pass = 1; pass <= (quick ? 1 : 2); pass++) {
    log(`bench: kernels — GEMM (tunenet core), pass ${pass}…`);
    passes.tunenet.push(
      tryRun('gemm_gflops', () =>
        measured(`gemm tunenet #${pass}`, () => jsonLines(run(exe('gemm_gflops'), ['--json', ...quickArg, ...(quick ? ['--no-matrixmultiply'] : [])]))),
      ),
    );
    log(`bench: kernels — GEMM (numpy/OpenBLAS), pass ${pass}…`);
    passes.numpy.push(
      tryRun('gemm_numpy.py', () =>
        measured(`gemm numpy #${pass}`, () =>
          jsonLines(run('env', ['-u', 'OPENBLAS_CORETYPE', '-u', 'OPENBLAS_L2_SIZE', python, path.join(benchDir, 'gemm_numpy.py'), '--json', ...quickArg])),
        ),
      ),
    );
  }
  const [rust, np] = [bestPerPoint(passes.tunenet), bestPerPoint(passes.numpy)];
  raw.gemm = { tunenet: rust, numpy: np, passes };
  const npInfo = np?.find((l) => l.info)?.info;
  if (npInfo) versions.blas = npInfo.blas.map((b) => `${b.internal_api} ${b.version} (${b.architecture})`).join(', ');
  const key = (r) => `${r.name}|${r.threads}`;
  const npBy = new Map((np ?? []).filter((r) => r.impl).map((r) => [key(r), r]));
  const mmBy = new Map((rust ?? []).filter((r) => r.impl === 'matrixmultiply').map((r) => [key(r), r]));
  for (const r of (rust ?? []).filter((x) => x.impl === 'tunenet').sort((a, b) => a.threads - b.threads)) {
    const square = r.m === r.n && r.n === r.k;
    const shape = `${r.trans_a ? `(${r.k}×${r.m})ᵀ` : `${r.m}×${r.k}`}·${r.trans_b ? `(${r.n}×${r.k})ᵀ` : `${r.k}×${r.n}`}`;
    const peer = npBy.get(key(r));
    row('kernels', square ? `gemm n = ${r.n}, ${r.threads}t` : `gemm ${r.name.replace(/^mlp /, 'MLP ')} ${shape}, ${r.threads}t`, 'GFLOP/s', r.gflops, 'numpy/OpenBLAS', peer?.gflops ?? null, {
      detail: { m: r.m, n: r.n, k: r.k, threads: r.threads, matrixmultiply: mmBy.get(key(r))?.gflops ?? null },
    });
  }

  log('bench: kernels — memory bandwidth, batch norm, dropout, Adam, step GEMMs (tunenet core)…');
  // core_step and core_epoch run in processes of their own (see crates/core/examples/bench_kernels.rs).
  const bk = tryRun('bench_kernels', () =>
    measured('core kernels', () => [
      ...jsonLines(run(exe('bench_kernels'), ['--json', ...quickArg, '--only', 'membw,kernel,step_gemm'])),
      ...jsonLines(run(exe('bench_kernels'), ['--json', ...quickArg, '--only', 'core_step'])),
      ...jsonLines(run(exe('bench_kernels'), ['--json', ...quickArg, '--only', 'core_epoch'])),
      ...jsonLines(run(exe('bench_kernels'), ['--json', ...quickArg, '--only', 'core_predict', '--variant', 'A'])),
    ]),
  );
  raw.coreKernels = bk;
  membw = (bk ?? []).filter((r) => r.kind === 'membw');
  for (const m of membw) {
    row('kernels', `memory ${m.op} ${m.size === 'cache' ? '32 Ki floats (L2)' : `${m.elements / 2 ** 20} Mi floats (DRAM)`}, ${m.threads}t`, 'GB/s', m.gbps, null, null);
  }
  const copy1 = (size) => membw.find((m) => m.op === 'copy' && m.size === size && m.threads === 1);
  for (const k of (bk ?? []).filter((r) => r.kind === 'kernel')) {
    const bw = copy1(k.size === 'mlp' ? 'cache' : 'memory');
    row('kernels', `${k.op} ${k.shape} (core), 1t`, 'GB/s', k.gbps, `copy bandwidth ${k.size === 'mlp' ? 'L2' : 'DRAM'}, 1t`, bw?.gbps ?? null, {
      detail: { us: k.us, bytes: k.bytes },
    });
  }
  // The step's GEMMs and the core step, 2-threaded especially, are the figures a neighbour on the
  // VM disturbs most: the full mode measures them twice more and keeps the fastest of each.
  const stepRows = (bk ?? []).filter((r) => r.kind === 'step_gemm' || r.kind === 'core_step');
  if (!quick && bk) {
    for (let i = 0; i < 2; i++) {
      for (const part of ['step_gemm', 'core_step']) {
        const again = tryRun('bench_kernels', () => measured(`core ${part} #${i + 2}`, () => jsonLines(run(exe('bench_kernels'), ['--json', '--only', part]))));
        stepRows.push(...(again ?? []));
      }
    }
  }
  raw.stepRuns = stepRows;
  for (const s of stepRows.filter((r) => r.kind === 'step_gemm')) if (!(stepGemm[s.threads]?.total_us <= s.total_us)) stepGemm[s.threads] = s;
  for (const s of stepRows.filter((r) => r.kind === 'core_step')) {
    const k = `${s.variant}|${s.threads}`;
    if (!(coreStep[k]?.us <= s.us)) coreStep[k] = s;
  }
  for (const s of (bk ?? []).filter((r) => r.kind === 'core_epoch')) coreEpoch[`${s.variant}|${s.threads}`] = s;
  corePredict = (bk ?? []).find((r) => r.kind === 'core_predict') ?? null;

  log('bench: kernels — JS API vs TS reference, call overhead, trainStep (benchmark.js)…');
  const js = tryRun('kernels_js', () =>
    measured('JS kernels', () =>
      jsonLines(run(process.execPath, [path.join(benchDir, 'kernels_js.mjs'), ...quickArg, '--threads', quick ? String(threads) : [...new Set([threads, 2])].join(',')])),
    ),
  );
  raw.jsKernels = js;
  const jsBy = (kind, name, impl) => (js ?? []).find((r) => r.kind === kind && r.name === name && r.impl === impl);
  for (const r of (js ?? []).filter((x) => x.impl === 'native' && (x.kind === 'gemm' || x.kind === 'kernel'))) {
    const peer = jsBy(r.kind, r.name, 'reference');
    if (r.kind === 'gemm') row('kernels', `gemm ${r.name} via JS API, 1t`, 'GFLOP/s', r.gflops, 'TS reference', peer?.gflops ?? null);
    else row('kernels', `${r.name} ${r.shape} via JS API`, 'GB/s', r.gbps, 'TS reference', peer?.gbps ?? null, { detail: { us: r.us, referenceUs: peer?.us } });
  }

  // --- 2. Call overhead -----------------------------------------------------------------------------
  for (const r of (js ?? []).filter((x) => x.kind === 'call' && x.impl === 'native')) {
    const peer = jsBy('call', r.name, 'reference');
    row('overhead', `native call ${r.name}`, 'µs', r.us, peer ? 'TS reference' : null, peer?.us ?? null, { lowerIsBetter: true });
  }
  // The fastest benchmark.js sample against the core step's and the GEMMs' fastest batches: best
  // against best (a mean against a best charged the host's noise to the napi call).
  for (const r of (js ?? []).filter((x) => x.kind === 'trainStep')) {
    const us = r.bestUs ?? r.us;
    const gemmUs = stepGemm[r.threads]?.total_us ?? null;
    const core = coreStep[`${r.variant}|${r.threads}`];
    row('overhead', `trainStep batch 128, variant ${r.variant}, ${r.threads}t (best sample)`, 'µs', us, core ? 'core train_step (Rust, no napi)' : null, core?.us ?? null, {
      lowerIsBetter: true,
      detail: { meanUs: r.us, stepGemmsUs: gemmUs, outsideGemmShare: gemmUs ? 1 - gemmUs / us : null },
    });
    // The batch is 128 digits, on which the packed first layer leaves out about half the GEMMs'
    // FLOPs: timed dense with the gemm crate, they overstate what the step spends in them.
    if (gemmUs) row('overhead', `  share of it outside its 8 GEMMs (dense, gemm crate: ${gemmUs.toFixed(0)} µs; at least), variant ${r.variant}, ${r.threads}t`, '%', 100 * (1 - gemmUs / us));
  }
}

// --- 3 + 4. Training and memory -------------------------------------------------------------------
const training = [];
const trainEnv = (t) => ({ ...process.env, OMP_NUM_THREADS: String(t), MKL_NUM_THREADS: String(t), OPENBLAS_NUM_THREADS: String(t) });
/** One MNIST training run of `framework` in a process of its own; returns its result line. */
function trainOnce(framework, variant, t) {
  const common = ['--variant', variant, '--epochs', String(epochs), '--threads', String(t)];
  const cmd =
    framework === 'tunenet'
      ? [process.execPath, [path.join(benchDir, 'trainers', 'tunenet.mjs'), ...common]]
      : framework === 'tfjs-wasm' || framework === 'tfjs-cpu'
        ? [process.execPath, [path.join(benchDir, 'trainers', 'tfjs.mjs'), '--backend', framework.slice(5), ...common]]
        : framework === 'brain.js'
          ? [process.execPath, [path.join(benchDir, 'trainers', 'brain.mjs'), ...common]]
          : [python, [path.join(benchDir, 'trainers', 'torch_mnist.py'), ...common]];
  const r = jsonLines(run(cmd[0], cmd[1], { env: trainEnv(t) })).reverse().find((l) => l.result)?.result;
  if (!r) throw new CommandError(`${framework}: no result line`);
  return r;
}
function train(framework, variant, t) {
  log(`bench: training — ${framework}, variant ${variant}, ${t} thread${t > 1 ? 's' : ''}, ${epochs} epochs…`);
  const slow = framework === 'tfjs-cpu' || framework === 'brain.js';
  // Full mode: the fast trainers run twice and the faster run is kept (as the GEMM bench keeps
  // its best batch): a 2-core VM also loses time to its neighbours in ways /proc/stat cannot see.
  const repeats = quick || slow ? 1 : 2;
  let res = null;
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const r = tryRun(`${framework} variant ${variant}`, () =>
      measured(`train ${framework} ${variant} ${t}t${repeats > 1 ? ` #${i + 1}` : ''}`, () => trainOnce(framework, variant, t), slow ? { retries: 1 } : undefined),
    );
    if (!r) continue;
    runs.push(Math.round(r.samplesPerSecond));
    if (!res || r.samplesPerSecond > res.samplesPerSecond) res = r;
  }
  if (res) res.runsSamplesPerSecond = runs;
  if (res) training.push({ ...res, framework, variant, threads: t });
  return res;
}

const breakdown = {};
if (sections.has('training')) {
  const variants = quick ? ['A'] : ['A', 'B'];
  const peers = quick ? ['tfjs-wasm', 'pytorch'] : ['tfjs-wasm', 'tfjs-cpu', 'brain.js', 'pytorch'];
  const threadSets = quick || threads !== 1 ? [threads] : [1, 2];
  for (const variant of variants) {
    for (const t of threadSets) {
      const mine = train('tunenet', variant, t);
      // The JS peers are single-threaded: they run once, at 1 thread, whatever T is.
      const peersHere = t === threads ? peers : ['pytorch'];
      for (const peer of peersHere) {
        if (peer === 'brain.js' && variant !== 'A') continue;
        const p = train(peer, variant, peer === 'pytorch' ? t : 1);
        const label = peer === 'pytorch' ? pythonPeer : peer;
        if (!mine || !p) continue;
        row('training', `MNIST ${variant} samples/s, ${t}t`, 'samples/s', mine.samplesPerSecond, `${label}${peer === 'pytorch' ? `, ${t}t` : ', 1t'}`, p.samplesPerSecond);
        if (t === threads) {
          row('training', `MNIST ${variant} test accuracy`, '%', 100 * mine.testAccuracy, label, 100 * p.testAccuracy, {
            ratio: mine.testAccuracy / p.testAccuracy,
          });
          row('memory', `MNIST ${variant} peak RSS`, 'MiB', mine.rss.peakMiB, label, p.rss.peakMiB, { lowerIsBetter: true });
          row('memory', `MNIST ${variant} data set share`, 'MiB', mine.rss.afterDataMiB - mine.rss.baseMiB, label, p.rss.afterDataMiB - p.rss.baseMiB, {
            lowerIsBetter: true,
          });
        }
      }
      if (mine) {
        const stepUs = (128 / mine.samplesPerSecond) * 1e6;
        breakdown[`${variant}|${t}`] = {
          fitStepUs: stepUs,
          stepGemmsUs: stepGemm[t]?.total_us ?? null,
          coreStepUs: coreStep[`${variant}|${t}`]?.us ?? null,
          coreEpoch: coreEpoch[`${variant}|${t}`] ?? null,
          outsideGemmShare: stepGemm[t] ? 1 - stepGemm[t].total_us / stepUs : null,
        };
      }
    }
  }
}

// --- 3b. Against the hardware (issue 13): samples/s over the GEMM bound of the same run ---------------
// One MNIST step costs 1.007 MFLOP per sample in its GEMMs (forward 469.5k, weight gradients 469.5k,
// input gradients of layers 2–3 68.1k; the first layer's input gradient is skipped); the bound is
// the fastest GEMM GFLOP/s this run measured at that thread count divided by it.
const FLOPS_PER_SAMPLE = 2 * (784 * 256 + 256 * 128 + 128 * 10) * 2 + 2 * (256 * 128 + 128 * 10);
const gemmPeak = (t) => Math.max(0, ...rows.filter((r) => r.section === 'kernels' && r.unit === 'GFLOP/s' && r.detail?.threads === t).map((r) => r.value ?? 0));
const tunenetSamples = (variant, t) => rows.find((r) => r.section === 'training' && r.name === `MNIST ${variant} samples/s, ${t}t`)?.value ?? null;
for (const t of [1, 2]) {
  // The bound needs the kernels section's GEMM rows; the B-over-A rows need training alone.
  const peak = gemmPeak(t);
  if (peak) {
    const bound = (peak * 1e9) / FLOPS_PER_SAMPLE;
    for (const variant of ['A', 'B']) {
      const v = tunenetSamples(variant, t);
      if (v != null) row('hardware', `MNIST ${variant} samples/s vs the GEMM bound, ${t}t`, 'samples/s', v, `bound: ${peak.toFixed(0)} GFLOP/s ÷ ${(FLOPS_PER_SAMPLE / 1e6).toFixed(3)} MFLOP`, bound);
    }
  }
  // The bound counts every FLOP of the 8 products; on the digits the first layer's two (80 % of
  // them) leave out the inputs zero in a whole tile of the packed kernel (first_layer.rs), so
  // training can pass the bound: the share of their steps taken says by how much.
  if (t === 1) {
    const d = readSplit();
    const taken = firstLayerStepsTaken(d.trainX, d.train, d.features);
    const share = (2 * (784 * 256 + 256 * 128 + 128 * 10) * 2 + 2 * (256 * 128 + 128 * 10) - 4 * 784 * 256 * (2 - taken.forward - taken.weightGrad) / 2) / FLOPS_PER_SAMPLE;
    row('hardware', `FLOPs of a step the packed first layer does on these digits (forward ${(100 * taken.forward).toFixed(0)} %, dW ${(100 * taken.weightGrad).toFixed(0)} % of their steps; ${(100 * taken.zeros).toFixed(0)} % of pixels 0)`, 'ratio', share, null, null, { ratio: share, ...taken });
  }
  // The same ratio for the core's epoch loop with the bound timed right before each epoch
  // (bench_kernels core_epoch): the training row and the kernels section are minutes apart, and
  // the host's speed drifts between them by more than the margins of target 1.
  for (const variant of ['A', 'B']) {
    const e = coreEpoch[`${variant}|${t}`];
    if (!e?.of_bound) continue;
    const samples = (e.batch / e.us) * 1e6;
    row('hardware', `MNIST ${variant} core epoch loop vs the GEMM bound, back to back, ${t}t, on ${e.data === 'digits' ? 'the digits' : 'random rows, 80 % zeros'} (median of ${e.rounds} rounds)`, 'samples/s', samples, 'bound timed before each epoch', samples / e.of_bound, {
      ratio: e.of_bound,
    });
  }
  // The bound itself against the arithmetic units: a register-only FMA loop timed in the same
  // rounds (bench_kernels' fma_peak). What the step's GEMMs can reach, so what target 1 can.
  const e = coreEpoch[`A|${t}`];
  if (e?.bound_of_peak) {
    row('hardware', `the GEMM bound vs the FMA peak (register-only loop), ${t}t (median of ${e.rounds} rounds)`, 'ratio', e.bound_of_peak, null, null, { ratio: e.bound_of_peak });
    row('hardware', `MNIST A core epoch loop vs the FMA peak, ${t}t`, 'ratio', e.epoch_of_peak, null, null, { ratio: e.epoch_of_peak });
  }
  const [a, b] = [tunenetSamples('A', t), tunenetSamples('B', t)];
  if (a != null && b != null) row('hardware', `MNIST B samples/s vs variant A, ${t}t`, 'samples/s', b, 'variant A', a);
  const interleaved = interleavedBOverA(t);
  if (interleaved) {
    row('hardware', `MNIST B vs A, epochs interleaved in one process, ${t}t (median of ${interleaved.rounds} rounds)`, 'samples/s', interleaved.b, 'variant A', interleaved.a, {
      ratio: interleaved.ratio,
      detail: interleaved,
    });
  }
}

/**
 * Variant B over variant A with both models in one process, their epochs interleaved
 * (bench/b-over-a.mjs: the median of the rounds' ratios). The training rows above take A and B
 * minutes apart, with the peers in between, and on a shared VM the speed of the host drifts by
 * more than the 10% target 2 is about; separate runs made back to back (9 pairs, until 4
 * December 2026) still put single ratios anywhere in 0.74–1.26 and their median in 0.86–0.96 on
 * 1 thread. Full mode only (the quick mode trains variant A alone).
 */
function interleavedBOverA(t) {
  if (quick || !sections.has('training')) return null;
  log(`bench: variant B over A, epochs interleaved in one process, ${t} thread${t > 1 ? 's' : ''}…`);
  const script = path.join(benchDir, 'b-over-a.mjs');
  return tryRun(`B over A ${t}t`, () => measured(`B over A ${t}t`, () => jsonLines(run(process.execPath, [script, '--json', '--threads', String(t)], { env: trainEnv(t) })).pop()));
}

// --- 3c. Inference (issue 13): predict and predictSync against onnxruntime-node (bench/inference.mjs) -
let inference = null;
if (sections.has('inference')) {
  log('bench: inference — predict / predictSync vs onnxruntime-node…');
  inference = tryRun('inference', () =>
    measured('inference', () => jsonLines(run(process.execPath, [path.join(benchDir, 'inference.mjs'), '--json', '--calls', quick ? '2000' : '10000'])).pop()),
  );
  if (inference) {
    raw.inference = inference;
    const o = inference.onnxruntime;
    const ort = `onnxruntime-node ${o.version}`;
    for (const [name, r] of [['predict', inference.tunenet], ['predictSync', inference.tunenetSync]]) {
      if (!r) continue;
      row('inference', `${name} latency p50, batch 1, 1t`, 'µs', r.p50, ort, o.p50, { lowerIsBetter: true });
      row('inference', `${name} latency p99, batch 1, 1t`, 'µs', r.p99, ort, o.p99, { lowerIsBetter: true });
    }
    // The ratio is the median of interleaved rounds' ratios (bench/inference.mjs), not the ratio of the medians.
    for (const [name, r] of [['predict', inference.tunenet], ['predictSync', inference.tunenetSync]]) {
      if (!r) continue;
      row('inference', `${name} throughput, batch ${r.throughput.batch}, 1t (median of ${r.throughput.rounds} interleaved rounds)`, 'samples/s', r.throughput.samplesPerSecond, ort, o.throughput.samplesPerSecond, {
        ratio: r.throughput.ratioToOnnxruntime,
      });
    }
    // Where the throughput goes: the core's predict (no napi) against its 3 products alone at 1,024
    // rows with the gemm crate (ratio = their time ÷ predict's: ≈ 1 when predict is all GEMM; > 1
    // when its chunks and, on AVX2 CPUs, its packed kernel gain more than bias, activations and
    // softmax cost).
    if (corePredict) {
      row('inference', `core predict of ${corePredict.batch} rows (predictSync without napi), variant A, 1t, vs its 3 GEMMs alone with the gemm crate (${corePredict.gemm_gflops.toFixed(0)} GFLOP/s)`, 'µs', corePredict.us, `3 crate GEMMs at ${corePredict.batch} rows, back to back`, corePredict.gemm_us, {
        lowerIsBetter: true,
        detail: corePredict,
      });
      if (corePredict.of_peak) {
        row('inference', `core predict of ${corePredict.batch} rows vs the FMA peak (register-only loop, same rounds), 1t`, 'ratio', corePredict.of_peak, null, null, { ratio: corePredict.of_peak });
      }
    }
    if (inference.crossover) notes.push(`predictSync vs predict: ${inference.crossover}`);
  }
}

// --- 3d. Accuracy at equal epochs over seeds (issue 13; bench/accuracy.mjs, full mode) ---------------
/**
 * Seeds of the accuracy section: at 5 the standard error of a difference of two means was ~0.2
 * pts, as large as the differences; at 20 variant B's was still 0.09 against a lead of −0.10
 * (5 December: over seeds 1–40 the same runs give −0.03, one seed's accuracy moves by 0.3 pts).
 */
const ACCURACY_SEEDS = 40;
let accuracy = null;
if (sections.has('accuracy')) {
  log(`bench: accuracy — ${ACCURACY_SEEDS} seeds, variants A and B, tunenet vs PyTorch with its defaults…`);
  accuracy = tryRun('accuracy', () => {
    const args = ['--seeds', String(ACCURACY_SEEDS), '--epochs', String(epochs), '--pytorch-inits', 'torch'];
    run(process.execPath, [path.join(benchDir, 'accuracy.mjs'), ...args]);
    return JSON.parse(readFileSync(path.join(benchDir, 'results', 'accuracy-latest.json'), 'utf8'));
  });
  for (const variant of ['A', 'B']) {
    const ours = accuracy?.rows.find((r) => r.variant === variant && r.framework === 'tunenet');
    const peer = accuracy?.rows.find((r) => r.variant === variant && r.framework === 'pytorch (its defaults)');
    if (ours && peer) {
      row('accuracy', `MNIST ${variant} mean test accuracy, ${ours.seeds} seeds`, '%', 100 * ours.mean, 'PyTorch, its defaults', 100 * peer.mean, {
        ratio: ours.mean / peer.mean,
        detail: { lead: ours.leadOverPytorch, standardError: ours.leadStandardError, seeds: ours.seeds },
      });
    }
  }
}

// --- 5. Regression: tunenet, PyTorch and tfjs-wasm on the same split (bench/regression.mjs) ---------
let regression = null;
if (sections.has('regression')) {
  regression = await regressionBench({ quick, threads, python, log, measure: (label, fn) => measured(label, fn) });
  rows.push(...regression.rows);
  notes.push(...regression.notes);
  raw.regression = { datasets: regression.datasets, results: regression.results };
}

// --- Profile (optional): where tunenet's training time goes ------------------------------------------
let profile = null;
const perfAvailable = (() => {
  try {
    run('perf', ['--version']);
    return true;
  } catch {
    return false;
  }
})();
if (flag('profile') || (!quick && !flag('no-profile') && perfAvailable && sections.has('training'))) {
  const data = path.join(os.tmpdir(), `tunenet-bench-${process.pid}.perf`);
  log('bench: profiling tunenet variant A with perf…');
  profile = tryRun('perf', () => {
    run('perf', ['record', '-q', '-F', '2000', '-o', data, '--', process.execPath, path.join(benchDir, 'trainers', 'tunenet.mjs'), '--variant', 'A', '--epochs', '15', '--threads', String(threads)], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const text = run('perf', ['report', '-i', data, '--stdio', '-q', '--sort', 'dso,sym', '--percent-limit', '0.3']);
    rmSync(data, { force: true });
    const lines = text
      .split('\n')
      .map((l) => l.match(/^\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(.*)$/))
      .filter(Boolean)
      .map(([, pct, dso, sym]) => ({ pct: Number(pct), dso, sym: sym.trim() }));
    const category = ({ dso, sym }) =>
      /packed_gemm/.test(sym) ? "GEMM (tunenet's packed kernel: its tiles, pack and live-column scans)" : /gemm/i.test(sym) ? 'GEMM (gemm crate)' : /optimizer|adam/i.test(sym) ? 'optimizer update' : dso.includes('tunenet') ? 'other tunenet core (activations, loss, bias, gathers…)' : dso === '[kernel.kallsyms]' ? 'Linux kernel (page faults, copies)' : /^lib(c|m)[.-]/.test(dso) ? 'libc/libm (memcpy, malloc…)' : 'node / V8 / startup';
    const byCategory = {};
    for (const l of lines) byCategory[category(l)] = (byCategory[category(l)] ?? 0) + l.pct;
    return { top: lines.slice(0, 15), byCategory };
  });
}

// --- Print ----------------------------------------------------------------------------------------------
const fmt = (x, unit) => {
  if (x == null || Number.isNaN(x)) return '—';
  if (unit === 'samples/s') return Math.round(x).toLocaleString('en-US');
  if (unit === '%') return x.toFixed(1);
  if (unit === 'µs') return x < 10 ? x.toFixed(2) : x.toFixed(0);
  if (unit === 'MiB') return x.toFixed(0);
  if (unit === 'mpg' || unit === 'min' || unit === 'ratio') return x.toFixed(3);
  return x.toFixed(1);
};
const titles = {
  kernels: '1. Kernels',
  overhead: '2. Call overhead',
  training: `3. Training: MNIST 784-256-128-10, batch 128, Adam 1e-3, ${split.train} train / ${split.test} test digits, ${epochs} epochs`,
  memory: '4. Memory (each trainer in its own process)',
  regression: "5. Regression: vega-datasets cars and flights, inputs-32-16-1 ReLU (flights-64: 2-64-64-1), MSE, Adam 3e-3, batch 32 (ratio for RMSE = peer's / tunenet's)",
  hardware: '6. Against the hardware: MNIST training samples/s over the GEMM bound of this run (ratio = fraction of the bound reached)',
  inference: '7. Inference: the MNIST network (1 epoch trained) exported with exportOnnx, 1 thread; latency of awaited calls at batch 1',
  accuracy: `8. Accuracy at equal epochs (${epochs}), mean over seeds 1–${ACCURACY_SEEDS} on 1,000 test digits`,
};
console.log(`\ntunenet ${versions.tunenet} benchmark (${quick ? 'quick' : 'full'} mode) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.simd.join('/')}`);
console.log(
  `node ${versions.node}, ${versions.rustc}, python ${versions.python}, numpy ${versions.numpy}${versions.blas ? ` (${versions.blas})` : ''}, ${pythonPeer}, tfjs ${versions.tfjs}, brain.js ${versions.brainjs}`,
);
console.log(
  `threads: training runs at ${threads} thread${threads > 1 ? 's' : ''} for every framework (tunenet \`threads\`, torch.set_num_threads + OMP/MKL_NUM_THREADS); ` +
    `tfjs 'wasm' (SIMD, no threads in Node), tfjs 'cpu' and brain.js are single-threaded${!quick && threads === 1 ? '; 2-thread rows compare tunenet with PyTorch only' : ''}`,
);
console.log(`ratio = tunenet's advantage (> 1: tunenet faster / smaller / more accurate); for a kernel against copy bandwidth, the fraction of it reached\n`);
const header = ['measurement', 'unit', 'tunenet', 'peer', 'peer value', 'ratio'];
for (const section of ['kernels', 'overhead', 'training', 'memory', 'regression', 'hardware', 'inference', 'accuracy']) {
  const rs = rows.filter((r) => r.section === section);
  if (!rs.length) continue;
  const cells = rs.map((r) => [r.name, r.unit, fmt(r.value, r.unit), r.peer ?? '', r.peer ? fmt(r.peerValue, r.unit) : '', r.ratio == null ? '' : `${r.ratio.toFixed(2)}×`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const pad = (c) => c.map((x, i) => (i === 0 || i === 1 || i === 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log(titles[section]);
  console.log(pad(header));
  console.log(pad(widths.map((w) => '-'.repeat(w))));
  for (const c of cells) console.log(pad(c));
  console.log('');
}

// --- Targets ------------------------------------------------------------------------------------------
const targets = [];
const find = (name, peerPrefix) => rows.find((r) => r.name === name && r.peer?.startsWith(peerPrefix));
const target = (label, r, min) => {
  if (!r) return;
  targets.push({ target: label, ratio: r.ratio, min, met: r.ratio != null && r.ratio >= min });
};
target(`MNIST A samples/s ≥ 20× tfjs-wasm (${threads}t)`, find(`MNIST A samples/s, ${threads}t`, 'tfjs-wasm'), 20);
target(`MNIST A samples/s ≥ 1.0× ${pythonPeer} (${threads}t)`, find(`MNIST A samples/s, ${threads}t`, pythonPeer), 1);
if (threads === 1) target(`MNIST A samples/s ≥ 1.0× ${pythonPeer} (2t)`, find('MNIST A samples/s, 2t', pythonPeer), 1);
target(`MNIST B samples/s ≥ 20× tfjs-wasm (${threads}t)`, find(`MNIST B samples/s, ${threads}t`, 'tfjs-wasm'), 20);
for (const r of rows.filter((x) => x.name.endsWith('test accuracy'))) {
  // 1,000 test digits: one digit is 0.1 percentage point; the sampling error of an accuracy near
  // 95 % is about ±0.7 pp, so differences of a few digits are within noise (said in the line).
  const digits = Math.round((r.value - r.peerValue) * (split.test / 100));
  targets.push({
    target: `${r.name.replace(' test accuracy', '')} accuracy ≥ ${r.peer} (${r.value.toFixed(1)} % vs ${r.peerValue.toFixed(1)} %)`,
    ratio: r.ratio,
    min: 1,
    met: digits >= 0,
    detail: digits >= 0 ? null : `${-digits} of ${split.test} test digits fewer`,
  });
}
for (const t of [1, 2]) {
  const big = rows.filter((r) => r.section === 'kernels' && r.detail?.threads === t && r.detail.m === r.detail.n && r.detail.n === r.detail.k && r.detail.n >= 256 && r.ratio != null);
  if (big.length) {
    const worst = big.reduce((a, b) => (a.ratio <= b.ratio ? a : b));
    targets.push({ target: `GEMM ≥ 0.9× OpenBLAS at n ≥ 256, ${t}t (worst: n = ${worst.detail.n})`, ratio: worst.ratio, min: 0.9, met: worst.ratio >= 0.9 });
  }
}
targets.push(...(regression?.targets ?? []));
// Issue 13.
const hw = (name) => rows.find((r) => r.section === 'hardware' && r.name === name);
// Target 1 is judged on fit's samples/s, as the issue asks; the line also gives the core's epoch
// loop measured back to back with the bound, so a miss from the host's drift shows as such. The
// bound counts dense FLOPs; on the digits the packed first layer does fewer (the hardware row
// "FLOPs of a step the packed first layer does"), which the line says too.
for (const [t, min] of [[1, 0.9], [2, 0.8]]) {
  const core = rows.find((r) => r.section === 'hardware' && r.name.startsWith(`MNIST A core epoch loop vs the GEMM bound, back to back, ${t}t`));
  const ceilingOf = coreEpoch[`A|${t}`]?.ceiling;
  const ceiling = ceilingOf ? `; GEMMs + Adam alone: ${ceilingOf.toFixed(2)}` : '';
  const peakOf = coreEpoch[`A|${t}`]?.bound_of_peak;
  const peak = peakOf ? `; the bound at ${peakOf.toFixed(2)} of the FMA peak` : '';
  const done = rows.find((r) => r.section === 'hardware' && r.name.startsWith('FLOPs of a step the packed first layer does'));
  const flops = done ? `; the step does ${(100 * done.ratio).toFixed(0)} % of the bound's FLOPs on these digits` : '';
  const context = `${core ? `; core epoch loop back to back: ${core.ratio.toFixed(2)}` : ''}${ceiling}${peak}${flops}`;
  target(`MNIST A ≥ ${100 * min} % of the GEMM bound (${t}t, fit${context})`, hw(`MNIST A samples/s vs the GEMM bound, ${t}t`), min);
}
// Target 2 is judged on the interleaved epochs where the run has them (host drift between the
// training rows, minutes apart, is as large as the margin); the training rows otherwise.
const interleavedRow = (t) => rows.find((r) => r.section === 'hardware' && r.name.startsWith(`MNIST B vs A, epochs interleaved in one process, ${t}t`));
for (const t of [1, 2]) {
  const interleaved = interleavedRow(t);
  const source = interleaved ? `median of ${interleaved.detail.rounds} interleaved rounds, quartiles ${interleaved.detail.quartiles.map((q) => q.toFixed(2)).join('–')}` : 'training rows';
  target(`MNIST B ≥ 90 % of variant A's samples/s (${t}t, ${source})`, interleaved ?? hw(`MNIST B samples/s vs variant A, ${t}t`), 0.9);
}
{
  const p50 = rows.filter((r) => r.section === 'inference' && r.name.includes('latency p50'));
  if (p50.length) {
    const best = p50.reduce((a, b) => (a.ratio >= b.ratio ? a : b));
    target(`inference p50 latency ≤ onnxruntime's, batch 1 (best of predict/predictSync: ${best.name.split(' ')[0]})`, best, 1);
  }
  const throughput = rows.filter((r) => r.section === 'inference' && r.name.includes('throughput'));
  if (throughput.length) {
    const best = throughput.reduce((a, b) => (a.ratio >= b.ratio ? a : b));
    target(`inference throughput ≥ 1.0× onnxruntime, batch 1024 (best of predict/predictSync: ${best.name.split(' ')[0]})`, best, 1);
  }
}
for (const r of rows.filter((x) => x.section === 'accuracy')) {
  // Met when the mean is at least PyTorch's, as the issue asks; a miss says how many standard
  // errors of the difference it is, so one from seed noise reads as such.
  const { lead, standardError, seeds } = r.detail;
  targets.push({
    target: `${r.name.split(' mean')[0]} mean accuracy over ${seeds} seeds ≥ PyTorch with its defaults (${(100 * lead).toFixed(2)} ± ${(100 * standardError).toFixed(2)} pts)`,
    ratio: r.ratio,
    min: 1,
    met: lead >= 0,
    detail: lead >= 0 ? null : `${(-lead / standardError).toFixed(1)} standard errors under`,
  });
}
if (targets.length) {
  console.log('Targets (issues 5, 9 and 13)');
  for (const t of targets) {
    const miss = t.detail ?? `${((t.ratio / t.min) * 100).toFixed(0)} % of the target`;
    console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.ratio == null ? '—' : `${t.ratio.toFixed(2)}×`}${t.met ? '' : ` (${miss})`}`);
  }
  if (targets.some((t) => !t.met && t.detail && t.target.includes('accuracy') && !t.target.includes(' seeds'))) console.log(`  (test set: ${split.test} digits; ±0.7 pp is one standard error of an accuracy near 95 %)`);
  console.log('');
}
if (Object.keys(breakdown).length) {
  console.log('Where a tunenet training step goes (batch 128; fit step = 128 / samples/s):');
  for (const [k, b] of Object.entries(breakdown)) {
    const [variant, t] = k.split('|');
    const parts = [`fit step ${b.fitStepUs.toFixed(0)} µs`];
    if (b.coreStepUs) parts.push(`core train_step alone ${b.coreStepUs.toFixed(0)} µs`);
    // Timed back to back with train_step, so its ratio holds while the host's speed drifts.
    if (b.coreEpoch) parts.push(`core run_steps over whole epochs ${b.coreEpoch.ratio.toFixed(3)}× train_step (gather, epoch start and end; ${b.coreEpoch.rounds} back-to-back rounds)`);
    // The floor: the step's GEMMs and Adam alone, timed in the same rounds as the epoch and the bound.
    if (b.coreEpoch?.ceiling) parts.push(`the epoch ${b.coreEpoch.of_bound.toFixed(2)} of the GEMM bound, the step's GEMMs + Adam alone ${b.coreEpoch.ceiling.toFixed(2)}`);
    // The same floor with the batch split in halves, one thread each (the data-parallel step).
    if (b.coreEpoch?.ceiling_halves) parts.push(`with the batch split in halves ${b.coreEpoch.ceiling_halves.toFixed(2)} (${b.coreEpoch.ceiling_halves_unreduced.toFixed(2)} without adding up the halves' gradients)`);
    // step_gemm times the 8 products dense, with the gemm crate: on the digits the packed first
    // layer leaves out about half their FLOPs, so the step spends less in them and "outside GEMM"
    // is a lower bound there.
    // Where the whole step takes less than those dense products, the share says nothing.
    if (b.stepGemmsUs) {
      parts.push(
        b.outsideGemmShare >= 0
          ? `its 8 GEMMs dense with the gemm crate ${b.stepGemmsUs.toFixed(0)} µs → at least ${(100 * b.outsideGemmShare).toFixed(0)} % outside GEMM (the packed first layer skips part of them)`
          : `its 8 GEMMs dense with the gemm crate ${b.stepGemmsUs.toFixed(0)} µs, more than the whole step: the packed first layer leaves out the zero inputs' share of them`,
      );
    }
    console.log(`  variant ${variant}, ${t}t: ${parts.join(', ')}`);
  }
  console.log('');
}
for (const l of breakdownLines(regression?.breakdown)) console.log(l);
if (regression?.breakdown) console.log('');
if (profile) {
  console.log(`perf profile of tunenet training (variant A, ${threads}t, 15 epochs incl. startup), share of samples:`);
  for (const [c, pct] of Object.entries(profile.byCategory).sort((a, b) => b[1] - a[1])) console.log(`  ${pct.toFixed(1).padStart(5)} %  ${c}`);
  console.log('  top symbols:');
  for (const l of profile.top.slice(0, 10)) console.log(`  ${l.pct.toFixed(1).padStart(5)} %  ${l.sym.slice(0, 90)}`);
  console.log('');
}
const maxOther = Math.max(0, ...loads.map((l) => l.otherCores));
console.log(`other load while measuring (cores busy outside this benchmark): ${loads.map((l) => `${l.label} ${l.otherCores.toFixed(2)}`).join(', ')}`);
if (maxOther > 0.1) console.log('  warning: other processes were using the CPU during some measurements; rerun on a quiet machine for exact figures');
for (const n of notes) console.log(`note: ${n}`);

mkdirSync(path.join(benchDir, 'results'), { recursive: true });
const outFile = path.join(benchDir, 'results', 'latest.json');
writeFileSync(
  outFile,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      threads,
      epochs,
      machine,
      versions,
      pythonPeer,
      otherLoad: loads,
      ratioMeaning: "tunenet's advantage: > 1 means tunenet is faster, smaller or more accurate; kernel vs copy bandwidth: fraction reached",
      rows,
      targets,
      breakdown,
      regressionBreakdown: regression?.breakdown ?? null,
      profile,
      training,
      raw,
      notes,
      seconds: +((performance.now() - started) / 1000).toFixed(1),
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${path.relative(root, outFile)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
