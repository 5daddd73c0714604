// Accuracy at equal epochs (issue 13, target 5): the MNIST network of bench/run.mjs (8,000
// training digits, 1,000 test digits, Adam 1e-3, batch 128), variants A (plain) and B (batch norm
// + dropout 0.8 + L2 1e-4), trained for the same epochs over several seeds by tunenet with its
// defaults, PyTorch with *its* defaults (nn.Linear's kaiming-uniform init and biases) and PyTorch
// with He init (He normal, zero biases: tunenet's default before ReLU), which separates "the initialization"
// from "the framework"; batch norm's momentum is 0.1 in PyTorch's convention in all three
// (tunenet's default 0.9). Accuracy, not speed: the runs may share the machine.
// --init adds a row "tunenet (init X)" per initializer X (every dense layer; the plain "tunenet"
// row is tunenet's defaults: he, varianceScaling 0.1 before batch norm), to tell which init trains best at
// equal epochs. The last column is each row's lead over PyTorch with its defaults, the bar of
// target 5, with one standard error of that difference (the two means' errors combined; the
// frameworks draw different inits and orders from the same seed, so the runs are not paired).
// --pytorch-inits picks the PyTorch rows (torch: its defaults, the bar; tunenet: he init).
//
//   node bench/accuracy.mjs [--seeds 5] [--epochs 5] [--variants A,B] [--init glorotUniform,lecun]
//                           [--pytorch-inits torch,tunenet]
// Writes bench/results/accuracy-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportSplit } from './export-split.mjs';
import { benchDir, commandLine, jsonLines, mean, run, sd } from './lib.mjs';
import { setupPython, setupTunenet } from './setup.mjs';

const { option } = commandLine();
const seeds = Number(option('seeds', '5'));
const epochs = Number(option('epochs', '5'));
const variants = option('variants', 'A,B').split(',');
const inits = option('init', '').split(',').filter(Boolean);
const pytorchInits = option('pytorch-inits', 'torch,tunenet').split(',');
if (!pytorchInits.includes('torch')) throw new Error('--pytorch-inits: needs torch, the bar every row is compared with');

setupTunenet();
const python = setupPython();
exportSplit();

const tunenet = path.join(benchDir, 'trainers', 'tunenet.mjs');
const peers = [
  { name: 'tunenet', cmd: process.execPath, args: [tunenet] },
  ...inits.map((init) => ({ name: `tunenet (init ${init})`, init, cmd: process.execPath, args: [tunenet, '--init', init] })),
  ...pytorchInits.map((init) => ({
    name: { torch: 'pytorch (its defaults)', tunenet: 'pytorch (he init)' }[init] ?? `pytorch (init ${init})`,
    cmd: python,
    args: [path.join(benchDir, 'trainers', 'torch_mnist.py'), '--init', init],
  })),
];
const env = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };


const rows = [];
for (const variant of variants) {
  for (const peer of peers) {
    const accuracies = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const out = jsonLines(run(peer.cmd, [...peer.args, '--variant', variant, '--epochs', String(epochs), '--threads', '1', '--seed', String(seed)], { env }));
      const result = out.reverse().find((l) => l.result)?.result;
      if (!result) throw new Error(`${peer.name}: no result line`);
      accuracies.push(result.testAccuracy);
      console.error(`accuracy: variant ${variant}, ${peer.name}, seed ${seed}: ${(100 * result.testAccuracy).toFixed(2)}%`);
    }
    rows.push({ variant, framework: peer.name, ...(peer.init && { init: peer.init }), epochs, seeds, accuracies, mean: mean(accuracies), sd: sd(accuracies) });
  }
}

console.log(`\nTest accuracy after ${epochs} epochs, ${seeds} seeds (mean ± sd over seeds; 1,000 test digits):`);
const width = Math.max(25, ...rows.map((r) => r.framework.length));
console.log(`variant  ${'framework'.padEnd(width)} mean      sd     vs pytorch (its defaults) ± one standard error`);
for (const r of rows) {
  const bar = rows.find((o) => o.variant === r.variant && o.framework === 'pytorch (its defaults)');
  if (r !== bar) {
    r.leadOverPytorch = r.mean - bar.mean;
    r.leadStandardError = Math.sqrt(r.sd ** 2 / r.seeds + bar.sd ** 2 / bar.seeds);
  }
  const diff = r === bar ? '' : `${(r.leadOverPytorch * 100).toFixed(2).padStart(6)} ± ${(r.leadStandardError * 100).toFixed(2)} pts`;
  console.log(`${r.variant.padEnd(8)} ${r.framework.padEnd(width)} ${(100 * r.mean).toFixed(2)}%  ${(100 * r.sd).toFixed(2)}   ${diff}`);
}
mkdirSync(path.join(benchDir, 'results'), { recursive: true });
writeFileSync(path.join(benchDir, 'results', 'accuracy-latest.json'), `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
