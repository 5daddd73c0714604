// What a search prints (issue 10: "Tuning prints the same way: trials done/total, best so far,
// ETA"): verbose 2 a line per trial (a rung run in successive halving), 1 a progress bar, 0 or the
// suite's TUNENET_VERBOSE=0 nothing; the default follows fit's 'auto' rule.
import { afterEach, describe, expect, it } from 'vitest';
import { randomSearch, rankTrials, successiveHalving, uniform } from '../../src';

/** A stream that records what is written; `tty` makes it claim to be a terminal. */
function recorder(tty = false) {
  const chunks: string[] = [];
  return { chunks, isTTY: tty, columns: 160, write: (text: string) => (chunks.push(text), true), text: () => chunks.join('') };
}

const space = { q: uniform(0, 1) };
const objective = async (config: { q: number }) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { devMetric: config.q };
};

const savedEnv = process.env.TUNENET_VERBOSE;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.TUNENET_VERBOSE;
  else process.env.TUNENET_VERBOSE = savedEnv;
});

describe('randomSearch verbose', () => {
  it('2: a line per trial with trials done/total, its metric, the best so far and an ETA', async () => {
    const out = recorder();
    const r = await randomSearch({ space, trials: 6, rounds: 2, seed: 4, objective, verbose: 2, verboseStream: out });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    // concurrency 1: trials end in index order, so the best so far after k trials is the best of the first k
    lines.forEach((line, k) => {
      const t = r.trials[k];
      const best = rankTrials(r.trials.slice(0, k + 1))[0];
      expect(line).toContain(`trials ${k + 1}/6  trial ${k}  devMetric ${Number(t.devMetric.toPrecision(4))}  `);
      expect(line).toContain(`best ${Number(best.devMetric.toPrecision(4))} (trial ${best.index})`);
      if (k < 5) expect(line).toMatch(/ETA \d+s$/);
      else expect(line).not.toContain('ETA');
    });
  });

  it('1: a bar (drawn as lines off a terminal) that ends at total/total with the best', async () => {
    const out = recorder();
    const r = await randomSearch({ space, trials: 5, seed: 1, objective, verbose: 1, verboseStream: out });
    const text = out.text();
    expect(text).toMatch(/^trials [=-]{24} 0\/5  best —/);
    expect(text).toContain(`trials ${'='.repeat(24)} 5/5  best ${Number(r.best.devMetric.toPrecision(4))} (trial ${r.best.index})`);
    const tty = recorder(true);
    await randomSearch({ space, trials: 2, seed: 1, objective, verbose: 1, verboseStream: tty });
    expect(tty.text()).toContain('\u2588'.repeat(24));
  });

  it('0, and the default under TUNENET_VERBOSE=0, print nothing; TUNENET_VERBOSE=2 prints lines', async () => {
    const silent = recorder();
    await randomSearch({ space, trials: 2, objective, verbose: 0, verboseStream: silent });
    expect(process.env.TUNENET_VERBOSE).toBe('0'); // vitest.config.ts keeps the suite quiet
    await randomSearch({ space, trials: 2, objective, verboseStream: silent });
    expect(silent.chunks).toEqual([]);
    process.env.TUNENET_VERBOSE = '2';
    const lines = recorder(true);
    await randomSearch({ space, trials: 2, objective, verbose: 'auto', verboseStream: lines });
    expect(lines.text().trimEnd().split('\n')).toHaveLength(2);
  });

  it('a failed trial shows its error', async () => {
    const out = recorder();
    await randomSearch({
      space,
      trials: 2,
      objective: async (c, ctx) => {
        if (ctx.trial === 1) throw new Error('out of memory\nstack');
        return { devMetric: c.q };
      },
      verbose: 2,
      verboseStream: out,
    });
    expect(out.text().trimEnd().split('\n')[1]).toMatch(/^trials 2\/2  trial 1  devMetric failed  [\d.]+s  best [\d.]+ \(trial 0\)  error: out of memory$/);
  });

  it('refuses a bad level or stream, naming the argument', async () => {
    await expect(randomSearch({ space, trials: 1, objective, verbose: 3 as never })).rejects.toThrow(/^randomSearch: verbose: must be 0 \(silent\), 1 \(a progress bar\), 2 .* got 3$/);
    await expect(successiveHalving({ configs: [{ q: 1 }], objective, verboseStream: {} as never })).rejects.toThrow(
      /^successiveHalving: verboseStream: expected a writable stream/,
    );
  });
});

describe('successiveHalving verbose', () => {
  it('2: a line per rung run, counted against the planned runs (9 + 3 + 1), best at the highest rung', async () => {
    const out = recorder();
    const configs = [0.3, 0.9, 0.1, 0.5, 0.99, 0.2, 0.7, 0.4, 0.6].map((q) => ({ q }));
    const r = await successiveHalving({
      configs,
      minEpochs: 1,
      eta: 3,
      objective: async (c, ctx) => ({ devMetric: c.q * (1 - 2 ** -ctx.epochs) }),
      verbose: 2,
      verboseStream: out,
    });
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(13);
    expect(lines[0]).toMatch(/^rung runs 1\/13  trial 0 rung 0  devMetric 0\.15  /);
    expect(lines[12]).toMatch(new RegExp(`^rung runs 13/13  trial ${r.best.index} rung 2  .*best ${Number(r.best.devMetric.toPrecision(4))} \\(trial ${r.best.index}\\)$`));
  });
});
