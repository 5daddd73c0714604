// What fit prints and how it knows (issue 10, "Watching"): handle.progress() read while an
// epoch runs as one native call, verbose 2's line per epoch, verbose 1's bar on a given stream,
// option checks, and the default ('auto': TUNENET_VERBOSE, else 1 on a terminal, 2 elsewhere;
// vitest.config.ts sets TUNENET_VERBOSE=0 so the suite stays quiet).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { adam, dense, relu, sequential, tanh } from '../../src';
import type { FitOptions } from '../../src/training/fit';
import { blobs } from '../model/helpers';

const small = blobs(3, 10, 3, 4); // 30 rows
const make = (backend: 'native' | 'reference' = 'native') =>
  sequential({ inputSize: 4, seed: 2, threads: 1, backend, optimizer: adam({ learningRate: 0.05 }), layers: [dense(6), tanh(), dense(3)] });

/** An epoch of `steps` steps that takes a while (hundreds of ms at least), for the timers to fire in it. */
function longEpoch(steps: number) {
  const data = blobs(5, Math.ceil((steps * 8) / 3), 3, 32);
  const model = sequential({ inputSize: 32, seed: 3, threads: 1, layers: [dense(256), relu(), dense(256), relu(), dense(3)] });
  return { model, x: data.x, y: data.y, rows: data.y.length };
}

/** A stream that records what is written; `tty` makes it claim to be a terminal. */
function recorder(tty: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY: tty, columns: 160, write: (text: string) => (chunks.push(text), true), text: () => chunks.join('') };
}

/** The text without a terminal's escape sequences (cursor moves, line clears, wrap switches). */
const plain = (text: string) => text.replace(/\x1b(?:\[[\d;?]*[A-Za-z]|[78])/g, '');

const savedEnv = process.env.TUNENET_VERBOSE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.TUNENET_VERBOSE;
  else process.env.TUNENET_VERBOSE = savedEnv;
  vi.restoreAllMocks();
});

describe('handle.progress()', () => {
  it('is all zeros before the first epoch, on both backends', () => {
    for (const backend of ['native', 'reference'] as const) {
      expect(make(backend).handle.progress()).toEqual({ steps: 0, totalSteps: 0, examples: 0, lossSum: 0 });
    }
  });

  it('advances while one native call trains a whole epoch, and ends at the epoch totals', async () => {
    const { model, x, y, rows } = longEpoch(1500);
    const seen: number[] = [];
    const timer = setInterval(() => seen.push(model.handle.progress().steps), 1);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    clearInterval(timer);
    const steps = Math.ceil(rows / 8);
    expect(history.epochs[0].steps).toBe(steps);
    // Read mid-epoch without waiting for the model (a locked read would have thrown "busy").
    expect(seen.some((s) => s > 0 && s < steps)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    const p = model.handle.progress();
    expect(p).toMatchObject({ steps, totalSteps: steps, examples: rows });
    expect(p.lossSum / p.examples).toBe(history.epochs[0].trainLoss); // one call: the same sum
  });

  it('counts the epoch across onStep chunks and restarts with each epoch (both backends)', async () => {
    for (const backend of ['native', 'reference'] as const) {
      const model = make(backend);
      const seen: [number, number, number, number][] = [];
      const onStep: FitOptions['onStep'] = (log) => {
        const p = model.handle.progress();
        seen.push([log.epoch, log.step, p.steps, p.totalSteps]);
      };
      const history = await model.fit(small.x, small.y, { epochs: 2, batchSize: 4, dropLast: true, stepsPerCallback: 3, onStep, verbose: 0 });
      // 30 rows, batch 4, last partial batch dropped: 7 steps, seen after steps 3, 6 and 7.
      const expected = [0, 1].flatMap((epoch) => [3, 6, 7].map((step) => [epoch, step, step, 7]));
      expect(seen, backend).toEqual(expected);
      expect(model.handle.progress().examples, backend).toBe(28);
      expect(history.epochs.map((e) => e.steps)).toEqual([7, 7]);
    }
  });
});

describe('verbose: 2, a line per epoch', () => {
  it('writes `epoch i/n` with the loss, metrics, dev metrics, lr, time and speed to stdout', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => (lines.push(String(text)), true));
    const model = make();
    const history = await model.fit(small.x, small.y, { epochs: 2, batchSize: 8, verbose: 2, validation: { x: small.x, y: small.y } });
    vi.restoreAllMocks();
    const n = '-?[\\d.]+(?:e[-+]\\d+)?';
    const line = new RegExp(`^epoch (\\d)/2  loss ${n}  accuracy ${n}  dev loss ${n}  dev accuracy ${n}  lr 0\\.05  \\d+\\.\\d\\ds  \\d+ samples/s\\n$`);
    const ours = lines.filter((l) => l.startsWith('epoch '));
    expect(ours).toHaveLength(2);
    ours.forEach((l, i) => expect(l).toMatch(line) && expect(line.exec(l)![1]).toBe(String(i + 1)));
    expect(ours[1]).toContain(`loss ${Number(history.epochs[1].trainLoss.toPrecision(4))}  `);
    expect(ours[1]).toContain(`dev accuracy ${Number(history.epochs[1].devAccuracy!.toPrecision(4))}  `);
  });

  it('shows what the log holds (a regression model has no accuracy) and counts epochs from initialEpoch', async () => {
    const out = recorder(false);
    const model = sequential({ inputSize: 4, seed: 2, threads: 1, output: 'linear', layers: [dense(5), tanh(), dense(1)] });
    const y = Array.from({ length: 30 }, (_, i) => i / 30);
    await model.fit(small.x, y, { epochs: 2, initialEpoch: 3, verbose: 2, verboseStream: out });
    // The run starts with the model's summary (Keras's model.summary()), then a line per epoch.
    const summary = `${model.summary()}\n`;
    expect(out.text().startsWith(summary)).toBe(true);
    const lines = out.text().slice(summary.length).split('\n').filter(Boolean);
    expect(lines.map((l) => l.split('  ')[0])).toEqual(['epoch 4/5', 'epoch 5/5']);
    for (const l of lines) {
      expect(l).toMatch(/^epoch \d\/5  loss \S+  lr 0\.001  \d+\.\d\ds  \d+ samples\/s$/);
      expect(l).not.toContain('accuracy');
    }
  });
});

describe('verbose: 1, a progress bar', () => {
  it('redraws on a terminal while the epoch runs (steps, ETA, running loss, samples/s), then keeps the summary', async () => {
    // Long enough (about a second here) for several 200 ms redraws even on a busy machine.
    const { model, x, y } = longEpoch(12000);
    const out = recorder(true);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 1, verboseStream: out });
    const steps = history.epochs[0].steps;
    const text = out.text();
    const draws = text.split(/\x1b\[\d*G/).map(plain).filter((s) => s.startsWith('epoch 1/1 '));
    expect(draws[0]).toMatch(new RegExp(`^epoch 1/1 ░+ 0/${steps}`));
    // Mid-epoch: some steps done, with an ETA, the running loss and the speed.
    expect(draws.some((d) => new RegExp(`^epoch 1/1 █*░+ (\\d+)/${steps}  ETA \\S+  loss \\S+  \\d+ samples/s`).test(d) && !d.includes(` 0/${steps}`))).toBe(true);
    const last = draws[draws.length - 1];
    expect(last).toMatch(new RegExp(`^epoch 1/1 █+ ${steps}/${steps}  loss \\S+  accuracy \\S+  lr 0\\.001  \\d+\\.\\d\\ds  \\d+ samples/s`));
    expect(text.endsWith('\n')).toBe(true);
  });

  it('draws on a stream that is not a terminal when asked for explicitly: a line per redraw', async () => {
    const out = recorder(false);
    const model = make();
    await model.fit(small.x, small.y, { epochs: 2, batchSize: 8, verbose: 1, verboseStream: out });
    const lines = out.text().slice(model.summary().length + 1).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.filter((l) => /^epoch 1\/2 =+ 4\/4  loss \S+  accuracy \S+  lr 0\.05  /.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /^epoch 2\/2 =+ 4\/4  loss /.test(l))).toHaveLength(1);
    expect(lines.every((l) => /^epoch [12]\/2 [=-]{24} \d\/4/.test(l))).toBe(true);
  });

  it('stops drawing when the fit fails: no timer outlives it', async () => {
    const out = recorder(true);
    const model = make();
    const onEpochEnd = () => {
      throw new Error('callback failed');
    };
    await expect(model.fit(small.x, small.y, { epochs: 3, verbose: 1, verboseStream: out, onEpochEnd })).rejects.toThrow('callback failed');
    const written = out.chunks.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(out.chunks.length).toBe(written);
  });
});

describe('verbose options', () => {
  it.each([3, -1, 0.5, '1', true, null, 'bar'])('rejects verbose %j', async (verbose) => {
    const model = make();
    await expect(model.fit(small.x, small.y, { verbose } as unknown as FitOptions)).rejects.toThrow(
      /^fit: verbose: must be 0 \(silent\), 1 \(a progress bar\), 2 \(a line per epoch\) or "auto", got /,
    );
    expect(model.trainingState).toBeUndefined();
  });

  it('rejects a verboseStream without write, and suggests verbose for a misspelling', async () => {
    const model = make();
    await expect(model.fit(small.x, small.y, { verboseStream: {} } as unknown as FitOptions)).rejects.toThrow(/^fit: verboseStream: expected a writable stream/);
    await expect(model.fit(small.x, small.y, { verbosity: 1 } as unknown as FitOptions)).rejects.toThrow(/unknown option 'verbosity' \(did you mean 'verbose'\?\)/);
  });

  it('the default follows TUNENET_VERBOSE, else the stream: 1 on a terminal, 2 elsewhere', async () => {
    const model = make();
    const fitTo = async (out: ReturnType<typeof recorder>, verbose?: 'auto') => {
      await model.fit(small.x, small.y, { epochs: 1, batchSize: 8, verboseStream: out, ...(verbose ? { verbose } : {}) });
      // Whatever is printed starts with the summary; the rest is the level's own output.
      const text = out.text();
      if (text === '') return text;
      expect(text.startsWith(`${model.summary()}\n`)).toBe(true);
      return text.slice(model.summary().length + 1);
    };
    expect(process.env.TUNENET_VERBOSE).toBe('0'); // vitest.config.ts keeps the suite quiet
    expect(await fitTo(recorder(true))).toBe('');
    process.env.TUNENET_VERBOSE = '2';
    expect(await fitTo(recorder(true), 'auto')).toMatch(/^epoch 1\/1  loss \S+  accuracy /);
    process.env.TUNENET_VERBOSE = '1';
    expect(await fitTo(recorder(false))).toMatch(/^epoch 1\/1 [=-]{24} 0\/4/);
    delete process.env.TUNENET_VERBOSE;
    expect(await fitTo(recorder(false))).toMatch(/^epoch 1\/1  loss /);
    expect(plain(await fitTo(recorder(true)))).toMatch(/^epoch 1\/1 ░+ 0\/4/);
    process.env.TUNENET_VERBOSE = 'loud';
    await expect(fitTo(recorder(false))).rejects.toThrow(/^TUNENET_VERBOSE \(environment\): must be 0 \(silent\), 1 \(a progress bar\), 2 \(a line per epoch\) or "auto", got the string 'loud'$/);
    // An explicit verbose wins over the environment.
    const out = recorder(false);
    await model.fit(small.x, small.y, { epochs: 1, verbose: 0, verboseStream: out });
    expect(out.text()).toBe('');
  });
});
