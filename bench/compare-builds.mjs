// Two builds of tunenet side by side (issue 13's working tool): is a change to the core faster at
// training the MNIST network, and does it keep the bits?
//
//   node bench/compare-builds.mjs save NAME     copies the current build (dist/, index.js, the .node,
//                                               and the bench's MNIST model) to bench/.cache/builds/NAME
//   node bench/compare-builds.mjs OLD NEW [--variant B] [--threads 1] [--rounds 21] [--processes 4]
//
// Each of --processes child processes loads both builds (each copy its own native library) and
// first trains one model per build for 2 epochs from the same seed, comparing every tensor's bits;
// then it trains one model per build epoch by epoch, interleaved in --rounds rounds whose order
// swaps every round (as bench/b-over-a.mjs), a round's ratio being NEW's samples/s over OLD's.
// The processes alternate which build they load first. The result is the median over the
// processes of each one's median ratio: one process is not a measurement (before the cache-line
// allocator, crates/core/src/aligned_alloc.rs, a build against a copy of itself gave process
// medians anywhere in 0.93–1.08, each with quartiles within ±0.02, as its buffers happened to
// land; now 1.00–1.01). With --threads 1 the children run pinned to one CPU (taskset, where there
// is one): the two builds' work then shares a core, whichever vCPU the host is starving.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportSplit } from './export-split.mjs';
import { cacheDir, commandLine, median, readSplit, root, trainerArgs } from './lib.mjs';

const buildsDir = path.join(cacheDir, 'builds');
const { option, positional } = parseArgs();

if (positional[0] === 'save') save(positional[1]);
else if (positional[0] === 'child') await child(positional[1], positional[2]);
else await compare(positional[0], positional[1]);

function parseArgs() {
  const argv = process.argv.slice(2);
  const { option } = commandLine(argv);
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) i++; // an option and its value
    else positional.push(argv[i]);
  }
  return { option, positional };
}

function buildDir(name) {
  if (!name || !/^[\w.-]+$/.test(name)) throw new Error(`compare-builds: a build name of letters, digits, '.', '_' or '-', not ${name}`);
  return path.join(buildsDir, name);
}

/** Copies what a bench script loads of the current build; `npm run build` first. */
function save(name) {
  const dir = buildDir(name);
  const nativeFiles = readdirSync(root).filter((f) => f.endsWith('.node'));
  if (!existsSync(path.join(root, 'dist', 'index.mjs')) || !nativeFiles.length) {
    throw new Error('compare-builds save: no build here (npm run build)');
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'bench', 'trainers'), { recursive: true });
  for (const f of ['dist', 'index.js', 'package.json', ...nativeFiles]) cpSync(path.join(root, f), path.join(dir, f), { recursive: true });
  // The model as this build's bench defines it; its `../tunenet.mjs` resolves to the copy's dist.
  for (const f of ['tunenet.mjs', 'trainers/tunenet-mnist-model.mjs']) cpSync(path.join(root, 'bench', f), path.join(dir, 'bench', f));
  console.log(`saved the current build as ${path.relative(root, dir)}`);
}

async function compare(oldName, newName) {
  if (oldName === newName) throw new Error('compare-builds: two different builds (one module would serve both)');
  for (const name of [oldName, newName]) {
    if (!existsSync(buildDir(name))) throw new Error(`compare-builds: no saved build ${name} (node bench/compare-builds.mjs save ${name})`);
  }
  exportSplit(); // the MNIST split the children read (cached in bench/.cache)
  const processes = Number(option('processes', '4'));
  const settings = { variant: option('variant', 'B'), threads: option('threads', '1'), rounds: option('rounds', '21') };
  const pin = settings.threads === '1' && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  const results = [];
  for (let p = 0; p < processes; p++) {
    const order = p % 2 === 0 ? [oldName, newName] : [newName, oldName];
    const args = [fileURLToPath(import.meta.url), 'child', ...order, ...Object.entries(settings).flatMap(([k, v]) => [`--${k}`, v])];
    const [cmd, cmdArgs] = pin
      ? ['taskset', ['-c', String(availableParallelism() - 1), process.execPath, ...args]]
      : [process.execPath, args];
    const r = spawnSync(cmd, cmdArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`compare-builds: child process ${p + 1} failed (${r.status ?? r.signal})`);
    // The child reports its second build over its first: turned here into NEW over OLD.
    const child = JSON.parse(r.stdout.trim().split('\n').at(-1));
    const newOverOld = (x) => (order[1] === newName ? x : 1 / x);
    const result = { ratio: newOverOld(child.median), quartiles: child.quartiles.map(newOverOld).sort((a, b) => a - b), sameBits: child.sameBits };
    results.push(result);
    console.log(
      `process ${p + 1}${pin ? ' (pinned to one CPU)' : ''}: ${newName} / ${oldName} ${result.ratio.toFixed(3)} over ${settings.rounds} rounds ` +
        `(quartiles ${result.quartiles.map((q) => q.toFixed(3)).join('–')}); bits ${result.sameBits ? 'the same' : 'DIFFERENT'}`,
    );
  }
  const sameBits = results.every((r) => r.sameBits);
  console.log(
    `\nvariant ${settings.variant}, ${settings.threads} thread(s): ${newName} trains at ${median(results.map((r) => r.ratio)).toFixed(3)}× ` +
      `${oldName}'s samples/s (median of ${processes} processes' medians: ${results.map((r) => r.ratio.toFixed(3)).join(', ')}); ` +
      `after 2 epochs from one seed their weights are ${sameBits ? 'bit for bit the same' : 'NOT the same'}`,
  );
}

/** One process: the bit check, then the interleaved epochs; prints one JSON line. */
async function child(first, second) {
  const variant = option('variant', 'B');
  const threads = Number(option('threads', '1'));
  const rounds = Number(option('rounds', '21'));
  const d = readSplit();
  const { batchSize, learningRate } = trainerArgs([]);
  const builds = {};
  for (const name of [first, second]) {
    const dir = buildDir(name);
    const lib = await import(path.join(dir, 'dist', 'index.mjs'));
    const { mnistModel } = await import(path.join(dir, 'bench', 'trainers', 'tunenet-mnist-model.mjs'));
    builds[name] = { lib, make: () => mnistModel({ ...trainerArgs([]), variant, threads }, d) };
  }
  const fit = (name, model, epochs) =>
    model.fit(d.trainX, d.trainY, { verbose: 0, epochs, batchSize, optimizer: builds[name].lib.adam({ learningRate }) });

  const digests = [];
  for (const name of [first, second]) {
    const model = builds[name].make();
    await fit(name, model, 2);
    const hash = createHash('sha256');
    for (const t of model.tensors()) hash.update(model.getTensor(t.layer, t.name));
    digests.push(hash.digest('hex'));
  }

  const models = { [first]: builds[first].make(), [second]: builds[second].make() };
  const rate = async (name) => d.train / (await fit(name, models[name], 1)).epochs[0].seconds;
  for (const name of [first, second]) await rate(name); // warm-up: first-call allocations
  const rates = { [first]: [], [second]: [] };
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 === 0 ? [first, second] : [second, first]) rates[name].push(await rate(name));
  }
  const ratios = rates[second].map((v, i) => v / rates[first][i]).sort((a, b) => a - b); // second over first
  console.log(
    JSON.stringify({
      variant,
      rounds,
      median: median(ratios),
      quartiles: [ratios[Math.floor(rounds / 4)], ratios[Math.floor((3 * rounds) / 4)]],
      sameBits: digests[0] === digests[1],
    }),
  );
}
