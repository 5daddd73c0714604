// Layer builders: plain descriptions a model is built from, checked when built (see
// ./layerConfig.ts). Nothing is allocated until `sequential`. Every export of this file is
// public API (src/index.ts exports it whole).
import type { LayerOptions } from './backend';
import { BATCH_NORM_KEYS, builderField, checkLayer, DENSE_KEYS, type InitName } from './layerConfig';
import type { ActivationKind } from './reference/activation';
import * as check from './validation/args';

export type { InitName } from './layerConfig';
export type { ActivationKind } from './reference/activation';

export interface DenseOptions {
  /** Weight initialization (default 'he'; 'varianceScaling' at scale 0.1 for a layer followed by batch norm). 'xavier' is the course's √(1/n_in); 'glorot' is √(2/(n_in+n_out)). */
  init?: InitName;
  /** The init's `scale`: the std of 'random' (default 0.01); the variance multiplier of 'varianceScaling', std √(scale/n_in) (default 1; 0.1 before batch norm). Any other init takes none: an error. */
  initScale?: number;
  /** L2 strength λ: cost + λ/2m·ΣW², gradient + λ/m·W (weights only). */
  l2?: number;
  /** L1 strength λ: cost + λ/m·Σ|W|, gradient + λ/m·sign(W). */
  l1?: number;
  /** Default true, except right before batchNorm where β replaces the bias. */
  useBias?: boolean;
  /**
   * false freezes W and b: never updated, their optimizer state untouched, left out of gradient
   * checks; gradients still flow through to earlier layers (PyTorch's requires_grad = False).
   */
  trainable?: boolean;
}

export function dense(units: number, options: DenseOptions = {}): LayerOptions {
  check.options('dense options', options, DENSE_KEYS);
  return checkLayer('dense', { kind: 'dense', units, ...options }, builderField('dense'));
}

export interface BatchNormOptions {
  /** Weight of the old running value: running = momentum·running + (1 − momentum)·batch (default 0.9, PyTorch's 0.1; Keras's is 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, as Keras). */
  epsilon?: number;
  /**
   * false freezes γ and β. Training still normalizes with batch statistics and updates the
   * running ones (PyTorch's requires_grad = False; Keras also switches a frozen batch norm to
   * inference mode — not done here).
   */
  trainable?: boolean;
}

export function batchNorm(options: BatchNormOptions = {}): LayerOptions {
  check.options('batchNorm options', options, BATCH_NORM_KEYS);
  return checkLayer('batchNorm', { kind: 'batchNorm', ...options }, builderField('batchNorm'));
}

export function dropout(options: { keepProb: number }): LayerOptions {
  const o = check.options('dropout options', options, ['keepProb'] as const);
  if (options === undefined) throw check.typeError('dropout', 'an options object { keepProb }', options);
  return checkLayer('dropout', { kind: 'dropout', keepProb: o.keepProb as number }, builderField('dropout'));
}

/**
 * Any activation by name, with its parameter under its own name if it takes one:
 * `activation('leakyRelu', { slope: 0.2 })`. The named builders below are shorthands.
 */
export function activation(name: ActivationKind, parameters: Record<string, number> = {}): LayerOptions {
  return activationLayer('activation', name, parameters);
}

/** An activation layer; `builder` names the function in messages (`leakyRelu: slope: …`). */
function activationLayer(builder: string, name: ActivationKind, parameters: Record<string, unknown> = {}): LayerOptions {
  if (!check.isPlainObject(parameters)) throw check.typeError(`${builder}: parameters`, 'an object', parameters);
  return checkLayer(builder, { kind: 'activation', activation: name, ...parameters }, builderField(builder));
}

export const relu = (): LayerOptions => activationLayer('relu', 'relu');
export const leakyRelu = (slope = 0.01): LayerOptions => activationLayer('leakyRelu', 'leakyRelu', { slope });
export const tanh = (): LayerOptions => activationLayer('tanh', 'tanh');
export const sigmoid = (): LayerOptions => activationLayer('sigmoid', 'sigmoid');
export const identity = (): LayerOptions => activationLayer('identity', 'identity');
/** log(1 + e^z), a smooth relu (PyTorch's Softplus with β = 1). */
export const softplus = (): LayerOptions => activationLayer('softplus', 'softplus');
/** z·σ(z) (Keras's and tfjs's swish; Ramachandran et al. 2017). */
export const swish = (): LayerOptions => activationLayer('swish', 'swish');
/** `swish` under PyTorch's name (SiLU): the same layer, `activation: 'swish'`. */
export const silu = (): LayerOptions => activationLayer('silu', 'swish');
/** Scaled ELU with PyTorch's fixed λ ≈ 1.0507, α ≈ 1.6733 (self-normalizing with lecun init). */
export const selu = (): LayerOptions => activationLayer('selu', 'selu');
/** z above 0, α·(e^z − 1) below (α defaults to 1, as PyTorch and Keras). */
export const elu = (alpha = 1): LayerOptions => activationLayer('elu', 'elu', { alpha });
/** z·Φ(z) with the exact erf (PyTorch's default GELU, approximate='none'; not the tanh form). */
export const gelu = (): LayerOptions => activationLayer('gelu', 'gelu');
