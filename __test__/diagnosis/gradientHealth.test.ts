// gradientWarnings: vanishing (tiny norm on a layer with parameters, tiny first/last ratio) and
// exploding (huge or non-finite norm) at the documented thresholds, per epoch rows, bad input.
import { describe, expect, it } from 'vitest';
import { GRADIENT_THRESHOLDS, gradientWarnings } from '../../src';

// A dense, relu, dense, relu, dense network: layers 1 and 3 have no parameters.
const hasParameters = [true, false, true, false, true];

describe('gradientWarnings', () => {
  it('healthy norms give no warnings', () => {
    expect(gradientWarnings([0.5, 0, 0.8, 0, 1.2], { hasParameters })).toEqual([]);
    expect(GRADIENT_THRESHOLDS).toEqual({ vanishingNorm: 1e-7, explodingNorm: 1e3, minRatio: 1e-4 });
  });

  it('flags a vanishing norm below 1e-7 on a layer with parameters, not on parameter-free layers', () => {
    const w = gradientWarnings([5e-8, 0, 0.8, 0, 1.2], { hasParameters });
    expect(w.map(({ kind, layer }) => [kind, layer])).toEqual([['vanishing', 0]]);
    expect(w[0].value).toBe(5e-8);
    expect(w[0].message).toMatch(/vanishing gradients: layer 0's gradient norm is 5\.00e-8 \(below 1e-7\)/);
    // The first/last ratio (5e-8/1.2) is then not reported again.
    // Exactly zero on a parameter layer (dead network) is vanishing too.
    expect(gradientWarnings([0.5, 0, 0, 0, 1], { hasParameters }).map((x) => x.layer)).toEqual([2]);
    // At the threshold it is fine.
    expect(gradientWarnings([1e-7, 0, 1e-7, 0, 1e-7], { hasParameters })).toEqual([]);
  });

  it('flags a first/last ratio below 1e-4 as vanishing', () => {
    const w = gradientWarnings([1e-5, 0, 1e-2, 0, 1], { hasParameters });
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ kind: 'vanishing', layer: null });
    expect(w[0].value).toBeCloseTo(1e-5, 15);
    expect(w[0].message).toMatch(/layer 0's gradient norm is 1\.00e-5× layer 4's/);
    expect(gradientWarnings([2e-4, 0, 1e-2, 0, 1], { hasParameters })).toEqual([]);
    expect(gradientWarnings([2e-4, 0, 1e-2, 0, 1], { hasParameters, minRatio: 1e-3 })).toHaveLength(1);
  });

  it('flags exploding norms above 1e3 and non-finite norms on any layer', () => {
    const w = gradientWarnings([2e3, 0, 1, 0, Infinity], { hasParameters });
    expect(w.map(({ kind, layer }) => [kind, layer])).toEqual([
      ['exploding', 0],
      ['exploding', 4],
    ]);
    expect(w[0].message).toMatch(/exploding gradients: layer 0's gradient norm is 2\.00e\+3 \(above 1000\).*clipNorm/);
    expect(w[1].message).toMatch(/norm is Infinity/);
    expect(gradientWarnings([1, 0, NaN, 0, 1], { hasParameters })[0]).toMatchObject({ kind: 'exploding', layer: 2 });
    expect(gradientWarnings([1e3, 0, 1, 0, 1], { hasParameters })).toEqual([]);
    expect(gradientWarnings([50, 0, 1, 0, 1], { hasParameters, explodingNorm: 10 })).toHaveLength(1);
  });

  it('without hasParameters, layers whose norm is 0 in every row count as parameter-free', () => {
    expect(gradientWarnings([0.5, 0, 0.8, -0, 1.2])).toEqual([]);
    expect(gradientWarnings([[0.5, 0, 0.8], [0.5, 1e-9, 0.8]]).map((w) => w.layer)).toEqual([1]);
  });

  it('over epochs: one warning per (kind, layer) with the first epoch, the count and the worst value', () => {
    const rows = [
      [1, 0, 1, 0, 1],
      [1, 0, 3e-8, 0, 1],
      [1, 0, 1e-9, 0, 1],
      [5e3, 0, 1, 0, 1],
    ];
    const w = gradientWarnings(rows, { hasParameters, epochOffset: 10 });
    expect(w.map(({ kind, layer, firstEpoch, epochs, value }) => ({ kind, layer, firstEpoch, epochs, value }))).toEqual([
      { kind: 'vanishing', layer: 2, firstEpoch: 11, epochs: 2, value: 1e-9 },
      { kind: 'exploding', layer: 0, firstEpoch: 13, epochs: 1, value: 5e3 },
    ]);
    expect(w[0].message).toMatch(/\(from epoch 11, 2 epochs\)/);
  });

  describe('bad input names the argument', () => {
    it.each([
      ['not an array', () => gradientWarnings(3 as never), /^gradientWarnings: gradNorms: expected an array of per-layer norms \(or one such array per epoch\), got 3$/],
      ['empty', () => gradientWarnings([]), /^gradientWarnings: gradNorms: is empty; expected one norm per layer$/],
      ['a negative norm', () => gradientWarnings([1, -1]), /^gradientWarnings: gradNorms\[1\]: a norm must be a number ≥ 0 \(or NaN\/∞\), got -1$/],
      ['a string norm', () => gradientWarnings(['1'] as never), /^gradientWarnings: gradNorms\[0\]: a norm must be a number ≥ 0 \(or NaN\/∞\), got the string '1'$/],
      ['ragged rows', () => gradientWarnings([[1, 2], [1]]), /^gradientWarnings: gradNorms\[1\]: has 1 norms, expected 2 \(one per layer, ≥ 1\)$/],
      ['empty rows', () => gradientWarnings([[]]), /^gradientWarnings: gradNorms\[0\]: has 0 norms, expected 0 \(one per layer, ≥ 1\)$/],
      ['hasParameters of the wrong length', () => gradientWarnings([1, 2], { hasParameters: [true] }), /^gradientWarnings: hasParameters: expected 2 booleans \(one per layer\), got an array of 1$/],
      ['a zero threshold', () => gradientWarnings([1], { vanishingNorm: 0 }), /^gradientWarnings: vanishingNorm: must be a finite number > 0, got 0$/],
      ['a NaN threshold', () => gradientWarnings([1], { explodingNorm: NaN }), /^gradientWarnings: explodingNorm: must be a finite number > 0, got NaN$/],
      ['a negative minRatio', () => gradientWarnings([1], { minRatio: -1 }), /^gradientWarnings: minRatio: must be a finite number > 0, got -1$/],
      ['a negative epochOffset', () => gradientWarnings([1], { epochOffset: -1 }), /^gradientWarnings: epochOffset: must be an integer in \[0, 1000000000\], got -1$/],
      ['a fractional epochOffset', () => gradientWarnings([1], { epochOffset: 1.5 }), /^gradientWarnings: epochOffset: must be an integer in \[0, 1000000000\], got 1\.5$/],
      ['an unknown option', () => gradientWarnings([1], { explodingNrom: 10 } as never), /^gradientWarnings options: unknown option 'explodingNrom' \(did you mean 'explodingNorm'\?\)$/],
      ['null options', () => gradientWarnings([1], null as never), /^gradientWarnings options: expected an options object, got null$/],
      ['a DataView row', () => gradientWarnings([new DataView(new ArrayBuffer(8))] as never), /^gradientWarnings: gradNorms\[0\]: a norm must be a number/],
      ['a BigInt threshold', () => gradientWarnings([1], { minRatio: 1n } as never), /^gradientWarnings: minRatio: expected a finite number > 0, got a BigInt \(1n\)$/],
    ])('%s', (_, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
