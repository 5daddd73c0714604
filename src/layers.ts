// Layer builders: plain descriptions a model is built from. Each returns the options object the
// backends understand (see LayerOptions in index.d.ts); nothing is allocated until `sequential`.
import type { LayerOptions } from './backend';

export type InitName = 'zeros' | 'random' | 'he' | 'xavier' | 'glorot' | 'lecun';

export interface DenseOptions {
  /** Weight initialization (default 'he'). 'xavier' is the course's √(1/n_in); 'glorot' is √(2/(n_in+n_out)). */
  init?: InitName;
  /** Scale of init 'random' (default 0.01). */
  initScale?: number;
  /** L2 strength λ: cost + λ/2m·ΣW², gradient + λ/m·W (weights only). */
  l2?: number;
  /** L1 strength λ: cost + λ/m·Σ|W|, gradient + λ/m·sign(W). */
  l1?: number;
  /** Default true, except right before batchNorm where β replaces the bias. */
  useBias?: boolean;
}

export function dense(units: number, options: DenseOptions = {}): LayerOptions {
  return { kind: 'dense', units, ...options };
}

export interface BatchNormOptions {
  /** Weight of the old running value: running = momentum·running + (1 − momentum)·batch (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, as Keras). */
  epsilon?: number;
}

export function batchNorm(options: BatchNormOptions = {}): LayerOptions {
  return { kind: 'batchNorm', ...options };
}

export function dropout(options: { keepProb: number }): LayerOptions {
  return { kind: 'dropout', keepProb: options.keepProb };
}

export const relu = (): LayerOptions => ({ kind: 'activation', activation: 'relu' });
export const leakyRelu = (slope = 0.01): LayerOptions => ({ kind: 'activation', activation: 'leakyRelu', slope });
export const tanh = (): LayerOptions => ({ kind: 'activation', activation: 'tanh' });
export const sigmoid = (): LayerOptions => ({ kind: 'activation', activation: 'sigmoid' });
export const identity = (): LayerOptions => ({ kind: 'activation', activation: 'identity' });

/** A dense layer directly followed by batch norm gets no bias unless the user asked for one. */
export function withBatchNormBias(layers: LayerOptions[]): LayerOptions[] {
  return layers.map((layer, i) => {
    const next = layers[i + 1];
    if (layer.kind === 'dense' && layer.useBias === undefined && next?.kind === 'batchNorm') {
      return { ...layer, useBias: false };
    }
    return { ...layer };
  });
}
