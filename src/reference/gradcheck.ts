/**
 * Gradient checking (crates/core/src/network/gradcheck.rs). It runs a Float64Array copy of the
 * model through the same code (batch norm on batch statistics without touching the running ones,
 * dropout off).
 */
import type { ParamName, Param } from './layers';
import type { Network } from './network';

/**
 * Backprop against two-sided differences (J(θ+ε) − J(θ−ε))/2ε over every parameter of `net`,
 * with J = data loss + regularization in GradCheck mode. Parameters are restored exactly.
 */
export function compareGradients(
  net: Network<Float64Array>,
  x: Float64Array,
  y: Float64Array,
  m: number,
  epsilon: number,
  trainable: readonly boolean[] = net.layers.map(() => true),
): { analytic: Float64Array; numeric: Float64Array; blocks: Array<{ layer: number; name: ParamName; length: number }> } {
  net.computeGradients(x, y, m, 'gradCheck');
  const blocks: Array<{ layer: number; param: Param<Float64Array> }> = [];
  // Frozen layers' parameters are constants of the function, not checked.
  net.layers.forEach((layer, li) => {
    if (trainable[li]) layer.params().forEach((param) => blocks.push({ layer: li, param }));
  });
  const total = blocks.reduce((s, b) => s + b.param.value.length, 0);
  const analytic = new Float64Array(total);
  const numeric = new Float64Array(total);
  let k = 0;
  for (const { param } of blocks) {
    analytic.set(param.grad, k);
    k += param.value.length;
  }
  const cost = () => {
    const s = net.computeGradients(x, y, m, 'gradCheck');
    return s.dataLoss + s.regularization;
  };
  k = 0;
  for (const { param } of blocks) {
    const w = param.value;
    for (let i = 0; i < w.length; i++) {
      const original = w[i];
      w[i] = original + epsilon;
      const plus = cost();
      w[i] = original - epsilon;
      const minus = cost();
      w[i] = original;
      numeric[k++] = (plus - minus) / (2 * epsilon);
    }
  }
  return { analytic, numeric, blocks: blocks.map((b) => ({ layer: b.layer, name: b.param.name, length: b.param.value.length })) };
}

/** ‖a − b‖₂ / (‖a‖₂ + ‖b‖₂); 0 when both are zero. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const norm = Math.sqrt(na) + Math.sqrt(nb);
  return norm === 0 ? 0 : Math.sqrt(diff) / norm;
}
