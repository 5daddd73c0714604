// Layer builders: plain descriptions a model is built from. Each returns the options object the
// backends understand (see LayerOptions in index.d.ts); nothing is allocated until `sequential`.
// `checkLayer` is the one place a layer description is validated on the TS side (kinds, keys,
// types and ranges), so builders and hand-written objects get the same messages.
import type { LayerOptions } from './backend';
import * as check from './validation/args';

export type InitName = 'zeros' | 'random' | 'he' | 'xavier' | 'glorot' | 'lecun';
export const INIT_NAMES: readonly InitName[] = ['zeros', 'random', 'he', 'xavier', 'glorot', 'lecun'];
export const ACTIVATIONS = ['identity', 'relu', 'leakyRelu', 'tanh', 'sigmoid'] as const;
export const LAYER_KINDS = ['dense', 'batchNorm', 'activation', 'dropout'] as const;

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
  check.options('dense options', options, DENSE_KEYS);
  return checkLayer('dense', { kind: 'dense', units, ...options }, builderField('dense'));
}

export interface BatchNormOptions {
  /** Weight of the old running value: running = momentum·running + (1 − momentum)·batch (default 0.99). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, as Keras). */
  epsilon?: number;
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

export const relu = (): LayerOptions => ({ kind: 'activation', activation: 'relu' });
export const leakyRelu = (slope = 0.01): LayerOptions => checkLayer('leakyRelu', { kind: 'activation', activation: 'leakyRelu', slope }, builderField('leakyRelu'));
export const tanh = (): LayerOptions => ({ kind: 'activation', activation: 'tanh' });
export const sigmoid = (): LayerOptions => ({ kind: 'activation', activation: 'sigmoid' });
export const identity = (): LayerOptions => ({ kind: 'activation', activation: 'identity' });

const DENSE_KEYS = ['init', 'initScale', 'l2', 'l1', 'useBias'] as const;
const BATCH_NORM_KEYS = ['momentum', 'epsilon'] as const;
const KEYS: Record<(typeof LAYER_KINDS)[number], readonly string[]> = {
  dense: ['kind', 'units', ...DENSE_KEYS],
  batchNorm: ['kind', ...BATCH_NORM_KEYS],
  activation: ['kind', 'activation', 'slope'],
  dropout: ['kind', 'keepProb'],
};

/** Field names as a builder's messages say them: `dense: units`. */
const builderField = (builder: string) => (field: string) => `${builder}: ${field}`;

/**
 * Validates one layer description (`where` names it: `sequential: layers[2]`, fields then read
 * `sequential: layers[2].units`); returns a copy.
 */
export function checkLayer(where: string, layer: unknown, field = (name: string) => `${where}.${name}`): LayerOptions {
  if (!check.isPlainObject(layer)) throw check.typeError(where, 'a layer (dense(), relu(), batchNorm(), dropout(), …)', layer);
  const kind = check.oneOf(field('kind'), layer.kind, LAYER_KINDS);
  const o = check.options(where, layer, KEYS[kind]);
  const at = field;
  switch (kind) {
    case 'dense':
      check.integer(at('units'), o.units, 1, 2 ** 31);
      if (o.init !== undefined) check.oneOf(at('init'), o.init, INIT_NAMES);
      if (o.initScale !== undefined) check.number(at('initScale'), o.initScale, 0);
      if (o.l2 !== undefined) check.number(at('l2'), o.l2, 0);
      if (o.l1 !== undefined) check.number(at('l1'), o.l1, 0);
      if (o.useBias !== undefined) check.boolean(at('useBias'), o.useBias);
      break;
    case 'batchNorm':
      if (o.momentum !== undefined) check.number(at('momentum'), o.momentum, 0, 1, { hi: true });
      if (o.epsilon !== undefined) check.number(at('epsilon'), o.epsilon, 0, Infinity, { lo: true });
      break;
    case 'activation':
      check.oneOf(at('activation'), o.activation, ACTIVATIONS);
      if (o.slope !== undefined) check.number(at('slope'), o.slope);
      break;
    case 'dropout':
      check.number(at('keepProb'), o.keepProb, 0, 1, { lo: true });
      break;
    default: {
      const never: never = kind;
      throw new Error(`unhandled layer kind ${String(never)}`);
    }
  }
  return { ...(layer as unknown as LayerOptions) };
}

/** The `layers` array of a model: each layer checked, then the whole (a last dense layer). */
export function checkLayers(where: string, layers: unknown): LayerOptions[] {
  if (!Array.isArray(layers)) throw check.typeError(where, 'an array of layers (dense(), relu(), …)', layers);
  if (layers.length === 0) throw new RangeError(`${where}: a network needs at least one dense layer`);
  return layers.map((layer, i) => checkLayer(`${where}[${i}]`, layer));
}

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
