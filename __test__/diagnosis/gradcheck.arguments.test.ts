// Arguments of gradient checking (src/gradcheck.ts): each function names itself and the argument,
// options are strict, and the helpers no longer read past a shorter array or soften a NaN
// difference into "suspicious". The check itself is tested in __test__/model/gradcheck.test.ts.
import { describe, expect, it } from 'vitest';
import { compareGradients, dense, gradientCheck, relativeDifference, sequential, verdictFor } from '../../src';

const model = () => sequential({ inputSize: 2, seed: 1, threads: 1, layers: [dense(2)] });
const x = Float32Array.from([1, 2, 3, 4]);
const y = Int32Array.from([0, 1]);
const blocks = [{ layer: 0, name: 'W', shape: [2, 2] }];

describe('verdictFor', () => {
  it('keeps the course thresholds and calls NaN or ∞ a likely bug', () => {
    expect(verdictFor(1e-8)).toBe('fine');
    expect(verdictFor(1e-5)).toBe('suspicious');
    expect(verdictFor(0.5)).toBe('likely a bug');
    expect(verdictFor(NaN)).toBe('likely a bug'); // was 'suspicious': NaN < 1e-7 and NaN > 1e-3 are both false
    expect(verdictFor(Infinity)).toBe('likely a bug');
  });

  it('names a bad argument', () => {
    expect(() => verdictFor(-1)).toThrow(/^verdictFor: relativeDifference: must be a number ≥ 0 \(or NaN\), got -1$/);
    expect(() => verdictFor('0' as never)).toThrow(/^verdictFor: relativeDifference: expected a number ≥ 0 \(or NaN\), got the string '0'$/);
  });
});

describe('relativeDifference', () => {
  it('refuses arrays of different lengths (a shorter b was read as undefined, a longer one cut)', () => {
    expect(relativeDifference([1, 0], [1, 0])).toBe(0);
    expect(() => relativeDifference([1, 2, 3], [1, 2])).toThrow(/^relativeDifference: b: has 2 values, expected 3 \(as many as a\)$/);
    expect(() => relativeDifference([1], [1, 99])).toThrow(/^relativeDifference: b: has 2 values, expected 1/);
  });

  it('names non-arrays and non-numbers', () => {
    expect(() => relativeDifference(null as never, [1])).toThrow(/^relativeDifference: a: expected an array of numbers, got null$/);
    expect(() => relativeDifference([1], new BigInt64Array(1) as never)).toThrow(/^relativeDifference: b: expected an array of numbers, got a BigInt64Array$/);
    expect(() => relativeDifference([1, '2'] as never, [1, 2])).toThrow(/^relativeDifference: a\[1\]: expected a number, got the string '2'$/);
  });
});

describe('compareGradients', () => {
  const a = Float64Array.from([1, 2, 3, 4]);

  it('checks the arrays and the blocks before reading them', () => {
    expect(() => compareGradients(Float32Array.from(a) as never, a, blocks)).toThrow(/^compareGradients: analytic: expected a Float64Array, got a Float32Array$/);
    expect(() => compareGradients(a, Float64Array.from([1, 2]), blocks)).toThrow(/^compareGradients: numeric: has 2 elements, expected 4 \(as many as analytic\)$/);
    expect(() => compareGradients(a, a, [{ layer: 0, name: 'W', shape: [2, 3] }])).toThrow(/^compareGradients: blocks: sizes add up to 6, but the gradients have 4 elements$/);
    expect(() => compareGradients(a, a, [{ layer: 0, name: 'W', shape: [2, -2] }])).toThrow(/^compareGradients: blocks\[0\]\.shape\[1\]: must be an integer in \[0, 1000000000\], got -2$/);
    expect(() => compareGradients(a, a, [{ layer: 0, name: 'W' }] as never)).toThrow(/^compareGradients: blocks\[0\]\.shape: expected an array of dimensions, got undefined$/);
    expect(() => compareGradients(a, a, null as never)).toThrow(/^compareGradients: blocks: expected an array of \{ layer, name, shape \}, got null$/);
    expect(() => compareGradients(a, a, [{ layer: -1, name: 'W', shape: [4] }])).toThrow(/^compareGradients: blocks\[0\]\.layer: must be an integer/);
  });

  it('a NaN gradient is reported first and judged a likely bug', () => {
    const numeric = Float64Array.from([1, 2, NaN, 4]);
    const report = compareGradients(a, numeric, [
      { layer: 0, name: 'W', shape: [2] },
      { layer: 0, name: 'b', shape: [2] },
    ]);
    expect(report.verdict).toBe('likely a bug');
    expect(report.parameters[0].name).toBe('b');
  });
});

describe('gradientCheck', () => {
  it('options are strict and epsilon is a step in (0, 1]', () => {
    expect(gradientCheck(model(), x, y).verdict).toBe('fine');
    expect(() => gradientCheck(model(), x, y, { eps: 1e-7 } as never)).toThrow(/^gradientCheck options: unknown option 'eps' \(did you mean 'epsilon'\?\)$/);
    expect(() => gradientCheck(model(), x, y, { epsilon: 0 })).toThrow(/^gradientCheck: epsilon: must be a finite number in \(0, 1\], got 0$/);
    expect(() => gradientCheck(model(), x, y, { epsilon: 2 })).toThrow(/^gradientCheck: epsilon: must be a finite number in \(0, 1\], got 2$/);
    expect(() => gradientCheck(model(), x, y, { epsilon: '1e-7' } as never)).toThrow(/^gradientCheck: epsilon: expected a finite number in \(0, 1\], got the string '1e-7'$/);
    expect(() => gradientCheck(model(), x, y, null as never)).toThrow(/^gradientCheck options: expected an options object, got null$/);
  });

  it('names the model, x and y', () => {
    expect(() => gradientCheck(null as never, x, y)).toThrow(/^gradientCheck: model: expected a model \(sequential\(\{ … \}\)\), got null$/);
    expect(() => gradientCheck({ inputSize: 2 } as never, x, y)).toThrow(/^gradientCheck: model: expected a model/);
    expect(() => gradientCheck(model(), Float32Array.from([1, 2, 3]), y)).toThrow(/^gradientCheck: x: /);
    expect(() => gradientCheck(model(), x, Int32Array.from([0, 5]))).toThrow(/^gradientCheck: y: /);
  });
});
