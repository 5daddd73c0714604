// Learning-rate schedules (src/schedules.ts): every builder checks its arguments with the
// function's name, options are strict, and the schedules themselves check the epoch and context
// a hand-written loop hands them. The formulas are tested with fit in __test__/model/training.test.ts.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/reference/rng';
import { constant, cosineDecay, exponentialDecay, inverseTimeDecay, linearWarmup, reduceOnPlateau, sqrtDecay, stepDecay, type ScheduleContext } from '../../src';

const context = (monitored: number[] = []): ScheduleContext => ({ initialLearningRate: 1, previousLearningRate: 1, monitored });

describe('schedule builders', () => {
  it('name the function and the argument', () => {
    expect(() => inverseTimeDecay(-1)).toThrow(/^inverseTimeDecay: decayRate: must be a finite number ≥ 0, got -1$/);
    expect(() => inverseTimeDecay(NaN)).toThrow(/^inverseTimeDecay: decayRate: must be a finite number ≥ 0, got NaN$/);
    expect(() => inverseTimeDecay('0.5' as never)).toThrow(/^inverseTimeDecay: decayRate: expected a finite number ≥ 0, got the string '0\.5'$/);
    expect(() => inverseTimeDecay(0.5, { staircase: 0 })).toThrow(/^inverseTimeDecay: staircase: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => inverseTimeDecay(0.5, { staircase: Infinity })).toThrow(/^inverseTimeDecay: staircase: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => exponentialDecay(0)).toThrow(/^exponentialDecay: k: must be a finite number in \(0, 1\], got 0$/);
    expect(() => exponentialDecay(1n as never)).toThrow(/^exponentialDecay: k: expected a finite number in \(0, 1\], got a BigInt \(1n\)$/);
    expect(() => sqrtDecay(Infinity)).toThrow(/^sqrtDecay: k: must be a finite number > 0, got Infinity$/);
    expect(() => stepDecay(0.5, 0)).toThrow(/^stepDecay: every: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => stepDecay(0.5, 2.5)).toThrow(/^stepDecay: every: must be an integer in \[1, 1000000000\], got 2\.5$/);
    expect(() => stepDecay(1.5, 2)).toThrow(/^stepDecay: factor: must be a finite number in \(0, 1\], got 1\.5$/);
    expect(() => cosineDecay(0)).toThrow(/^cosineDecay: epochs: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => cosineDecay(2e9)).toThrow(/^cosineDecay: epochs: must be an integer in \[1, 1000000000\], got 2000000000$/);
    expect(() => cosineDecay(10, -1)).toThrow(/^cosineDecay: minLearningRate: must be a finite number ≥ 0, got -1$/);
    expect(() => linearWarmup(0)).toThrow(/^linearWarmup: warmupEpochs: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => linearWarmup(2, 0.1 as never)).toThrow(/^linearWarmup: after: expected a function, got 0\.1$/);
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(/^reduceOnPlateau: factor: must be a finite number in \(0, 1\), got 1$/);
    expect(() => reduceOnPlateau({ patience: Infinity })).toThrow(/^reduceOnPlateau: patience: must be an integer in \[1, 1000000000\], got Infinity$/);
  });

  it('reduceOnPlateau checks minLearningRate (a NaN floor made every reduced rate NaN)', () => {
    expect(() => reduceOnPlateau({ minLearningRate: NaN })).toThrow(/^reduceOnPlateau: minLearningRate: must be a finite number ≥ 0, got NaN$/);
    expect(() => reduceOnPlateau({ minLearningRate: -1 })).toThrow(/^reduceOnPlateau: minLearningRate: must be a finite number/);
  });

  it('options are strict', () => {
    expect(() => reduceOnPlateau({ patients: 2 } as never)).toThrow(/^reduceOnPlateau options: unknown option 'patients' \(did you mean 'patience'\?\)$/);
    expect(() => reduceOnPlateau({ min_lr: 0.1 } as never)).toThrow(/^reduceOnPlateau options: unknown option 'min_lr'/);
    expect(() => inverseTimeDecay(0.5, { stairCase: 2 } as never)).toThrow(/^inverseTimeDecay options: unknown option 'stairCase' \(did you mean 'staircase'\?\)$/);
    expect(() => inverseTimeDecay(0.5, null as never)).toThrow(/^inverseTimeDecay options: expected an options object, got null$/);
  });
});

describe('schedules check what they are called with', () => {
  it('a negative, fractional or non-number epoch, or a missing context, is named', () => {
    const s = exponentialDecay(0.5);
    expect(s(2, context())).toBe(0.25);
    expect(() => s(-1, context())).toThrow(/^exponentialDecay schedule: epoch: must be an integer in \[0, 1000000000\], got -1$/);
    expect(() => s(1.5, context())).toThrow(/^exponentialDecay schedule: epoch: must be an integer/);
    expect(() => s('1' as never, context())).toThrow(/^exponentialDecay schedule: epoch: expected an integer/);
    expect(() => s(0, undefined as never)).toThrow(/^exponentialDecay schedule: context: expected a schedule context/);
    expect(() => s(0, { ...context(), initialLearningRate: NaN })).toThrow(/^exponentialDecay schedule: context\.initialLearningRate: must be a finite number/);
    expect(() => constant()(0, { ...context(), monitored: null as never })).toThrow(/^constant schedule: context\.monitored: expected an array of per-epoch losses, got null$/);
  });

  it('reduceOnPlateau replays a long history in one pass (no spread into Math.min, no O(n²) rescans)', () => {
    const s = reduceOnPlateau({ factor: 0.5, patience: 2, minLearningRate: 0.1 });
    const flat = new Array(300_000).fill(1);
    const started = performance.now();
    expect(s(300_000, context(flat))).toBe(0.1); // a flat metric keeps reducing, down to the floor
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reduceOnPlateau decides as the rule states, NaN and flat stretches included (property)', () => {
    // The rule, stated directly: before epoch n, reduce when the best of the last `patience`
    // values is no better (by minDelta) than the best before them, at most once per `patience` epochs.
    const replay = (seen: number[], factor: number, patience: number, minDelta: number, floor: number) => {
      const min = (a: number[]) => a.reduce((m, v) => (v < m ? v : m), Infinity);
      let rate = 1;
      let last = 0;
      for (let n = patience + 1; n <= seen.length; n++) {
        if (n - last > patience && min(seen.slice(n - patience, n)) >= min(seen.slice(0, n - patience)) - minDelta) {
          last = n;
          rate = Math.max(rate * factor, floor);
        }
      }
      return rate;
    };
    const rng = new Rng(7);
    for (let trial = 0; trial < 300; trial++) {
      const length = rng.below(40);
      const seen = Array.from({ length }, () => {
        const u = rng.nextF64();
        return u < 0.1 ? NaN : u < 0.3 ? 1 : rng.below(5) + rng.nextF64();
      });
      const [factor, patience, minDelta, floor] = [0.5, 1 + rng.below(4), rng.below(2) * 0.1, rng.below(2) * 0.01];
      const s = reduceOnPlateau({ factor, patience, minDelta, minLearningRate: floor });
      expect(s(length, context(seen)), `seed 7, trial ${trial}: ${JSON.stringify(seen)}`).toBe(replay(seen, factor, patience, minDelta, floor));
    }
  });

  it('every builder gives a working schedule', () => {
    expect(inverseTimeDecay(1, { staircase: 2 })(3, context())).toBe(0.5);
    expect(sqrtDecay(2)(3, context())).toBe(1);
    expect(stepDecay(0.5, 2)(4, context())).toBe(0.25);
    expect(cosineDecay(2)(2, context())).toBeCloseTo(0, 15);
    expect(linearWarmup(4)(1, context())).toBe(0.5);
  });
});
