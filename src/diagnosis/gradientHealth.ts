// Vanishing/exploding gradient warnings from per-layer gradient L2 norms (EpochLog.gradNorms:
// one norm per layer, 0 for layers without parameters). Default thresholds:
//   vanishing: a layer with parameters has norm < 1e-7 (`vanishingNorm`), or the first
//              parameter layer's norm / the last one's < 1e-4 (`minRatio`: the signal dies on
//              its way back to the input; checked only when neither end is already flagged);
//   exploding: a norm > 1e3 (`explodingNorm`) or a non-finite norm (NaN, ∞).
// Given several rows (one per epoch), each (kind, layer) is reported once, with the first
// row where it happened, how many rows had it and the worst value.
import { describe, integer, number, optional, options as strict, typeError } from '../validation/args';

export interface GradientHealthOptions {
  /** Which layers have parameters (model.architecture.layers: dense, batchNorm). Default: layers whose norm is not 0 in any row. */
  hasParameters?: readonly boolean[];
  /** A norm below this on a layer with parameters is vanishing (default 1e-7). */
  vanishingNorm?: number;
  /** A norm above this is exploding (default 1e3). */
  explodingNorm?: number;
  /** first/last parameter-layer norm ratio below this is vanishing (default 1e-4). */
  minRatio?: number;
  /** Epoch number of the first row, for firstEpoch and the messages (default 0; fit passes its initialEpoch). */
  epochOffset?: number;
}

export interface GradientWarning {
  kind: 'vanishing' | 'exploding';
  /** Layer index, or null for the first/last ratio rule. */
  layer: number | null;
  /** The worst offending norm (or ratio, when layer is null). */
  value: number;
  /** First epoch where it happened: the row index plus options.epochOffset. */
  firstEpoch: number;
  /** Number of rows (epochs) where it happened. */
  epochs: number;
  message: string;
}

export const GRADIENT_THRESHOLDS = { vanishingNorm: 1e-7, explodingNorm: 1e3, minRatio: 1e-4 } as const;

const WHERE = 'gradientWarnings';
const KEYS = ['hasParameters', 'vanishingNorm', 'explodingNorm', 'minRatio', 'epochOffset'] as const;

function threshold(name: (typeof KEYS)[number], value: unknown, fallback: number): number {
  return optional(value, fallback, (v) => number(`${WHERE}: ${name}`, v, 0, Infinity, { lo: true }));
}

/** A row of norms: an array or a float typed array (not a DataView, whose length is undefined). */
function isRow(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || value instanceof Float64Array || value instanceof Float32Array;
}

/** Warnings for one row of per-layer norms, or for several rows (one per epoch). */
export function gradientWarnings(
  gradNorms: readonly number[] | Float64Array | Float32Array | readonly (readonly number[])[],
  options: GradientHealthOptions = {},
): GradientWarning[] {
  const o = strict(`${WHERE} options`, options, KEYS);
  if (!isRow(gradNorms)) throw typeError(`${WHERE}: gradNorms`, 'an array of per-layer norms (or one such array per epoch)', gradNorms);
  if (gradNorms.length === 0) throw new RangeError(`${WHERE}: gradNorms: is empty; expected one norm per layer`);
  const rows: ArrayLike<number>[] = isRow(gradNorms[0]) ? (gradNorms as unknown as ArrayLike<number>[]) : [gradNorms as ArrayLike<number>];
  const layers = rows[0].length;
  rows.forEach((row, e) => {
    const name = rows.length > 1 || row !== gradNorms ? `${WHERE}: gradNorms[${e}]` : `${WHERE}: gradNorms`;
    if (!isRow(row)) throw typeError(name, 'an array of per-layer norms', row);
    if (row.length !== layers || layers === 0) throw new RangeError(`${name}: has ${row.length} norms, expected ${layers} (one per layer, ≥ 1)`);
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (typeof v !== 'number' || v < 0) throw new RangeError(`${name}[${i}]: a norm must be a number ≥ 0 (or NaN/∞), got ${describe(v)}`);
    }
  });
  const vanishingNorm = threshold('vanishingNorm', o.vanishingNorm, GRADIENT_THRESHOLDS.vanishingNorm);
  const explodingNorm = threshold('explodingNorm', o.explodingNorm, GRADIENT_THRESHOLDS.explodingNorm);
  const minRatio = threshold('minRatio', o.minRatio, GRADIENT_THRESHOLDS.minRatio);
  const epochOffset = optional(o.epochOffset, 0, (v) => integer(`${WHERE}: epochOffset`, v, 0));
  let params: boolean[];
  if (o.hasParameters !== undefined) {
    const given = o.hasParameters;
    if (!Array.isArray(given) || given.length !== layers || !given.every((b) => typeof b === 'boolean')) {
      throw typeError(`${WHERE}: hasParameters`, `${layers} booleans (one per layer)`, given);
    }
    params = [...given];
  } else {
    params = Array.from({ length: layers }, (_, i) => rows.some((r) => !(r[i] === 0)));
  }
  const paramLayers = params.flatMap((p, i) => (p ? [i] : []));

  const found = new Map<string, GradientWarning>();
  const note = (kind: GradientWarning['kind'], layer: number | null, value: number, epoch: number, worse: (a: number, b: number) => boolean) => {
    const key = `${kind}:${layer}`;
    const w = found.get(key);
    if (!w) {
      found.set(key, { kind, layer, value, firstEpoch: epoch + epochOffset, epochs: 1, message: '' });
    } else {
      w.epochs++;
      if (worse(value, w.value)) w.value = value;
    }
  };
  const larger = (a: number, b: number) => !Number.isFinite(a) || a > b;
  const smaller = (a: number, b: number) => a < b;
  rows.forEach((row, e) => {
    const flagged = new Set<number>();
    for (let i = 0; i < layers; i++) {
      const v = row[i];
      if (!Number.isFinite(v) || v > explodingNorm) note('exploding', i, v, e, larger);
      else if (params[i] && v < vanishingNorm) note('vanishing', i, v, e, smaller);
      else continue;
      flagged.add(i);
    }
    if (paramLayers.length >= 2) {
      const [a, b] = [paramLayers[0], paramLayers[paramLayers.length - 1]];
      const ratio = row[a] / row[b];
      if (!flagged.has(a) && !flagged.has(b) && ratio < minRatio) note('vanishing', null, ratio, e, smaller);
    }
  });
  const span = (w: GradientWarning) => (w.epochs === 1 && rows.length === 1 ? '' : ` (from epoch ${w.firstEpoch}, ${w.epochs} epoch${w.epochs === 1 ? '' : 's'})`);
  for (const w of found.values()) {
    if (w.layer === null) {
      w.message = `vanishing gradients: layer ${paramLayers[0]}'s gradient norm is ${w.value.toExponential(2)}× layer ${paramLayers[paramLayers.length - 1]}'s (below ${minRatio})${span(w)}; try He/Xavier initialization, batch norm or ReLU`;
    } else if (w.kind === 'vanishing') {
      w.message = `vanishing gradients: layer ${w.layer}'s gradient norm is ${w.value.toExponential(2)} (below ${vanishingNorm})${span(w)}; try He/Xavier initialization, batch norm, ReLU or a larger learning rate`;
    } else {
      w.message = `exploding gradients: layer ${w.layer}'s gradient norm is ${Number.isFinite(w.value) ? w.value.toExponential(2) : w.value} (above ${explodingNorm})${span(w)}; lower the learning rate, clip gradients (clipNorm) or use batch norm`;
    }
  }
  return [...found.values()].sort((a, b) => a.firstEpoch - b.firstEpoch || (a.layer ?? -1) - (b.layer ?? -1));
}
