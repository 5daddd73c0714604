// Property: for random small regression networks, data, losses (Huber δ included) and batch
// sizes, the native backend and the reference agree on the loss of every training step. Tolerance 1e-4 absolute + relative: both store f32, the native
// side rounds after every f32 operation and the reference once per stored value (a few ulps per
// operation, compounded over 3 steps of a small network).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { adam, dense, sequential, tanh, type RegressionLoss } from '../../src';
import { normals } from '../model/helpers';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * (1 + Math.abs(b));

describe('regression: native ↔ reference (property)', () => {
  it('agree on the loss of every training step', () => {
    const arb = fc.record({
      inputs: fc.integer({ min: 1, max: 6 }),
      hidden: fc.integer({ min: 1, max: 8 }),
      outputs: fc.integer({ min: 1, max: 3 }),
      m: fc.integer({ min: 1, max: 16 }),
      loss: fc.constantFrom<RegressionLoss>('mse', 'mae', 'huber'),
      delta: fc.double({ min: 0.05, max: 3, noNaN: true }),
      scale: fc.constantFrom(0.1, 1, 10),
      seed: fc.integer({ min: 0, max: 1000 }),
    });
    fc.assert(
      fc.property(arb, (c) => {
        const x = normals(c.seed, c.m * c.inputs);
        const y = normals(c.seed + 1, c.m * c.outputs, c.scale);
        const loss = c.loss === 'huber' ? { kind: 'huber' as const, delta: c.delta } : c.loss;
        const make = (backend: 'native' | 'reference') =>
          sequential({ inputSize: c.inputs, seed: c.seed, threads: 1, backend, output: 'linear', loss, optimizer: adam({ learningRate: 0.01 }), layers: [dense(c.hidden), tanh(), dense(c.outputs)] });
        const [n, r] = [make('native'), make('reference')];
        for (let step = 0; step < 3; step++) {
          const a = n.trainStep(x, y).loss;
          const b = r.trainStep(x, y).loss;
          if (!close(a, b)) throw new Error(`step ${step}: native ${a} vs reference ${b}`);
        }
        return true;
      }),
      { numRuns: 100, seed: 9 },
    );
  });
});
