// Regression side by side (issue 9, "Beside the peers"): the same network on the same split
// trained by tunenet, PyTorch and TensorFlow.js 'wasm', test RMSE and samples/s in one run.
//
//   node bench/regression.mjs [--quick] [--threads 1] [--no-wait] [--no-tfjs] [--no-breakdown]
//
// Data (bench/regression-data.mjs; split and normalized once by tunenet and written to
// bench/.cache/regression-*.bin, which every trainer reads):
//  * cars: 392 cars of `vega-datasets`, 9 features (incl. one-hot origin) → mpg; 314 train / 78 test.
//  * flights: 200,000 flights of `vega-datasets` (flights-200k), distance + time of day → arrival
//    delay in minutes; 160,000 train / 40,000 test: the throughput of long epochs on a real table.
//  * flights-64: the same flights rows with a wider network, 2-64-64-1 (issue 13's small-network
//    target: ≥ 10× PyTorch), tunenet and PyTorch.
// Network: inputs-32-16-1 (flights-64: 2-64-64-1), ReLU, linear output, He-normal weights and zero biases, MSE, Adam
// (lr 3e-3), batch 32, shuffled every epoch, a fixed number of epochs (no early stopping), seeds
// 1, 2, 3 (each a fresh model); every engine at 1 thread (torch.set_num_threads(1); tfjs is
// single-threaded in Node). Epochs: cars 200, flights 5 (--quick: cars 100; flights 2 epochs,
// seed 1 only, without tfjs-wasm).
// Reports per engine and data set: test RMSE (mean ± sample sd over the seeds, min–max), samples/s
// (median epoch of epochs 2…N, all seeds pooled) and the ratios tunenet/peer: RMSE ratio ≤ 1 and
// samples/s ratio ≥ 1 are good. With tunenet on cars it also measures where an epoch goes
// (`breakdown`: the cost of one step vs what an epoch costs beyond its steps).
// Writes bench/results/regression-latest.json. bench/run.mjs runs it as its `regression` section.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, benchDir, commandLine, jsonLines, mean, median, root, run, sd, waitQuiet, withLoad } from './lib.mjs';
import { exportRegression } from './regression-data.mjs';

export const ENGINES = ['tunenet', 'pytorch', 'tfjs-wasm'];

/** The plan of a run: data sets with their epochs, seeds and engines. */
export function regressionPlan({ quick = false, tfjs = true } = {}) {
  return [
    { name: 'cars', epochs: quick ? 100 : 200, seeds: [1, 2, 3], engines: tfjs ? ENGINES : ENGINES.slice(0, 2), unit: 'mpg' },
    { name: 'flights', epochs: quick ? 2 : 5, seeds: quick ? [1] : [1, 2, 3], engines: tfjs && !quick ? ENGINES : ENGINES.slice(0, 2), unit: 'min' },
    // Issue 13, target 3: a wider small network (the issue's 8-64-64-1; flights has 2 features),
    // where per-step overhead dominates; target ≥ 10× PyTorch.
    { name: 'flights-64', data: 'flights', hidden: [64, 64], minRatio: 10, epochs: quick ? 2 : 5, seeds: quick ? [1] : [1, 2, 3], engines: ENGINES.slice(0, 2), unit: 'min' },
  ];
}


/**
 * Runs the regression benchmark. `measure(label, fn)` wraps each trainer process (bench/run.mjs
 * passes its own, which waits for a quiet machine and records the other load); `python` is the
 * bench venv's interpreter. Returns { datasets, results, rows, targets, breakdown, loads }.
 */
export async function regressionBench({ quick = false, threads = 1, python, tfjs = true, breakdown = true, measure, log = console.error, noWait = false } = {}) {
  const loads = [];
  measure ??= (label, fn) => {
    const waited = noWait ? 0 : waitQuiet(label, quick ? 30 : 120, log);
    const [out, other, wall] = withLoad(fn);
    loads.push({ label, otherCores: +other.toFixed(3), seconds: +wall.toFixed(1), waitedSeconds: +waited.toFixed(1) });
    return out;
  };
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const plan = regressionPlan({ quick, tfjs });
  const datasets = [];
  const results = [];
  const notes = [];
  let tunenetBreakdown = null;
  for (const p of plan) {
    const data = await exportRegression(p.data ?? p.name);
    const hidden = p.hidden ?? [32, 16];
    datasets.push({ ...data, name: p.name, hidden, file: path.relative(root, data.file), epochs: p.epochs, seeds: p.seeds });
    for (const engine of p.engines) {
      const common = ['--data', data.file, '--epochs', String(p.epochs), '--seeds', p.seeds.join(','), '--hidden', hidden.join(','), '--threads', String(engine === 'pytorch' || engine === 'tunenet' ? threads : 1)];
      const wantBreakdown = breakdown && engine === 'tunenet' && p.name === 'cars';
      const [cmd, args] =
        engine === 'tunenet'
          ? [process.execPath, [path.join(benchDir, 'trainers', 'tunenet_regression.mjs'), ...common, ...(wantBreakdown ? ['--breakdown'] : [])]]
          : engine === 'pytorch'
            ? [python, [path.join(benchDir, 'trainers', 'torch_regression.py'), ...common]]
            : [process.execPath, [path.join(benchDir, 'trainers', 'tfjs_regression.mjs'), '--backend', engine.slice(5), ...common]];
      log(`regression: ${p.name} — ${engine}, ${p.epochs} epochs × ${p.seeds.length} seed${p.seeds.length > 1 ? 's' : ''}…`);
      let r;
      try {
        r = measure(`regression ${p.name} ${engine}`, () => {
          const out = jsonLines(run(cmd, args, { env }));
          const res = out.reverse().find((l) => l.result)?.result;
          if (!res) throw new CommandError(`${engine}: no result line`);
          return res;
        });
      } catch (e) {
        if (!(e instanceof CommandError) && !(e instanceof SyntaxError)) throw e;
        notes.push(`regression ${p.name} ${engine} failed: ${e.message}`);
        log(`regression: ${p.name} ${engine} failed: ${e.message}`);
        continue;
      }
      const rmses = r.seeds.map((s) => s.testRmse);
      // Samples/s: the median epoch of epochs 2…N of all seeds together.
      const rates = r.seeds.flatMap((s) => s.epochSeconds.slice(s.epochSeconds.length > 1 ? 1 : 0).map((t) => r.samples / t));
      results.push({
        dataset: p.name,
        engine,
        version: r.version,
        ...(r.adam ? { adam: r.adam } : {}),
        ...(r.flags ? { flags: r.flags } : {}),
        threads: r.threads,
        epochs: r.epochs,
        samples: r.samples,
        rmseMean: mean(rmses),
        rmseSd: sd(rmses),
        rmseMin: Math.min(...rmses),
        rmseMax: Math.max(...rmses),
        maeMean: mean(r.seeds.map((s) => s.testMae)),
        r2Mean: mean(r.seeds.map((s) => s.testR2)),
        samplesPerSecond: median(rates),
        epochUsMedian: (r.samples / median(rates)) * 1e6,
        seeds: r.seeds.map(({ epochSeconds, ...s }) => ({ ...s, firstEpochSeconds: epochSeconds[0] })),
      });
      if (r.breakdown) tunenetBreakdown = { dataset: p.name, ...r.breakdown };
    }
  }

  // Rows in bench/run.mjs's format: ratio = tunenet's advantage (peer RMSE / tunenet RMSE;
  // tunenet samples/s / peer samples/s), so > 1 is good for both.
  const rows = [];
  const targets = [];
  const label = (engine) => (engine === 'pytorch' ? `PyTorch ${results.find((x) => x.engine === 'pytorch')?.version?.split('+')[0] ?? ''}`.trim() : engine);
  for (const p of plan) {
    const mine = results.find((x) => x.dataset === p.name && x.engine === 'tunenet');
    if (!mine) continue;
    const seedsText = `${p.seeds.length} seed${p.seeds.length > 1 ? 's' : ''}`;
    for (const peer of p.engines.slice(1)) {
      const other = results.find((x) => x.dataset === p.name && x.engine === peer);
      if (!other) continue;
      const peerLabel = `${label(peer)}, ${peer === 'pytorch' ? threads : 1}t`;
      rows.push({
        section: 'regression',
        name: `${p.name} test RMSE (mean of ${seedsText}, ${p.epochs} epochs)`,
        unit: p.unit,
        value: mine.rmseMean,
        peer: peerLabel,
        peerValue: other.rmseMean,
        ratio: other.rmseMean / mine.rmseMean,
        detail: { tunenetSd: mine.rmseSd, peerSd: other.rmseSd },
      });
      rows.push({
        section: 'regression',
        name: `${p.name} samples/s, ${threads}t`,
        unit: 'samples/s',
        value: mine.samplesPerSecond,
        peer: peerLabel,
        peerValue: other.samplesPerSecond,
        ratio: mine.samplesPerSecond / other.samplesPerSecond,
      });
      if (peer === 'pytorch') {
        targets.push({
          target: `${p.name} regression RMSE ≤ ${label(peer)} at ${p.epochs} epochs, mean of ${seedsText} (${mine.rmseMean.toFixed(3)} vs ${other.rmseMean.toFixed(3)} ${p.unit})`,
          ratio: other.rmseMean / mine.rmseMean,
          min: 1,
          met: mine.rmseMean <= other.rmseMean,
          ...(mine.rmseMean <= other.rmseMean ? {} : { detail: `${(mine.rmseMean - other.rmseMean).toFixed(3)} ${p.unit} worse; seed sd ${mine.rmseSd.toFixed(3)} / ${other.rmseSd.toFixed(3)}` }),
        });
        const min = p.minRatio ?? 1;
        targets.push({
          target: `${p.name} regression samples/s ≥ ${min.toFixed(1)}× ${label(peer)} (${threads}t)`,
          ratio: mine.samplesPerSecond / other.samplesPerSecond,
          min,
          met: mine.samplesPerSecond >= min * other.samplesPerSecond,
        });
      }
    }
  }
  let breakdownOut = null;
  if (tunenetBreakdown) {
    const torchCars = results.find((x) => x.dataset === tunenetBreakdown.dataset && x.engine === 'pytorch');
    breakdownOut = {
      ...tunenetBreakdown,
      perEpochShare: tunenetBreakdown.perEpochUs / tunenetBreakdown.epochUs,
      pytorchEpochUs: torchCars?.epochUsMedian ?? null,
      pytorchStepUs: torchCars ? torchCars.epochUsMedian / tunenetBreakdown.steps : null,
    };
  }
  return { datasets, results, rows, targets, breakdown: breakdownOut, loads, notes };
}

/** The regression table as text lines; the ratios are engine ÷ PyTorch, as issue 9 states its targets (tunenet's row: RMSE ≤ 1 and samples/s ≥ 1 are met). */
export function regressionTable({ datasets, results }) {
  const lines = [];
  for (const d of datasets) {
    const rs = results.filter((r) => r.dataset === d.name);
    if (!rs.length) continue;
    const torch = rs.find((r) => r.engine === 'pytorch');
    lines.push(
      `${d.name}: ${d.train.toLocaleString('en-US')} train / ${d.test.toLocaleString('en-US')} test rows, ${d.features} features → ${d.target}; ${[d.features, ...(d.hidden ?? [32, 16]), 1].join('-')} ReLU, MSE, Adam 3e-3, batch 32, ${d.epochs} epochs, seeds ${d.seeds.join(', ')}; mean predictor's test RMSE ${d.baselineRmse.toFixed(2)}`,
    );
    const header = ['engine', 'test RMSE mean ± sd', 'min – max', 'R²', 'samples/s', 'µs/epoch', 'RMSE ÷ PyTorch', 'samples/s ÷ PyTorch'];
    const cells = rs.map((r) => [
      `${r.engine}${r.engine === 'pytorch' ? ` ${r.version.split('+')[0]}` : ''}`,
      `${r.rmseMean.toFixed(3)} ± ${r.rmseSd.toFixed(3)}`,
      `${r.rmseMin.toFixed(3)} – ${r.rmseMax.toFixed(3)}`,
      r.r2Mean.toFixed(3),
      Math.round(r.samplesPerSecond).toLocaleString('en-US'),
      r.epochUsMedian < 1e4 ? r.epochUsMedian.toFixed(0) : `${(r.epochUsMedian / 1e3).toFixed(0)} k`,
      torch ? (r.rmseMean / torch.rmseMean).toFixed(3) : '',
      torch ? `${(r.samplesPerSecond / torch.samplesPerSecond).toFixed(2)}×` : '',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const pad = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
    lines.push(pad(header), pad(widths.map((w) => '-'.repeat(w))), ...cells.map(pad), '');
  }
  return lines;
}

export function breakdownLines(b) {
  if (!b) return [];
  return [
    `Where a tunenet epoch goes (${b.dataset}, ${b.steps} steps of 32 rows, 1 thread):`,
    `  epoch ${b.epochUs.toFixed(0)} µs = ${b.steps} steps × ${b.stepUs.toFixed(1)} µs (one step inside a ${b.tiledRows.toLocaleString('en-US')}-row epoch) + ${b.perEpochUs.toFixed(0)} µs per epoch beyond the steps (${(100 * b.perEpochShare).toFixed(0)} %: the async native call, its queue and the epoch's bookkeeping)`,
    `  one synchronous model.trainStep on 32 rows: ${b.trainStepUs.toFixed(1)} µs (napi call, checks of the batch, the guarded step); an epoch of one full-batch step (${b.steps > 1 ? 'all rows' : 'the same'}): ${b.fullBatchEpochUs.toFixed(0)} µs`,
    ...(b.pytorchEpochUs ? [`  PyTorch: ${b.pytorchEpochUs.toFixed(0)} µs per epoch, ${b.pytorchStepUs.toFixed(0)} µs per step (Python + dispatch per op)`] : []),
  ];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { flag, option } = commandLine();
  const quick = flag('quick');
  const threads = Number(option('threads', '1'));
  const started = performance.now();
  const { setupJs, setupPython, setupTunenet } = await import('./setup.mjs');
  setupTunenet({ log: console.error });
  setupJs(console.error);
  const python = setupPython();
  const load0 = os.loadavg();
  const out = await regressionBench({ quick, threads, python, tfjs: !flag('no-tfjs'), breakdown: !flag('no-breakdown'), noWait: flag('no-wait') });
  const load1 = os.loadavg();
  console.log(`\ntunenet regression beside its peers (${quick ? 'quick' : 'full'} mode), ${threads} thread${threads > 1 ? 's' : ''}, on ${os.cpus()[0]?.model ?? 'unknown'} (${os.cpus().length} cores)\n`);
  for (const l of regressionTable(out)) console.log(l);
  for (const l of breakdownLines(out.breakdown)) console.log(l);
  if (out.targets.length) {
    console.log('\nTargets (issue 9)');
    for (const t of out.targets) console.log(`  ${t.met ? 'met   ' : 'MISSED'}  ${t.target}: ${t.ratio.toFixed(3)}×${t.detail ? ` (${t.detail})` : ''}`);
  }
  console.log(`\nload average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`other load while measuring (cores busy outside this benchmark): ${out.loads.map((l) => `${l.label} ${l.otherCores.toFixed(2)}`).join(', ')}`);
  for (const n of out.notes) console.log(`note: ${n}`);
  mkdirSync(path.join(benchDir, 'results'), { recursive: true });
  const file = path.join(benchDir, 'results', 'regression-latest.json');
  const seconds = +((performance.now() - started) / 1000).toFixed(1);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        threads,
        machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version },
        loadAverage: { before: load0, after: load1 },
        ratioMeaning: 'rows: ratio = tunenet advantage (peer RMSE / tunenet RMSE; tunenet samples/s / peer samples/s), > 1 good; the printed table writes tunenet/PyTorch (RMSE ≤ 1 good, samples/s ≥ 1 good)',
        ...out,
        seconds,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nwrote ${path.relative(root, file)} (${seconds.toFixed(0)} s)`);
}
