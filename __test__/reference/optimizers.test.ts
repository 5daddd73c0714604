import { describe, expect, it } from 'vitest';
import { adamStep, adamwStep, momentumStep, nesterovStep, rmspropStep, sgdStep } from '../../src/reference';
import { f64 } from './helpers';

describe('optimizer steps', () => {
  it('sgd: W −= lr·g', () => {
    const w = f64(1, 2);
    sgdStep(w, f64(0.5, -1), 0.1);
    expect(w[0]).toBeCloseTo(0.95, 15);
    expect(w[1]).toBeCloseTo(2.1, 15);
  });

  it('momentum, two steps: v = β·v + (1−β)·g; W −= lr·v', () => {
    const w = f64(1);
    const v = f64(0);
    momentumStep(w, f64(0.5), v, 0.1, 0.9);
    expect(v[0]).toBeCloseTo(0.05, 15);
    expect(w[0]).toBeCloseTo(0.995, 15);
    momentumStep(w, f64(-0.2), v, 0.1, 0.9);
    expect(v[0]).toBeCloseTo(0.025, 15); // 0.045 − 0.02
    expect(w[0]).toBeCloseTo(0.9925, 15);
  });

  it('nesterov, two steps: W −= lr·(β·v_new + (1−β)·g)', () => {
    const w = f64(1);
    const v = f64(0);
    nesterovStep(w, f64(0.5), v, 0.1, 0.9);
    expect(v[0]).toBeCloseTo(0.05, 15);
    expect(w[0]).toBeCloseTo(1 - 0.1 * (0.045 + 0.05), 15); // 0.9905
    nesterovStep(w, f64(-0.2), v, 0.1, 0.9);
    expect(v[0]).toBeCloseTo(0.025, 15);
    expect(w[0]).toBeCloseTo(0.9905 - 0.1 * (0.0225 - 0.02), 15); // 0.99025
  });

  it('rmsprop: s = β·s + (1−β)·g²; W −= lr·g/(√s + ε), ε outside the root', () => {
    const w = f64(1);
    const s = f64(0);
    rmspropStep(w, f64(2), s, 0.01, 0.9, 0.1);
    expect(s[0]).toBeCloseTo(0.4, 15);
    expect(w[0]).toBeCloseTo(1 - (0.01 * 2) / (Math.sqrt(0.4) + 0.1), 15);
  });

  it('adam at step 2 (hand-computed)', () => {
    const w = f64(1);
    const v = f64(0);
    const s = f64(0);
    adamStep(w, f64(0.5), v, s, 0.01, 0.9, 0.999, 1e-8, 1);
    // v̂ = 0.5, ŝ = 0.25: the first step moves by ≈ lr.
    expect(w[0]).toBeCloseTo(1 - (0.01 * 0.5) / (0.5 + 1e-8), 15);
    adamStep(w, f64(-0.2), v, s, 0.01, 0.9, 0.999, 1e-8, 2);
    expect(v[0]).toBeCloseTo(0.025, 15); // 0.9·0.05 + 0.1·(−0.2)
    expect(s[0]).toBeCloseTo(0.00028975, 15); // 0.999·0.00025 + 0.001·0.04
    const vHat = 0.025 / (1 - 0.81);
    const sHat = 0.00028975 / (1 - 0.998001);
    expect(w[0]).toBeCloseTo(0.9900000002 - (0.01 * vHat) / (Math.sqrt(sHat) + 1e-8), 14);
    expect(w[0]).toBeCloseTo(0.9865439418116511, 14);
  });

  it('adam: ε outside the square root, and t is the bias-correction step', () => {
    const w = f64(0);
    adamStep(w, f64(0.5), f64(0), f64(0), 1, 0.9, 0.999, 0.1, 1);
    expect(w[0]).toBeCloseTo(-0.5 / (0.5 + 0.1), 15); // not −0.5/√(0.25 + 0.1)
    const w3 = f64(0);
    adamStep(w3, f64(0.5), f64(0), f64(0), 1, 0.9, 0.999, 0, 3);
    // Fresh state at t = 3: v̂ = 0.05/(1−0.9³), ŝ = 0.00025/(1−0.999³)
    expect(w3[0]).toBeCloseTo(-(0.05 / (1 - 0.729)) / Math.sqrt(0.00025 / (1 - 0.999 ** 3)), 12);
    expect(() => adamStep(w, f64(1), f64(0), f64(0), 1, 0.9, 0.999, 1e-8, 0)).toThrow(RangeError);
  });

  it('adamw: decoupled decay W −= lr·wd·W first, then the adam step', () => {
    const w = f64(2);
    const v = f64(0);
    const s = f64(0);
    adamwStep(w, f64(0.5), v, s, 0.01, 0.9, 0.999, 1e-8, 0.1, 1);
    // 2 − 0.01·0.1·2 = 1.998, then adam's first step of ≈ lr.
    expect(w[0]).toBeCloseTo(1.998 - (0.01 * 0.5) / (0.5 + 1e-8), 15);
    expect(v[0]).toBeCloseTo(0.05, 15); // the decay does not touch the gradient
  });

  it('f32 state is stored rounded and the update reads the stored value', () => {
    const w = Float32Array.of(1);
    const v = Float32Array.of(0);
    momentumStep(w, Float32Array.of(0.3), v, 0.1, 0.9);
    const vf = Math.fround(0.1 * Math.fround(0.3));
    expect(v[0]).toBe(vf);
    expect(w[0]).toBe(Math.fround(1 - 0.1 * vf));
  });

  it('checks lengths', () => {
    expect(() => sgdStep(f64(1, 2), f64(1), 0.1)).toThrow();
    expect(() => adamStep(f64(1), f64(1), f64(0, 0), f64(0), 0.1, 0.9, 0.999, 1e-8, 1)).toThrow(/v/);
  });
});
