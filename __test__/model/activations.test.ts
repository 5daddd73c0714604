// The named activation builders: each describes an `activation` layer by its one name (the
// formulas are checked in __test__/reference/activation.test.ts and the kernel property tests).
import { describe, expect, it } from 'vitest';
import { dense, elu, sequential, silu, swish } from '../../src';

describe('activation builders', () => {
  it("silu() is swish under PyTorch's name", () => {
    expect(silu()).toEqual({ kind: 'activation', activation: 'swish' });
    expect(silu()).toEqual(swish());
  });
});

describe('elu(alpha)', () => {
  it('describes its alpha (default 1)', () => {
    expect(elu()).toEqual({ kind: 'activation', activation: 'elu', alpha: 1 });
    expect(elu(0.3)).toEqual({ kind: 'activation', activation: 'elu', alpha: 0.3 });
    expect(() => elu(NaN)).toThrow(/^elu: alpha: /);
  });

  it('alpha reaches both backends, which agree', async () => {
    // Inputs of both signs and small weights keep some pre-activations below 0, where α acts.
    const x = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 2);
    const probabilities = async (alpha: number, backend: 'native' | 'reference') => {
      const model = sequential({ inputSize: 4, seed: 3, backend, layers: [dense(6), elu(alpha), dense(3)] });
      return (await model.predict(x)).probabilities;
    };
    const [n1, r1, n2, r2] = await Promise.all([
      probabilities(1, 'native'),
      probabilities(1, 'reference'),
      probabilities(0.2, 'native'),
      probabilities(0.2, 'reference'),
    ]);
    n1.forEach((p, i) => expect(p).toBeCloseTo(r1[i], 6));
    n2.forEach((p, i) => expect(p).toBeCloseTo(r2[i], 6));
    expect(Math.max(...n1.map((p, i) => Math.abs(p - n2[i])))).toBeGreaterThan(1e-3);
  });
});
