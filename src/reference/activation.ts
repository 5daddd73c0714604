/**
 * Element-wise activations: forward A = g(Z), backward dZ = dA ⊙ g'(Z).
 *
 * `ACTIVATIONS` is the TypeScript side's one definition of every kind: the name users type,
 * its parameter and default, g and g' side by side (the native twin is
 * crates/core/src/activation.rs). The API (src/layers.ts), the reference network and the tests
 * all read this table, so adding a kind here and in Rust is all it takes on this side.
 *
 * g' is written with z for most kinds and with a = g(z) where that is the clearest form.
 */
import { erfc } from './erf';
import { checkLength, like, type FloatArray } from './types';

/** Logistic sigmoid without overflow: e^−z is only evaluated for z ≥ 0, e^z only for z < 0. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/** Φ(z), the standard normal CDF, as erfc(−z/√2)/2 (1 + erf(z/√2) would cancel for z ≪ 0). */
export const normalCdf = (z: number): number => 0.5 * erfc(-z * Math.SQRT1_2);
/** φ(z) = e^(−z²/2)/√(2π). */
export const normalPdf = (z: number): number => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** SELU's λ and α: PyTorch's constants (Klambauer et al. 2017), 1.0507009873554804934193349852946 and 1.6732632423543772848170429916717. */
export const SELU_LAMBDA = 1.0507009873554805;
export const SELU_ALPHA = 1.6732632423543772;

interface ActivationDefinition {
  /** Its one parameter's name and default, if it has one (leakyRelu's slope). */
  parameter?: readonly [name: string, defaultValue: number];
  g(z: number, p: number): number;
  /** g'(z); `a` = g(z) is passed too. */
  gPrime(z: number, a: number, p: number): number;
}

export const ACTIVATIONS = {
  identity: { g: (z) => z, gPrime: () => 1 },
  // The derivative at the kink is 0 (the "else" branch), as the native side.
  relu: { g: (z) => (z > 0 ? z : 0), gPrime: (z) => (z > 0 ? 1 : 0) },
  leakyRelu: { parameter: ['slope', 0.01], g: (z, slope) => (z > 0 ? z : slope * z), gPrime: (z, _a, slope) => (z > 0 ? 1 : slope) },
  tanh: { g: (z) => Math.tanh(z), gPrime: (_z, a) => 1 - a * a },
  sigmoid: { g: (z) => sigmoid(z), gPrime: (_z, a) => a * (1 - a) },
  // log(1 + e^z) without overflow; its derivative is σ(z).
  softplus: { g: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), gPrime: (z) => sigmoid(z) },
  // z·σ(z); its derivative σ(z)·(1 + z·(1 − σ(z))), with 1 − σ(z) written σ(−z) (no cancellation).
  swish: { g: (z) => z * sigmoid(z), gPrime: (z) => sigmoid(z) * (1 + z * sigmoid(-z)) },
  // λ·(z if z > 0 else α·(e^z − 1)), expm1 for small |z|; derivative λ or λ·α·e^z (λ·α at 0).
  selu: {
    g: (z) => SELU_LAMBDA * (z > 0 ? z : SELU_ALPHA * Math.expm1(z)),
    gPrime: (z) => SELU_LAMBDA * (z > 0 ? 1 : SELU_ALPHA * Math.exp(z)),
  },
  // z if z > 0 else α·(e^z − 1), expm1 for small |z|; derivative 1 or α·e^z (α at 0).
  elu: { parameter: ['alpha', 1], g: (z, alpha) => (z > 0 ? z : alpha * Math.expm1(z)), gPrime: (z, _a, alpha) => (z > 0 ? 1 : alpha * Math.exp(z)) },
  // The exact GELU, z·Φ(z) = 0.5·z·(1 + erf(z/√2)) (PyTorch's default, approximate='none', not
  // the tanh approximation); derivative Φ(z) + z·φ(z).
  gelu: { g: (z) => z * normalCdf(z), gPrime: (z) => normalCdf(z) + z * normalPdf(z) },
} as const satisfies Record<string, ActivationDefinition>;

export type ActivationKind = keyof typeof ACTIVATIONS;
export const ACTIVATION_KINDS = Object.keys(ACTIVATIONS) as ActivationKind[];

/** The parameter a kind takes (name and default), if any. */
export function activationParameter(kind: ActivationKind): readonly [string, number] | undefined {
  return (ACTIVATIONS[kind] as ActivationDefinition).parameter;
}

function definition(kind: ActivationKind): ActivationDefinition {
  const d = (ACTIVATIONS as Record<string, ActivationDefinition>)[kind];
  if (!d || !Object.hasOwn(ACTIVATIONS, kind)) throw new Error(`unknown activation: ${String(kind)}`);
  return d;
}

/** A = g(Z), a new array of Z's type; `p` is the kind's parameter (its default when omitted). */
export function activationForward<T extends FloatArray>(kind: ActivationKind, z: T, p?: number): T {
  const { g, parameter } = definition(kind);
  const value = p ?? parameter?.[1] ?? 0;
  const a = like(z, z.length);
  for (let i = 0; i < z.length; i++) a[i] = g(z[i], value);
  return a;
}

/** dZ = dA ⊙ g'(Z); both Z and A (the forward output) are passed, each kind uses the one it needs. */
export function activationBackward<T extends FloatArray>(kind: ActivationKind, z: T, a: FloatArray, da: FloatArray, p?: number): T {
  const { gPrime, parameter } = definition(kind);
  const value = p ?? parameter?.[1] ?? 0;
  checkLength('activationBackward', 'a', a, z.length);
  checkLength('activationBackward', 'da', da, z.length);
  const dz = like(z, z.length);
  for (let i = 0; i < z.length; i++) dz[i] = da[i] * gPrime(z[i], a[i], value);
  return dz;
}
