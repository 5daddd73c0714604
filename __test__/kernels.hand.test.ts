// Hand-computed cases through the NATIVE kernels (src/kernels.ts), one per convention in
// docs/CONVENTIONS.md. Every expected number is derived in a comment next to it.
//
// The native kernels compute in f32, so values around 1 carry ~6e-8 of rounding per operation;
// unless stated otherwise results are compared with an absolute tolerance of 1e-6 (a few f32
// operations on O(1) numbers) — `close(x, want)` below.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as N from '../src/kernels';

const f32 = (...xs: number[]): Float32Array => Float32Array.from(xs);

function close(actual: ArrayLike<number> | number, expected: ArrayLike<number> | number, tol = 1e-6): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected);
  expect(a.length).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (!(Math.abs(a[i] - e[i]) <= tol)) expect.fail(`index ${i}: got ${a[i]}, expected ${e[i]} (±${tol})`);
  }
}

describe('gemm and bias (hand)', () => {
  // A = [[1,2,3],[4,5,6]] (2×3), B = [[7,8],[9,10],[11,12]] (3×2):
  // A·B = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58,64],[139,154]].
  const A = f32(1, 2, 3, 4, 5, 6);
  const B = f32(7, 8, 9, 10, 11, 12);
  const At = f32(1, 4, 2, 5, 3, 6); // Aᵀ stored [k, m] = [3, 2]
  const Bt = f32(7, 9, 11, 8, 10, 12); // Bᵀ stored [n, k] = [2, 3]

  it('computes A·B for every transpose combination (small integers are exact in f32)', () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const threads of [1, 2]) {
        const c = N.gemm(transA ? At : A, transB ? Bt : B, null, { m: 2, n: 2, k: 3, transA, transB, threads });
        expect(Array.from(c)).toEqual([58, 64, 139, 154]);
      }
    }
  });

  it('alpha and beta: 2·A·B − 1·C with C = 1 gives [115, 127, 277, 307]', () => {
    const c = f32(1, 1, 1, 1);
    expect(Array.from(N.gemm(A, B, c, { m: 2, n: 2, k: 3, alpha: 2, beta: -1 }))).toEqual([115, 127, 277, 307]);
    expect(Array.from(c)).toEqual([1, 1, 1, 1]); // input untouched
  });

  it('beta = 0 ignores NaN in C', () => {
    const c = f32(NaN, NaN, NaN, NaN);
    expect(Array.from(N.gemm(A, B, c, { m: 2, n: 2, k: 3, beta: 0 }))).toEqual([58, 64, 139, 154]);
  });

  it('gemmF64 gives the same exact product', () => {
    const c = N.gemmF64(Float64Array.from(A), Float64Array.from(B), null, { m: 2, n: 2, k: 3 });
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('addBias broadcasts over rows, biasGrad sums columns', () => {
    // [[1,2,3],[4,5,6]] + [10,20,30] = [[11,22,33],[14,25,36]]; column sums of A: [5, 7, 9].
    expect(Array.from(N.addBias(A, f32(10, 20, 30)))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(Array.from(N.biasGrad(A, 3))).toEqual([5, 7, 9]);
    // As [3, 2]: columns [1,3,5] and [2,4,6] → [9, 12].
    expect(Array.from(N.biasGrad(A, 2))).toEqual([9, 12]);
  });
});

describe('activations (hand)', () => {
  it("relu'(0) = 0, relu(z) = max(z, 0)", () => {
    const z = f32(-2, 0, 3);
    const a = N.activationForward('relu', z);
    expect(Array.from(a)).toEqual([0, 0, 3]);
    // dZ = dA ⊙ [z > 0]: at z = 0 the derivative is 0.
    expect(Array.from(N.activationBackward('relu', z, a, f32(5, 5, 5)))).toEqual([0, 0, 5]);
  });

  it('leakyRelu: slope·z below 0, derivative slope at z ≤ 0 (default slope 0.01)', () => {
    const z = f32(-2, 0, 3);
    // slope 0.25 is exact in f32: [−0.5, 0, 3]; derivative [0.25, 0.25, 1]·4 = [1, 1, 4].
    const a = N.activationForward('leakyRelu', z, 0.25);
    expect(Array.from(a)).toEqual([-0.5, 0, 3]);
    expect(Array.from(N.activationBackward('leakyRelu', z, a, f32(4, 4, 4), 0.25))).toEqual([1, 1, 4]);
    // Default slope 0.01: −2 → −0.02.
    close(N.activationForward('leakyRelu', z), [-0.02, 0, 3]);
  });

  it('tanh and sigmoid, with backward from the forward output', () => {
    // tanh(0.5) = 0.46211715726000974; 1 − a² = 0.7864477329659274.
    const z = f32(0.5);
    const t = N.activationForward('tanh', z);
    close(t, 0.46211715726000974);
    close(N.activationBackward('tanh', z, t, f32(2)), 2 * (1 - 0.46211715726000974 ** 2));
    // σ(0) = 0.5, σ(2) = 0.8807970779778823, σ(−2) = 0.11920292202211755; σ' = a(1 − a).
    const zs = f32(0, 2, -2);
    const s = N.activationForward('sigmoid', zs);
    close(s, [0.5, 0.8807970779778823, 0.11920292202211755]);
    close(N.activationBackward('sigmoid', zs, s, f32(1, 1, 1)), [0.25, 0.8807970779778823 * 0.11920292202211755, 0.8807970779778823 * 0.11920292202211755]);
    // No overflow at ±1000: exactly 1 and 0, never NaN.
    expect(Array.from(N.activationForward('sigmoid', f32(1000, -1000)))).toEqual([1, 0]);
  });
});

describe('softmax and losses (hand)', () => {
  // z = [1, 2, 3]: e^z / (e + e² + e³) = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219].
  const P = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219];

  it('softmax of [1,2,3] and of [1001,1002,1003] (shift invariant, no overflow)', () => {
    close(N.softmax(f32(1, 2, 3, 1001, 1002, 1003), 3), [...P, ...P]);
  });

  it('softmaxCrossEntropy with logits [1,2,3] and label 2', () => {
    // loss = −log p₂ = −log 0.6652409557748219 = 0.4076059644443803; m = 1 so dZ = P − Y
    // = [0.0900306, 0.2447285, −0.3347590].
    const r = N.softmaxCrossEntropy(f32(1, 2, 3), f32(0, 0, 1), 3);
    close(r.loss, 0.4076059644443803);
    close(r.probs, P);
    close(r.dz, [P[0], P[1], P[2] - 1]);
    // Two rows (m = 2): add z = [0,0,0] with label 0 → loss log 3 = 1.0986122886681098;
    // mean (0.4076059644443803 + 1.0986122886681098)/2 = 0.753109126556245; dZ halves.
    const r2 = N.softmaxCrossEntropy(f32(1, 2, 3, 0, 0, 0), f32(0, 0, 1, 1, 0, 0), 3);
    close(r2.loss, 0.753109126556245);
    close(r2.dz, [P[0] / 2, P[1] / 2, (P[2] - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6]);
  });

  it('softmaxCrossEntropy stays finite when the target probability underflows', () => {
    // z = [0, 200], y = [1, 0]: p₀ = e^−200 underflows in f32, but log-sum-exp gives loss 200.
    const r = N.softmaxCrossEntropy(f32(0, 200), f32(1, 0), 2);
    close(r.loss, 200, 1e-4);
    expect(Number.isFinite(r.loss)).toBe(true);
  });

  it('sigmoidBinaryCrossEntropy at z = ±1000 is finite', () => {
    // Per element max(z,0) − z·y + log(1 + e^−|z|) with e^−1000 = 0:
    // z = 1000, y = 1 → 1000 − 1000 + 0 = 0; z = −1000, y = 0 → 0. Mean over m = 2 rows (n = 1): 0.
    const good = N.sigmoidBinaryCrossEntropy(f32(1000, -1000), f32(1, 0), 1);
    expect(good.loss).toBe(0);
    expect(Array.from(good.probs)).toEqual([1, 0]);
    expect(Array.from(good.dz)).toEqual([0, 0]);
    // Wrong labels: z = 1000, y = 0 → 1000; z = −1000, y = 1 → 0 + 1000 + 0 = 1000. Mean 1000;
    // dZ = (σ − y)/m = [(1 − 0)/2, (0 − 1)/2] = [0.5, −0.5].
    const bad = N.sigmoidBinaryCrossEntropy(f32(1000, -1000), f32(0, 1), 1);
    expect(bad.loss).toBe(1000);
    expect(Array.from(bad.dz)).toEqual([0.5, -0.5]);
    // z = 0: log 2 = 0.6931471805599453 whatever y; z = 2, y = 1: log(1 + e^−2) = 0.12692801104297263.
    close(N.sigmoidBinaryCrossEntropy(f32(0, 2), f32(1, 1), 1).loss, (0.6931471805599453 + 0.12692801104297263) / 2);
  });
});

describe('batch normalization (hand)', () => {
  // X = [[1, 2], [3, 6]] (m = 2, n = 2), eps = 1e-3.
  // Column 0: mean 2, biased var ((−1)² + 1²)/2 = 1, xHat = ∓1/√1.001 = ∓0.9995003746877732.
  // Column 1: mean 4, biased var ((−2)² + 2²)/2 = 4, xHat = ∓2/√4.001 = ∓0.9998750234326181.
  const X = f32(1, 2, 3, 6);
  const a = 0.9995003746877732;
  const b = 0.9998750234326181;
  const eps = 1e-3;

  it('forward train: mean, biased variance, xHat, y = γ·xHat + β', () => {
    const r = N.batchNormForwardTrain(X, f32(1, 1), f32(0, 0), eps);
    close(r.mean, [2, 4]);
    close(r.variance, [1, 4]);
    close(r.xHat, [-a, -b, a, b]);
    close(r.y, [-a, -b, a, b]);
    // γ = [2, 0.5], β = [1, −1]: y = [1 − 2a, −1 − 0.5b, 1 + 2a, −1 + 0.5b].
    const r2 = N.batchNormForwardTrain(X, f32(2, 0.5), f32(1, -1), eps);
    close(r2.y, [1 - 2 * a, -1 - 0.5 * b, 1 + 2 * a, -1 + 0.5 * b]);
  });

  it('backward: dBeta = Σdy, dGamma = Σdy·xHat, dX = γ/(m√(var+ε))·(m·dy − dBeta − xHat·dGamma)', () => {
    const { xHat, variance } = N.batchNormForwardTrain(X, f32(1, 1), f32(0, 0), eps);
    // dy = [[1, 0], [0, 0]]: dBeta = [1, 0], dGamma = [−a, 0].
    // Column 0 with c = 1/(2√1.001): dx₀₀ = c·(2·1 − 1 − (−a)(−a)) = c·(1 − a²), and
    // a² = 1/1.001 so 1 − a² = 0.001/1.001: dx₀₀ = 0.001/(2·1.001·√1.001) = 4.9925137e-4;
    // dx₁₀ = c·(0 − 1 − a·(−a)) = −dx₀₀. Column 1: dy = 0 → dx = 0.
    const g = N.batchNormBackward(f32(1, 0, 0, 0), xHat, variance, f32(1, 1), eps);
    const d00 = 0.001 / (2 * 1.001 * Math.sqrt(1.001));
    close(g.dBeta, [1, 0]);
    close(g.dGamma, [-a, 0]);
    // Tolerance 1e-7, not 1e-6 nor 1e-9: inner = 2 − 1 − a² cancels down to 1e-3 while a² (a
    // itself f32-rounded) carries ~2^-24 absolute error, so dx is off by ~c·2^-23 ≈ 3e-8 in f32.
    close(g.dx, [d00, 0, -d00, 0], 1e-7);
    // dy = xHat: dBeta = 0, dGamma = Σ xHat² = [2a², 2b²]; dx = xHat·(1 − a²)/√(var+ε) per column:
    // column 0: ∓0.001/1.001², column 1: ∓0.002/4.001².
    const g2 = N.batchNormBackward(xHat, xHat, variance, f32(1, 1), eps);
    close(g2.dBeta, [0, 0]);
    close(g2.dGamma, [2 * a * a, 2 * b * b]);
    close(g2.dx, [-0.001 / 1.001 ** 2, -0.002 / 4.001 ** 2, 0.001 / 1.001 ** 2, 0.002 / 4.001 ** 2], 1e-7);
    // A constant dy shifts every example equally: dx = 0.
    close(N.batchNormBackward(f32(3, 3, 3, 3), xHat, variance, f32(1, 1), eps).dx, [0, 0, 0, 0]);
  });

  it('inference with running statistics equal to the batch statistics reproduces the train output', () => {
    const y = N.batchNormForwardInference(X, f32(2, 0.5), f32(1, -1), f32(2, 4), f32(1, 4), eps);
    close(y, [1 - 2 * a, -1 - 0.5 * b, 1 + 2 * a, -1 + 0.5 * b]);
  });

  it('running statistics: running = momentum·running + (1 − momentum)·batch (momentum weights the old value)', () => {
    // rm = 0.9·[0, 0] + 0.1·[2, 4] = [0.2, 0.4]; rv = 0.9·[1, 1] + 0.1·[1, 4] = [1, 1.3].
    const r = N.batchNormUpdateRunning(f32(0, 0), f32(1, 1), f32(2, 4), f32(1, 4), 0.9);
    close(r.runningMean, [0.2, 0.4]);
    close(r.runningVar, [1, 1.3]);
    // momentum 0.99 (Keras default): rm = 0.01·[2, 4] = [0.02, 0.04].
    close(N.batchNormUpdateRunning(f32(0, 0), f32(1, 1), f32(2, 4), f32(1, 4), 0.99).runningMean, [0.02, 0.04]);
  });
});

describe('dropout (hand)', () => {
  it('keeps about keepProb of the elements and scales them by 1/keepProb', () => {
    // 100 000 draws with keepProb 0.8: the kept fraction has σ = √(0.8·0.2/1e5) = 0.00126;
    // allow 5σ ≈ 0.0064. Kept elements are multiplied by f32(1/0.8) = 1.25 (exact), so the
    // mean of Y is ≈ 1 (expected activation unchanged, inverted dropout).
    const len = 100_000;
    const x = new Float32Array(len).fill(1);
    const { y, mask } = N.dropoutForward(x, 0.8, 42);
    let kept = 0;
    let sum = 0;
    for (let i = 0; i < len; i++) {
      expect(mask[i] === 0 || mask[i] === 1.25).toBe(true);
      if (mask[i] !== 0) kept++;
      sum += y[i];
      expect(y[i]).toBe(x[i] * mask[i]);
    }
    expect(Math.abs(kept / len - 0.8)).toBeLessThan(0.0064);
    expect(Math.abs(sum / len - 1)).toBeLessThan(0.0064 * 1.25);
  });

  it('keepProb = 1 returns Y = X and a mask of ones; the same seed gives the same mask', () => {
    const x = f32(1, -2, 3, -4, 5);
    const r = N.dropoutForward(x, 1, 7);
    expect(Array.from(r.y)).toEqual(Array.from(x));
    expect(Array.from(r.mask)).toEqual([1, 1, 1, 1, 1]);
    const big = new Float32Array(1000).fill(1);
    const m1 = N.dropoutForward(big, 0.5, 123).mask;
    const m2 = N.dropoutForward(big, 0.5, 123).mask;
    const m3 = N.dropoutForward(big, 0.5, 124).mask;
    expect(Array.from(m1)).toEqual(Array.from(m2));
    expect(Array.from(m1)).not.toEqual(Array.from(m3));
  });

  it('backward multiplies by the mask: [1,2,3]·[2,0,2] = [2,0,6]', () => {
    expect(Array.from(N.dropoutBackward(f32(1, 2, 3), f32(2, 0, 2)))).toEqual([2, 0, 6]);
  });
});

describe('regularization (hand)', () => {
  // W = [1, −2, 0, 3]: Σ W² = 14, Σ|W| = 6; m = 2.
  const W = f32(1, -2, 0, 3);

  it('L2: cost λ/(2m)·ΣW², gradient (λ/m)·W', () => {
    // λ = 0.5: cost 0.5/4·14 = 1.75; grad 0.25·W = [0.25, −0.5, 0, 0.75], added to dW = 1.
    expect(N.regularizationCost(W, 0.5, 0, 2)).toBeCloseTo(1.75, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0.5, 0, 2), [0.25, -0.5, 0, 0.75]);
    close(N.regularizationGrad(W, f32(1, 1, 1, 1), 0.5, 0, 2), [1.25, 0.5, 1, 1.75]);
  });

  it('L1: cost λ/m·Σ|W|, gradient (λ/m)·sign(W) with sign(0) = 0 (also −0)', () => {
    // λ = 0.4: cost 0.2·6 = 1.2; grad 0.2·sign(W) = [0.2, −0.2, 0, 0.2].
    expect(N.regularizationCost(W, 0, 0.4, 2)).toBeCloseTo(1.2, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0, 0.4, 2), [0.2, -0.2, 0, 0.2]);
    expect(N.regularizationGrad(f32(0, -0), f32(0, 0), 0, 0.4, 2)[0]).toBe(0);
    expect(N.regularizationGrad(f32(0, -0), f32(0, 0), 0, 0.4, 2)[1]).toBe(0);
  });

  it('L2 and L1 together add up; λ = 0 changes nothing', () => {
    // 1.75 + 1.2 = 2.95; grad 0.25·W + 0.2·sign(W) = [0.45, −0.7, 0, 0.95].
    expect(N.regularizationCost(W, 0.5, 0.4, 2)).toBeCloseTo(2.95, 12);
    close(N.regularizationGrad(W, f32(0, 0, 0, 0), 0.5, 0.4, 2), [0.45, -0.7, 0, 0.95]);
    expect(N.regularizationCost(W, 0, 0, 2)).toBe(0);
    expect(Array.from(N.regularizationGrad(W, f32(1, 2, 3, 4), 0, 0, 2))).toEqual([1, 2, 3, 4]);
  });
});

describe('optimizers (hand)', () => {
  it('gd: W −= lr·g', () => {
    // [1, −1] − 0.1·[0.5, −2] = [0.95, −0.8].
    close(N.optimizerStep(f32(1, -1), f32(0.5, -2), null, null, { kind: 'gd', learningRate: 0.1 }).w, [0.95, -0.8]);
  });

  it('momentum, two steps (course form v = βv + (1−β)g)', () => {
    // β = 0.9, lr = 0.1, w₀ = 1, g = 1 then 2.
    // Step 1: v = 0.1·1 = 0.1; w = 1 − 0.1·0.1 = 0.99.
    // Step 2: v = 0.9·0.1 + 0.1·2 = 0.29; w = 0.99 − 0.1·0.29 = 0.961.
    // (PyTorch's v = βv + g would give v = 1, then 2.9.)
    const o = { kind: 'momentum', learningRate: 0.1, beta: 0.9 };
    const s1 = N.optimizerStep(f32(1), f32(1), null, null, o);
    close(s1.v, 0.1);
    close(s1.w, 0.99);
    const s2 = N.optimizerStep(s1.w, f32(2), s1.v, null, o);
    close(s2.v, 0.29);
    close(s2.w, 0.961);
  });

  it('nesterov, two steps (look-ahead β·v + (1−β)·g with the new v)', () => {
    // β = 0.9, lr = 0.1, w₀ = 1, g = 1 then 2.
    // Step 1: v = 0.1; look-ahead 0.9·0.1 + 0.1·1 = 0.19; w = 1 − 0.019 = 0.981.
    // Step 2: v = 0.09 + 0.2 = 0.29; look-ahead 0.9·0.29 + 0.2 = 0.461; w = 0.981 − 0.0461 = 0.9349.
    const o = { kind: 'nesterov', learningRate: 0.1, beta: 0.9 };
    const s1 = N.optimizerStep(f32(1), f32(1), null, null, o);
    close(s1.v, 0.1);
    close(s1.w, 0.981);
    const s2 = N.optimizerStep(s1.w, f32(2), s1.v, null, o);
    close(s2.v, 0.29);
    close(s2.w, 0.9349);
  });

  it('rmsprop, two steps, ε outside the square root', () => {
    // β = 0.9, lr = 0.01, ε = 0.1 (large so its placement shows), w₀ = 0, g = 2 then 1.
    // Step 1: s = 0.1·4 = 0.4; w = −0.01·2/(√0.4 + 0.1) = −0.02/0.7324555 = −0.027305411899162867
    //         (ε inside, −0.02/√0.5 = −0.0282843, would differ).
    // Step 2: s = 0.9·0.4 + 0.1·1 = 0.46; w = −0.0273054 − 0.01/(√0.46 + 0.1) = −0.04015503408388568.
    const o = { kind: 'rmsprop', learningRate: 0.01, beta: 0.9, epsilon: 0.1 };
    const s1 = N.optimizerStep(f32(0), f32(2), null, null, o);
    close(s1.s, 0.4);
    close(s1.w, -0.027305411899162867);
    expect(Math.abs(s1.w[0] - -0.028284271247461898)).toBeGreaterThan(1e-4);
    const s2 = N.optimizerStep(s1.w, f32(1), null, s1.s, o);
    close(s2.s, 0.46);
    close(s2.w, -0.04015503408388568);
  });

  it('adam at step 2', () => {
    // β1 = 0.9, β2 = 0.999, lr = 0.1, ε = 1e-8, w₀ = 1, g = 2 then −1.
    // Step 1 (t = 1): v = 0.1·2 = 0.2; s = 0.001·4 = 0.004; v̂ = 0.2/(1 − 0.9) = 2;
    //   ŝ = 0.004/(1 − 0.999) = 4; w = 1 − 0.1·2/(√4 + 1e-8) = 0.9000000005.
    // Step 2 (t = 2): v = 0.9·0.2 + 0.1·(−1) = 0.08; s = 0.999·0.004 + 0.001·1 = 0.004996;
    //   v̂ = 0.08/(1 − 0.81) = 0.42105263; ŝ = 0.004996/(1 − 0.998001) = 2.49924962;
    //   √ŝ = 1.58090152; w = 0.9 − 0.1·0.42105263/1.58090152 = 0.9 − 0.02663370 = 0.87336630.
    //   (w keeps falling although g turned negative: the first moment still points down.)
    const o = { kind: 'adam', learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const s1 = N.optimizerStep(f32(1), f32(2), null, null, { ...o, step: 1 });
    close(s1.v, 0.2);
    close(s1.s, 0.004);
    close(s1.w, 0.9000000005);
    const s2 = N.optimizerStep(s1.w, f32(-1), s1.v, s1.s, { ...o, step: 2 });
    close(s2.v, 0.08);
    close(s2.s, 0.004996);
    close(s2.w, 0.8733662967024315);
    // Default hyperparameters are the same numbers (β1 0.9, β2 0.999, ε 1e-8).
    close(N.optimizerStep(s1.w, f32(-1), s1.v, s1.s, { kind: 'adam', learningRate: 0.1, step: 2 }).w, 0.8733662967024315);
  });

  it('adam resumed at a large step: bias corrections vanish', () => {
    // t = 1e6: 1 − β^t = 1, so w = −lr·v/(√s + ε) with v = 0.9·0.5 + 0.1·0.5 = 0.5,
    // s = 0.999·0.25 + 0.001·0.25 = 0.25: w = −0.1·0.5/0.5 = −0.1 (ε = 1e-12 negligible).
    const r = N.optimizerStep(f32(0), f32(0.5), f32(0.5), f32(0.25), { kind: 'adam', learningRate: 0.1, epsilon: 1e-12, step: 1_000_000 });
    close(r.w, -0.1);
  });

  it('adamw: decoupled decay applied before the adam step', () => {
    // w₀ = 2, lr = 0.1, weightDecay = 0.5, g = 2, t = 1, ε = 1e-8.
    // Decay first: w = 2 − 0.1·0.5·2 = 1.9; Adam: v̂ = 2, ŝ = 4, w = 1.9 − 0.1·2/(2 + 1e-8) = 1.8.
    // (Decay after the step would give (2 − 0.1)·0.95 = 1.805; L2-in-the-gradient something else.)
    const r = N.optimizerStep(f32(2), f32(2), null, null, { kind: 'adamw', learningRate: 0.1, weightDecay: 0.5, step: 1 });
    close(r.w, 1.8);
    // weightDecay 0 is exactly Adam.
    const adam = N.optimizerStep(f32(2), f32(2), null, null, { kind: 'adam', learningRate: 0.1, step: 1 });
    const adamw0 = N.optimizerStep(f32(2), f32(2), null, null, { kind: 'adamw', learningRate: 0.1, weightDecay: 0, step: 1 });
    expect(Array.from(adamw0.w)).toEqual(Array.from(adam.w));
  });
});

describe('rng and initialization (hand)', () => {
  interface RngCase { seed: number; stream: number; u32: number[]; f32: number[]; f64: number[]; normal: number[] }
  const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'rng-vectors.json'), 'utf8')) as { cases: RngCase[] };

  /** The conventions' derived draws, from raw 32-bit outputs. */
  const toF32 = (u: number) => (u >>> 8) * 2 ** -24;
  const toF64 = (a: number, b: number) => ((a >>> 5) * 2 ** 26 + (b >>> 6)) * 2 ** -53;
  const toNormal = (u: ArrayLike<number>, i: number) =>
    Math.sqrt(-2 * Math.log(1 - toF64(u[i], u[i + 1]))) * Math.cos(2 * Math.PI * toF64(u[i + 2], u[i + 3]));

  it('rngU32 reproduces the published vectors (fixtures/rng-vectors.json), f32/f64/normal included', () => {
    // Each fixture draws, from ONE generator: u32 × k, f32 × k (1 output each), f64 × k (2 outputs
    // each), normal × k (4 outputs each). So the first k + k + 2k + 4k native outputs encode them all.
    for (const c of fixture.cases) {
      const k = c.u32.length;
      const total = c.u32.length + c.f32.length + 2 * c.f64.length + 4 * c.normal.length;
      const u = N.rngU32(c.seed, c.stream, total);
      expect(Array.from(u.subarray(0, k))).toEqual(c.u32);
      let at = k;
      for (const want of c.f32) expect(toF32(u[at++])).toBe(Math.fround(want));
      for (const want of c.f64) {
        expect(toF64(u[at], u[at + 1])).toBe(want);
        at += 2;
      }
      for (const want of c.normal) {
        // ln and cos of V8 vs the Rust libm that printed the fixture: ≤ 4 f64 ulps.
        close(toNormal(u, at), want, 4 * 2 ** -52 * Math.abs(want));
        at += 4;
      }
    }
  });

  it('rngNormal(seed, stream, k) is Box–Muller over the first 4k outputs of rngU32', () => {
    for (const [seed, stream] of [[0, 0], [42, 1], [2 ** 53 - 1, 4]]) {
      const z = N.rngNormal(seed, stream, 8);
      const u = N.rngU32(seed, stream, 32);
      for (let i = 0; i < 8; i++) close(z[i], toNormal(u, 4 * i), 4 * 2 ** -52 * Math.abs(z[i]));
    }
  });

  it('initWeights: zeros is zero; he has std √(2/nIn) (400×300 draws, sample std within 2%)', () => {
    expect(N.initWeights('zeros', 3, 4, 1).every((x) => x === 0)).toBe(true);
    // 120 000 draws: the relative standard error of the sample std is 1/√(2·120000) ≈ 0.2%.
    const w = N.initWeights('he', 400, 300, 2024);
    let s = 0;
    let s2 = 0;
    for (const x of w) {
      s += x;
      s2 += x * x;
    }
    const mean = s / w.length;
    const std = Math.sqrt(s2 / w.length - mean * mean);
    expect(Math.abs(std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.02);
    // random with scale 0.5 is 0.5·N(0,1), i.e. 50× the default scale 0.01 draw for draw.
    const r1 = N.initWeights('random', 5, 5, 9);
    const r2 = N.initWeights('random', 5, 5, 9, 0.5);
    close(Array.from(r1).map((x) => x * 50), r2, 1e-6);
  });
});
