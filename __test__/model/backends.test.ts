// The public API runs on both backends: the same model trained from the same seed through
// `sequential({ backend })` ends with (nearly) the same parameters and predictions.
import { describe, expect, it } from 'vitest';
import { sequential, dense, batchNorm, relu, dropout, adam } from '../../src';

function data(m: number, n: number) {
  const x = new Float32Array(m * n);
  const y = new Int32Array(m);
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  for (let i = 0; i < m; i++) {
    y[i] = i % 3;
    for (let j = 0; j < n; j++) x[i * n + j] = next() + (j % 3 === y[i] ? 1.5 : 0);
  }
  return { x, y };
}

describe('backend option', () => {
  it('trains the same model on the native and the reference backend', async () => {
    const { x, y } = data(40, 6);
    const build = (backend: 'native' | 'reference') =>
      sequential({
        inputSize: 6,
        seed: 7,
        backend,
        layers: [dense(8), batchNorm({ epsilon: 0.01 }), relu(), dropout({ keepProb: 0.8 }), dense(3)],
      });
    const nativeModel = build('native');
    const referenceModel = build('reference');
    expect(referenceModel.backend.name).toBe('reference');
    const options = { epochs: 3, batchSize: 16, optimizer: adam({ learningRate: 0.01, epsilon: 1e-4 }) };
    const hn = await nativeModel.fit(x, y, options);
    const hr = await referenceModel.fit(x, y, options);
    hn.epochs.forEach((e, i) => expect(hr.epochs[i].trainLoss).toBeCloseTo(e.trainLoss, 4));
    const wn = nativeModel.getTensor(0, 'W');
    const wr = referenceModel.getTensor(0, 'W');
    // f32 summation order differs between the GEMM and the reference loops; Adam keeps it small.
    wn.forEach((v, i) => expect(Math.abs(v - wr[i])).toBeLessThan(1e-3));
    const pn = await nativeModel.predict(x);
    const pr = await referenceModel.predict(x);
    expect(Array.from(pr.classes)).toEqual(Array.from(pn.classes));
  });

  it('rejects an unknown backend by name', () => {
    expect(() => sequential({ inputSize: 2, layers: [dense(2)], backend: 'gpu' as never })).toThrow(
      /^sequential: backend: expected 'native' \| 'reference', got the string 'gpu'/,
    );
  });
});
