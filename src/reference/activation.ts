/**
 * Element-wise activations: forward A = g(Z), backward dZ = dA ⊙ g'(Z).
 *
 * | kind      | g(z)                              | g' used in backward           |
 * |-----------|-----------------------------------|-------------------------------|
 * | identity  | z                                 | 1                             |
 * | relu      | max(z, 0)                         | 1 if z > 0 else 0 (0 at z = 0)|
 * | leakyRelu | z if z > 0 else slope·z           | 1 if z > 0 else slope         |
 * | tanh      | tanh z                            | 1 − a² (from the output a)    |
 * | sigmoid   | 1/(1+e^−z) or e^z/(1+e^z) (z < 0) | a·(1 − a) (from the output a) |
 */
import { checkLength, like, type FloatArray } from './types';

export type ActivationKind = 'identity' | 'relu' | 'leakyRelu' | 'tanh' | 'sigmoid';

/** Logistic sigmoid without overflow: e^−z is only evaluated for z ≥ 0, e^z only for z < 0. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function g(kind: ActivationKind, z: number, slope: number): number {
  switch (kind) {
    case 'identity':
      return z;
    case 'relu':
      return z > 0 ? z : 0;
    case 'leakyRelu':
      return z > 0 ? z : slope * z;
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return sigmoid(z);
    default:
      throw new Error(`unknown activation: ${String(kind)}`);
  }
}

/** g'(z), written with z for the piecewise-linear kinds and with a = g(z) for tanh and sigmoid. */
function gPrime(kind: ActivationKind, z: number, a: number, slope: number): number {
  switch (kind) {
    case 'identity':
      return 1;
    case 'relu':
      return z > 0 ? 1 : 0;
    case 'leakyRelu':
      return z > 0 ? 1 : slope;
    case 'tanh':
      return 1 - a * a;
    case 'sigmoid':
      return a * (1 - a);
    default:
      throw new Error(`unknown activation: ${String(kind)}`);
  }
}

/** A = g(Z), a new array of Z's type. */
export function activationForward<T extends FloatArray>(kind: ActivationKind, z: T, slope = 0.01): T {
  const a = like(z, z.length);
  for (let i = 0; i < z.length; i++) a[i] = g(kind, z[i], slope);
  return a;
}

/** dZ = dA ⊙ g'(Z); both Z and A (the forward output) are passed, each kind uses the one it needs. */
export function activationBackward<T extends FloatArray>(
  kind: ActivationKind,
  z: T,
  a: FloatArray,
  da: FloatArray,
  slope = 0.01,
): T {
  checkLength('activationBackward', 'a', a, z.length);
  checkLength('activationBackward', 'da', da, z.length);
  const dz = like(z, z.length);
  for (let i = 0; i < z.length; i++) dz[i] = da[i] * gPrime(kind, z[i], a[i], slope);
  return dz;
}
