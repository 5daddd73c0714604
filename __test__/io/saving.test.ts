// Saving: concurrent saves to one path, kills in the middle of saves, stale temporary files,
// and saves while a fit runs. The file on disk is always exactly one complete model.
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense, loadModel, relu, saveModel, sequential, type Sequential } from '../../src';
import { removeStaleTemps, STALE_AFTER_MS, tempName } from '../../src/io/atomicFile';
import { blobs, bytesOf } from '../model/helpers';
import { bundleTunenet, data, makeModel } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-saving-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const isTemp = (name: string) => name.endsWith('.tmp');

/** The bytes saveModel writes for `model` (saves of one state are byte-identical). */
async function bytesOfSave(model: Sequential, name: string): Promise<Buffer> {
  const file = path.join(dir, name);
  await saveModel(model, file);
  return fs.readFile(file);
}

describe('concurrent saves to one path', () => {
  it('20 saves of two models at once all succeed, in call order, and the file is exactly one model', async () => {
    const a = makeModel(1);
    const b = makeModel(2);
    await a.fit(data.x, data.y, { epochs: 1 });
    const bytesA = await bytesOfSave(a, 'ref-a.safetensors');
    const bytesB = await bytesOfSave(b, 'ref-b.safetensors');
    expect(bytesA.equals(bytesB)).toBe(false);

    const sub = await fs.mkdtemp(path.join(dir, 'concurrent-'));
    const target = path.join(sub, 'model.safetensors');
    for (let round = 0; round < 5; round++) {
      // All 20 calls start in the same tick (so within one millisecond of each other).
      const order = Array.from({ length: 20 }, (_, i) => ((i + round) % 3 === 0 ? a : b));
      const results = await Promise.allSettled(order.map((m) => saveModel(m, target)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const onDisk = await fs.readFile(target);
      expect(onDisk.equals(bytesA) || onDisk.equals(bytesB), 'the file is one of the two models, not a mix').toBe(true);
      // Saves to one path keep call order: the last call wins.
      expect(onDisk.equals(order[order.length - 1] === a ? bytesA : bytesB)).toBe(true);
      expect(await fs.readdir(sub)).toEqual(['model.safetensors']);
      const loaded = await loadModel(target);
      const expected = order[order.length - 1];
      expect(bytesOf(loaded.getTensor(0, 'W')).equals(bytesOf(expected.getTensor(0, 'W')))).toBe(true);
    }
  });

  it('two different path strings for one file are one target', async () => {
    const a = makeModel(3);
    const sub = await fs.mkdtemp(path.join(dir, 'alias-'));
    const target = path.join(sub, 'm.safetensors');
    const alias = path.join(sub, '.', '..', path.basename(sub), 'm.safetensors');
    const results = await Promise.allSettled([saveModel(a, target), saveModel(a, alias), saveModel(a, target)]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await fs.readdir(sub)).toEqual(['m.safetensors']);
  });

  it('temporary names are unique even within one millisecond in one process', () => {
    const names = new Set(Array.from({ length: 1000 }, () => tempName('/x/model.safetensors')));
    expect(names.size).toBe(1000);
  });
});

describe('stale temporary files', () => {
  /** The pid of a process that has exited. */
  function deadPid(): number {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    return Number(r.stdout.toString());
  }

  it('a save removes temps of the same target left by dead processes or untouched for an hour, and nothing else', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'stale-'));
    const target = path.join(sub, 'model.safetensors');
    const ours = path.basename(tempName(target)); // `.model.safetensors.{host}.{pid}.{uuid}.tmp`
    const [, host] = /^\.model\.safetensors\.([0-9a-f]{8})\./.exec(ours)!;
    const uuid = () => crypto.randomUUID();
    const dead = deadPid();
    const files = {
      deadHere: `.model.safetensors.${host}.${dead}.${uuid()}.tmp`,
      aliveHere: `.model.safetensors.${host}.${process.ppid}.${uuid()}.tmp`, // a running process (vitest's parent)
      otherHost: `.model.safetensors.0bad0bad.${dead}.${uuid()}.tmp`, // another machine's pid: judged by age only
      oldOtherHost: `.model.safetensors.0bad0bad.${dead}.${uuid()}.tmp`,
      otherTarget: `.other.safetensors.${host}.${dead}.${uuid()}.tmp`,
      notOurs: `.model.safetensors.backup.tmp`,
    };
    for (const name of Object.values(files)) await fs.writeFile(path.join(sub, name), 'partial');
    const hourAgo = new Date(Date.now() - STALE_AFTER_MS - 60_000);
    await fs.utimes(path.join(sub, files.oldOtherHost), hourAgo, hourAgo);

    await saveModel(makeModel(), target);
    const left = new Set(await fs.readdir(sub));
    expect(left.has('model.safetensors')).toBe(true);
    expect(left.has(files.deadHere)).toBe(false);
    expect(left.has(files.oldOtherHost)).toBe(false);
    for (const kept of [files.aliveHere, files.otherHost, files.otherTarget, files.notOurs]) expect(left.has(kept), kept).toBe(true);

    // The age rule alone: a live pid's temp an hour old is abandoned too (pids are recycled).
    await fs.utimes(path.join(sub, files.aliveHere), hourAgo, hourAgo);
    expect(await removeStaleTemps(target)).toEqual([path.join(sub, files.aliveHere)]);
  });

  it('a failed save leaves no temporary file behind', async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'failed-'));
    const target = path.join(sub, 'taken');
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, 'keep'), 'x');
    await expect(saveModel(makeModel(), target)).rejects.toThrow(/^saveModel: file: .*taken.* is a directory/);
    expect(await fs.readdir(sub)).toEqual(['taken']);
  });
});

describe('SIGKILL during saves', () => {
  it('never leaves a torn target, and the next save removes the orphaned temps', { timeout: 180_000 }, async () => {
    const sub = await fs.mkdtemp(path.join(dir, 'kill-'));
    const bundle = await bundleTunenet(sub);
    const target = path.join(sub, 'model.safetensors');
    // Two models of ~1.5 MB files (so a kill often lands mid-write), saved alternately forever.
    const script = `
      const t = require(${JSON.stringify(bundle)});
      const make = (seed) => t.sequential({ inputSize: 64, seed, threads: 1, layers: [t.dense(1024), t.relu(), t.dense(64), t.relu(), t.dense(3)] });
      const models = [make(1), make(2)];
      (async () => {
        await t.saveModel(models[0], process.argv[1] + '.a');
        await t.saveModel(models[1], process.argv[1] + '.b');
        process.stdout.write('ready\\n');
        for (let i = 0; ; i++) await t.saveModel(models[i % 2], process.argv[1]);
      })().catch((e) => { console.error(e); process.exit(1); });
    `;
    const kills = 25;
    let orphansSeen = 0;
    let refs: Buffer[] = [];
    for (let k = 0; k < kills; k++) {
      const child = spawn(process.execPath, ['-e', script, target], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => d.toString().includes('ready') && resolve());
        child.on('exit', (code) => reject(new Error(`child exited (${code}) before saving: ${stderr}`)));
      });
      if (k === 0) refs = [await fs.readFile(`${target}.a`), await fs.readFile(`${target}.b`)];
      await new Promise((r) => setTimeout(r, 5 + ((k * 37) % 60)));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const names = await fs.readdir(sub);
      orphansSeen += names.filter(isTemp).length;
      const bytes = await fs.readFile(target).catch(() => undefined);
      if (bytes) expect(bytes.equals(refs[0]) || bytes.equals(refs[1]), `kill ${k}: the target is one complete model`).toBe(true);
    }
    // Kills land mid-write most of the time: orphans exist (else this test proves nothing)…
    expect(orphansSeen).toBeGreaterThan(0);
    // …and the next save of that target removes them all (their processes are dead).
    await saveModel(makeModel(), target);
    expect((await fs.readdir(sub)).filter(isTemp)).toEqual([]);
    await expect(loadModel(target)).resolves.toBeDefined();
  });
});

describe('saveModel during fit', () => {
  const big = blobs(11, 1500, 3, 4); // 4500 examples: a few ms per epoch
  const batchSize = 50;
  const stepsPerEpoch = Math.ceil(4500 / batchSize);
  const build = () => sequential({ inputSize: 4, seed: 21, threads: 1, layers: [dense(64), relu(), dense(32), relu(), dense(3)] });

  /** Saves 5 times while a fit runs (stopped once they are done); the files and whether the fit still ran. */
  async function savesDuringFit(name: string, extra: Record<string, unknown> = {}, count = 5): Promise<{ file: string; fitRunning: boolean }[]> {
    const model = build();
    const saved: { file: string; fitRunning: boolean }[] = [];
    let fitDone = false;
    const run = model.fit(big.x, big.y, {
      ...extra,
      epochs: 400,
      batchSize,
      onEpochEnd: (_log, control) => {
        if (saved.length >= count) control.stop();
      },
    });
    void run.finally(() => (fitDone = true));
    for (let i = 0; i < count; i++) {
      await new Promise((r) => setTimeout(r, 3 + 7 * (i % 5)));
      const file = path.join(dir, `${name}-${i}.safetensors`);
      await saveModel(model, file);
      saved.push({ file, fitRunning: !fitDone });
    }
    await run;
    return saved;
  }

  it('5 saves during a running fit succeed, each a consistent snapshot between steps', { timeout: 120_000 }, async () => {
    const saved = await savesDuringFit('during-fit');
    expect(saved.map((s) => s.fitRunning)).toEqual([true, true, true, true, true]);

    // Each file: loads, finite tensors, evaluates, and its step matches its weights: they are
    // bitwise the weights of a fresh model trained step / stepsPerEpoch whole epochs.
    const reference = build();
    let referenceEpochs = 0;
    const steps: number[] = [];
    for (const { file } of saved) {
      const loaded = await loadModel(file, { threads: 1 });
      for (const t of loaded.tensors()) expect(loaded.getTensor(t.layer, t.name).every(Number.isFinite), t.name).toBe(true);
      const e = await loaded.evaluate(big.x, big.y);
      expect(Number.isFinite(e.loss)).toBe(true);
      const step = loaded.handle.getStep();
      steps.push(step);
      expect(step % stepsPerEpoch, 'snapshots fall between two epochs of this fit').toBe(0);
      const epochs = step / stepsPerEpoch;
      if (epochs > referenceEpochs) {
        await reference.fit(big.x, big.y, { epochs: epochs - referenceEpochs, batchSize, initialEpoch: referenceEpochs });
        referenceEpochs = epochs;
      }
      for (const t of reference.tensors()) {
        expect(bytesOf(loaded.getTensor(t.layer, t.name)).equals(bytesOf(reference.getTensor(t.layer, t.name))), `${file} ${t.layer}.${t.name}`).toBe(true);
      }
    }
    expect(steps).toEqual([...steps].sort((x, y) => x - y));
  });

  it('a save from onEpochEnd (a checkpoint callback) stores the training state of the same point as the weights', { timeout: 120_000 }, async () => {
    const model = build();
    const files: string[] = [];
    await model.fit(big.x, big.y, {
      epochs: 5,
      batchSize,
      onEpochEnd: async (log) => {
        const file = path.join(dir, `checkpoint-${log.epoch}.safetensors`);
        await saveModel(model, file);
        files.push(file);
      },
    });
    expect(files.length).toBe(5);
    for (const file of files) {
      const loaded = await loadModel(file, { threads: 1 });
      const step = loaded.handle.getStep();
      // Resuming with initialEpoch = training.epoch must continue from these weights: `epoch`
      // completed epochs are exactly `step` steps (no state at all means no epoch completed).
      const epoch = loaded.trainingState?.epoch ?? 0;
      expect(epoch * stepsPerEpoch, `${path.basename(file)}: training.epoch ${epoch} vs step ${step}`).toBe(step);
    }
  });

  it('a save from outside during a fit with validation and early stopping stores the training state of the same point as the weights', { timeout: 120_000 }, async () => {
    // Here the fit awaits native calls (dev evaluation, best-weight copies) between an epoch's
    // steps and its training-state update: a snapshot must not fall in that window.
    const saved = await savesDuringFit('during-fit-state', { validation: blobs(12, 300, 3, 4), earlyStopping: { patience: 1000 } }, 10);
    const mismatched: string[] = [];
    for (const { file } of saved) {
      const loaded = await loadModel(file, { threads: 1 });
      const step = loaded.handle.getStep();
      const epoch = loaded.trainingState?.epoch ?? 0;
      if (epoch * stepsPerEpoch !== step) mismatched.push(`${path.basename(file)}: training.epoch ${epoch} but step ${step} (${step / stepsPerEpoch} epochs)`);
    }
    expect(mismatched).toEqual([]);
  });
});
