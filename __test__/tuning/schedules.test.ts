// Learning-rate schedules (src/schedules.ts): every builder checks its arguments with the
// function's name, options are strict, and the schedules themselves check the epoch and context
// a hand-written loop hands them. The formulas are tested with fit in __test__/model/training.test.ts.
import { describe, expect, it } from 'vitest';
import { constant, cosineDecay, exponentialDecay, inverseTimeDecay, linearWarmup, reduceOnPlateau, sqrtDecay, stepDecay, type ScheduleContext } from '../../src';

const context = (monitored: number[] = []): ScheduleContext => ({ initialLearningRate: 1, previousLearningRate: 1, monitored });

describe('schedule builders', () => {
  it('name the function and the argument', () => {
    expect(() => inverseTimeDecay(-1)).toThrow(/^inverseTimeDecay: decayRate: must be a finite number in \[0, Infinity\], got -1$/);
    expect(() => inverseTimeDecay(NaN)).toThrow(/^inverseTimeDecay: decayRate: must be a finite number in \[0, Infinity\], got NaN$/);
    expect(() => inverseTimeDecay('0.5' as never)).toThrow(/^inverseTimeDecay: decayRate: expected a finite number in \[0, Infinity\], got the string '0\.5'$/);
    expect(() => inverseTimeDecay(0.5, { staircase: 0 })).toThrow(/^inverseTimeDecay: staircase: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => inverseTimeDecay(0.5, { staircase: Infinity })).toThrow(/^inverseTimeDecay: staircase: must be an integer in \[1, 1000000000\], got Infinity$/);
    expect(() => exponentialDecay(0)).toThrow(/^exponentialDecay: k: must be a finite number in \(0, 1\], got 0$/);
    expect(() => exponentialDecay(1n as never)).toThrow(/^exponentialDecay: k: expected a finite number in \(0, 1\], got a BigInt \(1n\)$/);
    expect(() => sqrtDecay(Infinity)).toThrow(/^sqrtDecay: k: must be a finite number in \(0, Infinity\], got Infinity$/);
    expect(() => stepDecay(0.5, 0)).toThrow(/^stepDecay: every: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => stepDecay(0.5, 2.5)).toThrow(/^stepDecay: every: must be an integer in \[1, 1000000000\], got 2\.5$/);
    expect(() => stepDecay(1.5, 2)).toThrow(/^stepDecay: factor: must be a finite number in \(0, 1\], got 1\.5$/);
    expect(() => cosineDecay(0)).toThrow(/^cosineDecay: epochs: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => cosineDecay(2e9)).toThrow(/^cosineDecay: epochs: must be an integer in \[1, 1000000000\], got 2000000000$/);
    expect(() => cosineDecay(10, -1)).toThrow(/^cosineDecay: minLearningRate: must be a finite number in \[0, Infinity\], got -1$/);
    expect(() => linearWarmup(0)).toThrow(/^linearWarmup: warmupEpochs: must be an integer in \[1, 1000000000\], got 0$/);
    expect(() => linearWarmup(2, 0.1 as never)).toThrow(/^linearWarmup: after: expected a function, got 0\.1$/);
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(/^reduceOnPlateau: factor: must be a finite number in \(0, 1\), got 1$/);
    expect(() => reduceOnPlateau({ patience: Infinity })).toThrow(/^reduceOnPlateau: patience: must be an integer in \[1, 1000000000\], got Infinity$/);
  });

  it('reduceOnPlateau checks minLearningRate (a NaN floor made every reduced rate NaN)', () => {
    expect(() => reduceOnPlateau({ minLearningRate: NaN })).toThrow(/^reduceOnPlateau: minLearningRate: must be a finite number in \[0, Infinity\], got NaN$/);
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

  it('reduceOnPlateau handles a history longer than Math.min(...spread) can take', () => {
    const s = reduceOnPlateau({ factor: 0.5, patience: 2 });
    const flat = new Array(300_000).fill(1);
    expect(s(300_000, context(flat))).toBe(0.5);
  });

  it('every builder gives a working schedule', () => {
    expect(inverseTimeDecay(1, { staircase: 2 })(3, context())).toBe(0.5);
    expect(sqrtDecay(2)(3, context())).toBe(1);
    expect(stepDecay(0.5, 2)(4, context())).toBe(0.25);
    expect(cosineDecay(2)(2, context())).toBeCloseTo(0, 15);
    expect(linearWarmup(4)(1, context())).toBe(0.5);
  });
});
