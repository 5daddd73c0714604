// Gradient checking through the whole model: backprop vs two-sided differences in f64.
import { describe, expect, it } from 'vitest';
import {
  activation,
  batchNorm,
  compareGradients,
  dense,
  dropout,
  gradientCheck,
  leakyRelu,
  relu,
  sequential,
  sigmoid,
  tanh,
  type Sequential,
  reference,
} from '../../src';
import { expectSameSnapshot, normals, snapshot } from './helpers';

const M = 5;
const INPUTS = 4;
const HIDDEN = 5;

/**
 * Biases and β start at exactly 0, so an example whose inputs to a dense layer are all zero
 * (every ReLU before it off) has Z = b = 0, right on the next ReLU's kink, where perturbing b by
 * ±ε crosses it. Random non-zero biases (and γ ≠ 1) keep pre-activations off the kinks.
 */
function randomizeBiases(model: Sequential, seed: number): Sequential {
  let k = 0;
  for (const t of model.tensors()) {
    if (t.name === 'b' || t.name === 'beta') model.setTensor(t.layer, t.name, normals(seed * 31 + k++, t.shape[0], 0.5));
    if (t.name === 'gamma') model.setTensor(t.layer, t.name, normals(seed * 31 + k++, t.shape[0], 0.2).map((v) => 1 + v));
  }
  return model;
}

/** Every layer kind: dense with/without bias, batch norm, every activation, dropout; L2 and L1. */
function everyLayerNet(seed = 3): Sequential {
  const model = sequential({
    inputSize: INPUTS,
    seed,
    threads: 1,
    layers: [
      dense(HIDDEN, { l2: 0.3, l1: 0.05 }), // followed by batch norm: no bias
      batchNorm(),
      relu(),
      dense(HIDDEN, { l2: 0.2, l1: 0.1, init: 'xavier' }), // with bias
      leakyRelu(0.1),
      dropout({ keepProb: 0.7 }),
      dense(HIDDEN, { useBias: false, l1: 0.02, init: 'glorot' }),
      tanh(),
      dense(HIDDEN, { l2: 0.1, init: 'lecun' }),
      sigmoid(),
      dense(3, { l2: 0.05, l1: 0.05 }),
    ],
  });
  return randomizeBiases(model, seed);
}

/** A small net through one activation, with batch norm before it so its inputs spread. */
function activationNet(name: reference.ActivationKind, seed = 5): Sequential {
  const model = sequential({
    inputSize: INPUTS,
    seed,
    threads: 1,
    layers: [dense(HIDDEN, { l2: 0.1 }), activation(name), dense(HIDDEN), activation(name), dense(3, { l1: 0.05 })],
  });
  return randomizeBiases(model, seed);
}

const x = normals(11, M * INPUTS);
const classes = [0, 1, 2, 1, 0];

describe('gradientCheck', () => {
  // Every activation there is (src/reference/activation.ts lists them): a new one is checked here
  // without touching this file.
  it.each(reference.ACTIVATION_KINDS)('passes through activation %s (f64, < 1e-7)', (name) => {
    const r = gradientCheck(activationNet(name), x, classes);
    expect(r.relativeDifference).toBeLessThan(1e-7);
    expect(Math.hypot(...r.analytic)).toBeGreaterThan(1e-3);
  });

  it('passes for a net with every layer kind, L2 and L1, softmax output', () => {
    const model = everyLayerNet();
    const names = model.tensors().filter((t) => !t.name.includes('.')).map((t) => `${t.layer}.${t.name}`);
    // The layers really are what the test claims: bias only where expected, batch norm params present.
    expect(names).toEqual(['0.W', '1.gamma', '1.beta', '1.runningMean', '1.runningVar', '3.W', '3.b', '6.W', '8.W', '8.b', '10.W', '10.b']);
    const r = gradientCheck(model, x, classes);
    // Every parameter is checked (running statistics are not parameters).
    expect(r.blocks.map((b) => `${b.layer}.${b.name}`)).toEqual(names.filter((n) => !n.startsWith('1.running')));
    const total = r.blocks.reduce((s, b) => s + b.shape.reduce((p, d) => p * d, 1), 0);
    expect(r.analytic.length).toBe(total);
    expect(r.numeric.length).toBe(total);
    // A non-trivial gradient (a check of zeros against zeros would pass vacuously).
    expect(Math.hypot(...r.analytic)).toBeGreaterThan(1e-3);
    expect(r.relativeDifference).toBeLessThan(1e-7);
    expect(r.verdict).toBe('fine');
    for (const p of r.parameters) expect(p.relativeDifference, `${p.layer}.${p.name}`).toBeLessThan(1e-6);
  });

  it.each([4, 5, 8, 13])('passes for the every-layer net with seed %i', (seed) => {
    const r = gradientCheck(everyLayerNet(seed), normals(seed + 100, M * INPUTS), classes);
    expect(r.relativeDifference).toBeLessThan(1e-7);
    expect(r.verdict).toBe('fine');
  });

  it('passes after some training (non-initial parameters and optimizer state)', async () => {
    const model = everyLayerNet(21);
    const xs = normals(22, 40 * INPUTS);
    const ys = Array.from({ length: 40 }, (_, i) => i % 3);
    await model.fit(xs, ys, { epochs: 3, batchSize: 8 });
    expect(model.handle.getStep()).toBe(15);
    const r = gradientCheck(model, x, classes);
    expect(r.relativeDifference).toBeLessThan(1e-7);
    expect(r.verdict).toBe('fine');
  });

  it('passes with one-hot float labels too, and leaves the model untouched', () => {
    const model = everyLayerNet(8);
    const before = snapshot(model);
    const oneHot = new Float32Array(M * 3);
    classes.forEach((c, i) => (oneHot[i * 3 + c] = 1));
    const r = gradientCheck(model, x, oneHot);
    expect(r.relativeDifference).toBeLessThan(1e-7);
    expect(r.verdict).toBe('fine');
    expectSameSnapshot(snapshot(model), before);
  });

  it('passes for a sigmoid-output net (binary and multi-label)', () => {
    const binary = randomizeBiases(
      sequential({
        inputSize: INPUTS,
        output: 'sigmoid',
        seed: 5,
        threads: 1,
        layers: [dense(HIDDEN, { l2: 0.1 }), tanh(), dense(HIDDEN, { l1: 0.1 }), relu(), dense(1)],
      }),
      5,
    );
    const rb = gradientCheck(binary, x, [0, 1, 1, 0, 1]);
    expect(Math.hypot(...rb.analytic)).toBeGreaterThan(1e-3);
    expect(rb.relativeDifference).toBeLessThan(1e-7);
    expect(rb.verdict).toBe('fine');

    const multi = randomizeBiases(
      sequential({
        inputSize: INPUTS,
        output: 'sigmoid',
        seed: 6,
        threads: 1,
        layers: [dense(HIDDEN), batchNorm(), leakyRelu(), dropout({ keepProb: 0.5 }), dense(2, { l2: 0.2, l1: 0.1 })],
      }),
      6,
    );
    const labels = Float32Array.from([0, 1, 1, 1, 0, 0, 1, 0, 0, 1]);
    const rm = gradientCheck(multi, x, labels);
    expect(rm.relativeDifference).toBeLessThan(1e-7);
    expect(rm.verdict).toBe('fine');
  });

  it('catches a corrupted gradient and names the corrupted parameter first', () => {
    const model = everyLayerNet();
    const r = gradientCheck(model, x, classes);
    expect(r.verdict).toBe('fine');
    const sizes = r.blocks.map((b) => b.shape.reduce((p, d) => p * d, 1));
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));

    // Scale one whole block (the one with the largest gradient, so the total moves too) by 1.1.
    const norms = r.blocks.map((_, i) => Math.hypot(...r.analytic.subarray(offsets[i], offsets[i] + sizes[i])));
    const target = norms.indexOf(Math.max(...norms));
    const scaled = Float64Array.from(r.analytic);
    for (let i = offsets[target]; i < offsets[target] + sizes[target]; i++) scaled[i] *= 1.1;
    const bad = compareGradients(scaled, r.numeric, r.blocks);
    expect(bad.relativeDifference).toBeGreaterThan(1e-3);
    expect(bad.verdict).toBe('likely a bug');
    expect(bad.parameters[0].layer).toBe(r.blocks[target].layer);
    expect(bad.parameters[0].name).toBe(r.blocks[target].name);
    // The uncorrupted parameters still look fine.
    for (const p of bad.parameters.slice(1)) expect(p.relativeDifference).toBeLessThan(1e-6);

    // A single element off by 1e-2 in another block: caught, named, and located.
    const other = target === 0 ? 1 : 0;
    const element = Math.min(2, sizes[other] - 1);
    const nudged = Float64Array.from(r.analytic);
    nudged[offsets[other] + element] += 1e-2;
    const bad2 = compareGradients(nudged, r.numeric, r.blocks);
    expect(bad2.relativeDifference).toBeGreaterThan(1e-3);
    expect(bad2.verdict).toBe('likely a bug');
    expect(bad2.parameters[0].layer).toBe(r.blocks[other].layer);
    expect(bad2.parameters[0].name).toBe(r.blocks[other].name);
    expect(bad2.parameters[0].worstIndex).toBe(element);
    expect(bad2.parameters[0].analytic - bad2.parameters[0].numeric).toBeCloseTo(1e-2, 6);
  });

  it('a gradient with the wrong sign of the regularization term is caught', () => {
    // Recompute what the L2 term contributes and flip it: a classic bug the check must see.
    const model = sequential({ inputSize: INPUTS, seed: 2, threads: 1, layers: [dense(HIDDEN, { l2: 1 }), tanh(), dense(3)] });
    const r = gradientCheck(model, x, classes);
    expect(r.verdict).toBe('fine');
    const W = model.getTensor(0, 'W');
    const wrong = Float64Array.from(r.analytic);
    for (let i = 0; i < W.length; i++) wrong[i] -= (2 * 1 * W[i]) / M; // +λ/m·W becomes −λ/m·W
    const bad = compareGradients(wrong, r.numeric, r.blocks);
    expect(bad.verdict).toBe('likely a bug');
    expect(`${bad.parameters[0].layer}.${bad.parameters[0].name}`).toBe('0.W');
  });
});
