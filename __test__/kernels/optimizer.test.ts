// optimizerStep, every optimizer: hand-computed cases, property tests against the reference, bad
// input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, f32, f64, f, close, within, same, dim, f32Array, f32NonNeg, hyperparameter, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
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

describe('property: native vs reference', () => {
  type Kind = 'gd' | 'momentum' | 'nesterov' | 'rmsprop' | 'adam' | 'adamw';
  const hyper = fc.record({
    lr: hyperparameter(1, [0.001, 0.01, 0.1, 1]),
    beta: hyperparameter(0.999, [0.9, 0.99]),
    beta1: hyperparameter(0.999, [0.9]),
    beta2: hyperparameter(0.9999, [0.999, 0.9]),
    eps: fc.oneof(fc.constantFrom(1e-8, 1e-7, 0.1), fc.double({ min: 1e-8, max: 0.1, noNaN: true })),
    wd: hyperparameter(1, [0.01, 0.5]),
    step: fc.oneof(fc.constantFrom(1, 2, 3, 10), fc.integer({ min: 1, max: 100000 })),
  });
  const tensors = fc.record({ len: dim, bound: fc.constantFrom(1, 10, 1e3, 1e6) }).chain(({ len, bound }) =>
    fc.record({ w: f32Array(len, bound), g: f32Array(len, bound), v: f32Array(len, bound), s: f32NonNeg(len, bound) }),
  );

  // Tolerances (slack 2 throughout, each intermediate carries a 2^-148 subnormal floor):
  // - gd: w − f32(lr)·g: 3 roundings relative to the terms: 2·3u·(|w| + |lr·g|).
  // - momentum: v' = f32(β)·v + f32(1−β)·g: tolV = 2·3u·(|βv| + |(1−β)g|);
  //   w' = w − f32(lr)·v': 2·3u·(|w| + lr|v'|) + lr·tolV.
  // - nesterov: v' as momentum; look = β·v' + (1−β)g: tolL = β·tolV + 2·3u·(|βv'| + |(1−β)g|);
  //   w' = w − lr·look: 2·3u·(|w| + lr|look|) + lr·tolL.
  // - rmsprop: s' sums non-negative terms: tolS = 2·4u·s'; upd = (lr·g)/(√s' + ε) has ≈ 8u relative
  //   error: w' error 2·(u(|w| + |upd|) + 8u|upd|), plus 2·2^-150/den because lr·g may underflow
  //   before the division by den = √s' + ε ≥ ε (g = 2^-149, lr = 0.01: native 0, exact 1.4e-39).
  // - adam: v' as momentum (tolV), s' as rmsprop (tolS); upd = lr·(v'·ibc1)/(√(s'·ibc2) + ε) with
  //   ≈ 12u relative error plus the absolute error of v' carried through, lr·ibc1·tolV/den, plus
  //   the underflow of v'·ibc1 and lr·(…) amplified by 1/den: 2·2^-150·(1 + lr)/den.
  // - adamw: first w1 = w − f32(lr·wd)·w, error 2·3u(|w| + |lr·wd·w|), carried into the adam step.
  function tolerances(kind: Kind, h: { lr: number; beta: number; beta1: number; beta2: number; eps: number; wd: number; step: number },
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array,
    want: { w: Float64Array; v: Float64Array; s: Float64Array }) {
    const F = 2 ** -148;
    const tolW = new Float64Array(w.length);
    const tolV = new Float64Array(w.length);
    const tolS = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const aw = Math.abs(w[i]);
      const ag = Math.abs(g[i]);
      switch (kind) {
        case 'gd':
          tolW[i] = 6 * U * (aw + h.lr * ag) + F;
          break;
        case 'momentum':
        case 'nesterov': {
          tolV[i] = 6 * U * (h.beta * Math.abs(v[i]) + (1 - h.beta) * ag) + F;
          if (kind === 'momentum') {
            tolW[i] = 6 * U * (aw + h.lr * Math.abs(want.v[i])) + h.lr * tolV[i] + F;
          } else {
            const look = h.beta * Math.abs(want.v[i]) + (1 - h.beta) * ag;
            const tolL = h.beta * tolV[i] + 6 * U * look;
            tolW[i] = 6 * U * (aw + h.lr * look) + h.lr * tolL + F;
          }
          break;
        }
        case 'rmsprop': {
          tolS[i] = 8 * U * want.s[i] + F;
          const den = Math.sqrt(want.s[i]) + h.eps;
          const upd = (h.lr * ag) / den;
          tolW[i] = 2 * (U * (aw + upd) + 8 * U * upd) + 2 ** -149 / den + F;
          break;
        }
        case 'adam':
        case 'adamw': {
          tolV[i] = 6 * U * (h.beta1 * Math.abs(v[i]) + (1 - h.beta1) * ag) + F;
          tolS[i] = 8 * U * want.s[i] + F;
          const ibc1 = 1 / (1 - h.beta1 ** h.step);
          const ibc2 = 1 / (1 - h.beta2 ** h.step);
          const den = Math.sqrt(want.s[i] * ibc2) + h.eps;
          const upd = (h.lr * Math.abs(want.v[i]) * ibc1) / den;
          const decay = kind === 'adamw' ? 6 * U * (aw + h.lr * h.wd * aw) : 0;
          tolW[i] = decay + 2 * (U * (aw + upd) + 12 * U * upd) + (h.lr * ibc1 * tolV[i] + 2 ** -149 * (1 + h.lr)) / den + F;
          break;
        }
      }
    }
    return { tolW, tolV, tolS };
  }

  function reference(kind: Kind, h: { lr: number; beta: number; beta1: number; beta2: number; eps: number; wd: number; step: number },
    w: Float32Array, g: Float32Array, v: Float32Array, s: Float32Array) {
    const W = f64(w);
    const G = f64(g);
    const V = f64(v);
    const S = f64(s);
    switch (kind) {
      case 'gd': R.sgdStep(W, G, h.lr); break;
      case 'momentum': R.momentumStep(W, G, V, h.lr, h.beta); break;
      case 'nesterov': R.nesterovStep(W, G, V, h.lr, h.beta); break;
      case 'rmsprop': R.rmspropStep(W, G, S, h.lr, h.beta, h.eps); break;
      case 'adam': R.adamStep(W, G, V, S, h.lr, h.beta1, h.beta2, h.eps, h.step); break;
      case 'adamw': R.adamwStep(W, G, V, S, h.lr, h.beta1, h.beta2, h.eps, h.wd, h.step); break;
    }
    return { w: W, v: V, s: S };
  }

  const usesV: Record<Kind, boolean> = { gd: false, momentum: true, nesterov: true, rmsprop: false, adam: true, adamw: true };
  const usesS: Record<Kind, boolean> = { gd: false, momentum: false, nesterov: false, rmsprop: true, adam: true, adamw: true };

  for (const kind of ['gd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adamw'] as const) {
    it(kind, () => {
      fc.assert(
        fc.property(tensors, hyper, fc.boolean(), ({ w, g, v, s }, h, freshState) => {
          // freshState: v and s omitted (start at 0), as on the first step of a model.
          const v0 = freshState ? new Float32Array(w.length) : v;
          const s0 = freshState ? new Float32Array(w.length) : s;
          const got = N.optimizerStep(w, g, freshState ? null : v, freshState ? null : s, {
            kind,
            learningRate: h.lr,
            beta: h.beta,
            beta1: h.beta1,
            beta2: h.beta2,
            epsilon: h.eps,
            weightDecay: h.wd,
            step: h.step,
          });
          const want = reference(kind, h, w, g, v0, s0);
          const { tolW, tolV, tolS } = tolerances(kind, h, w, g, v0, s0, want);
          within(`${kind} w`, got.w, want.w, (i) => tolW[i]);
          // State an optimizer does not use comes back unchanged.
          if (usesV[kind]) within(`${kind} v`, got.v, want.v, (i) => tolV[i]);
          else same(`${kind} v unchanged`, got.v, v0);
          if (usesS[kind]) within(`${kind} s`, got.s, want.s, (i) => tolS[i]);
          else same(`${kind} s unchanged`, got.s, s0);
        }),
        RUNS,
      );
    });
  }
});

const cases: Partial<Record<Kernel, Case[]>> = {
  optimizerStep: [
    ['g mismatched', () => N.optimizerStep(f(1, 2), f(1), null, null, { kind: 'gd', learningRate: 0.1 }), /\bg: expected shape \[1, 2\] \(2 elements\), got 1 elements/],
    ['v mismatched', () => N.optimizerStep(f(1, 2), f(1, 2), f(0), null, { kind: 'momentum', learningRate: 0.1 }), /\bv: expected shape \[1, 2\]/],
    ['s mismatched', () => N.optimizerStep(f(1, 2), f(1, 2), null, f(0, 0, 0), { kind: 'rmsprop', learningRate: 0.1 }), /\bs: expected shape \[1, 2\] \(2 elements\), got 3 elements/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in w`, () => N.optimizerStep(f(v), f(1), null, null, { kind: 'gd', learningRate: 0.1 }), new RegExp(`\\bw: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in g`, () => N.optimizerStep(f(1, 1), f(1, v), null, null, { kind: 'adam', learningRate: 0.1, step: 1 }), new RegExp(`\\bg: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in v`, () => N.optimizerStep(f(1), f(1), f(v), null, { kind: 'nesterov', learningRate: 0.1 }), new RegExp(`\\bv: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in s`, () => N.optimizerStep(f(1), f(1), null, f(v), { kind: 'rmsprop', learningRate: 0.1 }), new RegExp(`\\bs: element 0 is ${s}`)]),
    ...[-0.1, -Number.MIN_VALUE, NaN, Infinity].map((lr): Case => [`learningRate = ${lr}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'gd', learningRate: lr }), /\blearningRate: must be a finite number ≥ 0, got /]),
    ...(['momentum', 'nesterov', 'rmsprop'] as const).flatMap((kind) =>
      [1, 1.5, -0.1, NaN].map((beta): Case => [`${kind} beta = ${beta}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta }), /\bbeta: must be in \[0, 1\), got /]),
    ),
    ...(['adam', 'adamw'] as const).flatMap((kind) => [
      ...[1, -0.1, NaN].map((beta1): Case => [`${kind} beta1 = ${beta1}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta1, step: 1 }), /\bbeta1: must be in \[0, 1\), got /]),
      ...[1, 1.5, -0.5].map((beta2): Case => [`${kind} beta2 = ${beta2}`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, beta2, step: 1 }), /\bbeta2: must be in \[0, 1\), got /]),
      [`${kind} without step`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1 }), /\bstep: adam\/adamw need the new step number \(≥ 1\)/] as Case,
      [`${kind} step = 0`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: 0 }), /\bstep: must be a positive integer, got 0/] as Case,
      [`${kind} step = -1`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: -1 }), /\bstep: must be an integer in \[0, 2\^32 − 1\], got -1/] as Case,
      [`${kind} step = 1.5`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1, step: 1.5 }), /\bstep: must be an integer in \[0, 2\^32 − 1\], got 1\.5/] as Case,
    ]),
    ...[0, -0, -1e-8, NaN, Infinity].map((epsilon): Case => [`epsilon = ${epsilon}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'adam', learningRate: 0.1, epsilon, step: 1 }), /\bepsilon: must be a finite number > 0, got /]),
    ['rmsprop epsilon = 0', () => N.optimizerStep(f(1), f(1), null, null, { kind: 'rmsprop', learningRate: 0.1, epsilon: 0 }), /\bepsilon: must be a finite number > 0/],
    ...[-0.01, NaN].map((weightDecay): Case => [`adamw weightDecay = ${weightDecay}`, () => N.optimizerStep(f(1), f(1), null, null, { kind: 'adamw', learningRate: 0.1, weightDecay, step: 1 }), /\bweightDecay: must be a finite number ≥ 0, got /]),
    ...['sgd', 'Adam', 'adagrad', ''].map((kind): Case => [`kind '${kind}'`, () => N.optimizerStep(f(1), f(1), null, null, { kind, learningRate: 0.1 }), new RegExp(`\\bkind: unknown optimizer '${kind}', expected gd \\| momentum \\| nesterov \\| rmsprop \\| adam \\| adamw`)]),
  ],
};

badInput('optimizer', cases);
