// diagnose: the course's examples (1%/11%, 15%/16%, 15%/30%, 0.5%/1%), the base error, the
// tolerance rule (a gap counts as high only above it), the basic-recipe advice, bad input.
import { describe, expect, it } from 'vitest';
import { BIAS_ADVICE, DEFAULT_TOLERANCE, diagnose, VARIANCE_ADVICE } from '../../src';

describe('diagnose', () => {
  it.each([
    // The course's four cases with a base (human) error near 0.
    [0.01, 0.11, 0, 'high variance'],
    [0.15, 0.16, 0, 'high bias'],
    [0.15, 0.3, 0, 'high bias and high variance'],
    [0.005, 0.01, 0, 'fine'],
    // With a base error of 15% (blurry images), 15%/16% is fine.
    [0.15, 0.16, 0.15, 'fine'],
    // With a base error of 7.5%, 8%/10% has little avoidable bias: variance (2.0001 points) dominates.
    [0.08, 0.100001, 0.075, 'high variance'],
  ])('train %f, dev %f, base %f → %s', (trainError, devError, baseError, verdict) => {
    const d = diagnose({ trainError, devError, baseError });
    expect(d.verdict).toBe(verdict);
    expect(d.avoidableBias).toBeCloseTo(trainError - baseError, 15);
    expect(d.variance).toBeCloseTo(devError - trainError, 15);
  });

  it('reports the numbers it used and defaults baseError to 0 and tolerance to 0.02', () => {
    expect(DEFAULT_TOLERANCE).toBe(0.02);
    const d = diagnose({ trainError: 0.1, devError: 0.12 });
    expect(d).toMatchObject({ trainError: 0.1, devError: 0.12, baseError: 0, tolerance: 0.02 });
    expect(d.verdict).toBe('high bias'); // 10 points of avoidable bias; the 2-point gap is not above tolerance
  });

  it('a gap counts as high only when it exceeds the tolerance', () => {
    expect(diagnose({ trainError: 0.02, devError: 0.02 }).verdict).toBe('fine'); // bias exactly 0.02
    expect(diagnose({ trainError: 0.0201, devError: 0.0201 }).verdict).toBe('high bias');
    expect(diagnose({ trainError: 0, devError: 0.02 }).verdict).toBe('fine');
    expect(diagnose({ trainError: 0, devError: 0.0201 }).verdict).toBe('high variance');
    // Configurable: a strict tolerance flags what the default lets pass, a loose one the reverse.
    expect(diagnose({ trainError: 0.005, devError: 0.01, tolerance: 0.001 }).verdict).toBe('high bias and high variance');
    expect(diagnose({ trainError: 0.15, devError: 0.3, tolerance: 0.2 }).verdict).toBe('fine');
    expect(diagnose({ trainError: 0.1, devError: 0.1, tolerance: 0 }).verdict).toBe('high bias');
  });

  it('negative gaps (train below base, dev below train) are low, reported as they are', () => {
    const d = diagnose({ trainError: 0.05, devError: 0.04, baseError: 0.08 });
    expect(d.verdict).toBe('fine');
    expect(d.avoidableBias).toBeCloseTo(-0.03, 15);
    expect(d.variance).toBeCloseTo(-0.01, 15);
  });

  it("gives the basic recipe's next steps, bias first", () => {
    const bias = diagnose({ trainError: 0.15, devError: 0.16 }).advice;
    expect(bias).toEqual([...BIAS_ADVICE]);
    expect(bias.join(' ')).toMatch(/bigger network/);
    expect(bias.join(' ')).toMatch(/train longer/);
    expect(bias.join(' ')).toMatch(/architecture/);
    const variance = diagnose({ trainError: 0.01, devError: 0.11 }).advice;
    expect(variance).toEqual([...VARIANCE_ADVICE]);
    expect(variance.join(' ')).toMatch(/more training data/);
    expect(variance.join(' ')).toMatch(/regularization: L2.*dropout.*augmentation/);
    expect(diagnose({ trainError: 0.15, devError: 0.3 }).advice).toEqual([...BIAS_ADVICE, ...VARIANCE_ADVICE]);
    const fine = diagnose({ trainError: 0.005, devError: 0.01 }).advice;
    expect(fine).toHaveLength(1);
    expect(fine[0]).toMatch(/within tolerance/);
  });

  describe('bad input names the argument', () => {
    it.each([
      ['trainError above 1', { trainError: 1.5, devError: 0.1 }, /^diagnose: trainError: must be an error rate in \[0, 1\] \(1 − accuracy\), got 1\.5$/],
      ['trainError as a percentage', { trainError: 12, devError: 0.1 }, /^diagnose: trainError: must be an error rate in \[0, 1\] \(1 − accuracy\), got 12$/],
      ['negative devError', { trainError: 0.1, devError: -0.1 }, /^diagnose: devError: must be an error rate in \[0, 1\] \(1 − accuracy\), got -0\.1$/],
      ['NaN devError', { trainError: 0.1, devError: NaN }, /^diagnose: devError: must be an error rate in \[0, 1\] \(1 − accuracy\), got NaN$/],
      ['missing devError', { trainError: 0.1 }, /^diagnose: devError: expected an error rate in \[0, 1\] \(1 − accuracy\), got undefined$/],
      ['baseError above 1', { trainError: 0.1, devError: 0.1, baseError: 2 }, /^diagnose: baseError: must be an error rate in \[0, 1\] \(1 − accuracy\), got 2$/],
      ['string trainError', { trainError: '0.1', devError: 0.1 }, /^diagnose: trainError: expected an error rate in \[0, 1\] \(1 − accuracy\), got the string '0\.1'$/],
      ['negative tolerance', { trainError: 0.1, devError: 0.1, tolerance: -0.01 }, /^diagnose: tolerance: must be a finite number in \[0, 1\), got -0\.01$/],
      ['tolerance 1', { trainError: 0.1, devError: 0.1, tolerance: 1 }, /^diagnose: tolerance: must be a finite number in \[0, 1\), got 1$/],
    ])('%s', (_, options, message) => {
      expect(() => diagnose(options as never)).toThrow(message);
    });
    it('no options object', () => {
      expect(() => diagnose(undefined as never)).toThrow(/^diagnose: trainError: expected an error rate in \[0, 1\] \(1 − accuracy\), got undefined$/);
      expect(() => diagnose(null as never)).toThrow(/^diagnose options: expected an options object, got null$/);
    });
    it('unknown options', () => {
      expect(() => diagnose({ trainError: 0.1, devError: 0.1, bayesError: 0 } as never)).toThrow(/^diagnose options: unknown option 'bayesError' \(did you mean 'baseError'\?\)$/);
      expect(() => diagnose({ trainError: 0.1, devError: 0.1, tolerence: 0 } as never)).toThrow(/^diagnose options: unknown option 'tolerence' \(did you mean 'tolerance'\?\)$/);
    });
    it('wrong types', () => {
      expect(() => diagnose({ trainError: 1n, devError: 0.1 } as never)).toThrow(/^diagnose: trainError: expected an error rate in \[0, 1\] \(1 − accuracy\), got a BigInt \(1n\)$/);
      expect(() => diagnose({ trainError: 0.1, devError: null } as never)).toThrow(/^diagnose: devError: expected an error rate in \[0, 1\] \(1 − accuracy\), got null$/);
      expect(() => diagnose({ trainError: 0.1, devError: 0.1, tolerance: '0.02' } as never)).toThrow(/^diagnose: tolerance: expected a finite number in \[0, 1\), got the string '0\.02'$/);
    });
  });
});
