// The `augment` option of fit: random image augmentation of every training batch, fresh each
// epoch, computed in the backend while the batch is gathered (the data set is never copied).
// The formulas are in crates/core/src/augment.rs (mirrored by src/reference/augment.ts).
import type { AugmentationOptions } from '../backend';
import * as check from '../validation/args';

/**
 * Image augmentation for inputs of `[m, height·width·channels]` (channels last). Each training
 * image gets, per epoch, a shift of up to ±`shift` pixels in x and y, a rotation of up to
 * ±`rotation` degrees and a size change of up to ±`scale` (0.1 = ×[0.9, 1.1]), all about the
 * image centre with bilinear interpolation (zero outside), then Gaussian noise of standard
 * deviation `noise`; with `flipHorizontal` half the images are mirrored (never for digits or
 * text). Drawn from the model's seed (the AUGMENT stream), so runs are reproducible. Evaluation
 * and prediction never augment.
 */
export interface AugmentOptions {
  height: number;
  width: number;
  /** Values per pixel, stored last (default 1). */
  channels?: number;
  /** Largest shift in pixels, each direction (default 0). */
  shift?: number;
  /** Largest rotation in degrees, at most 180 (default 0). */
  rotation?: number;
  /** Largest relative size change, in [0, 1) (default 0). */
  scale?: number;
  /** Standard deviation of additive Gaussian noise (default 0). */
  noise?: number;
  /** Mirror left ↔ right with probability ½ (default false). */
  flipHorizontal?: boolean;
}

const FIELDS = ['height', 'width', 'channels', 'shift', 'rotation', 'scale', 'noise', 'flipHorizontal'] as const;

/**
 * Checks `augment` completely (keys, types, ranges, and height·width·channels against the
 * model's input size) so fit can refuse it before touching the model; null/undefined mean none.
 * `where` names it: `fit: augment`.
 */
export function augmentationOptionsOf(where: string, value: unknown, inputSize: number): AugmentationOptions | null {
  if (value === undefined || value === null) return null;
  const o = check.options(where, value, FIELDS);
  const at = (field: string) => `${where}.${field}`;
  const height = check.integer(at('height'), o.height, 1, 2 ** 31);
  const width = check.integer(at('width'), o.width, 1, 2 ** 31);
  const channels = check.optional(o.channels, 1, (v) => check.integer(at('channels'), v, 1, 2 ** 31));
  if (o.shift !== undefined) check.number(at('shift'), o.shift, 0);
  if (o.rotation !== undefined) check.number(at('rotation'), o.rotation, 0, 180);
  if (o.scale !== undefined) check.number(at('scale'), o.scale, 0, 1, { hi: true });
  if (o.noise !== undefined) check.number(at('noise'), o.noise, 0);
  if (o.flipHorizontal !== undefined) check.boolean(at('flipHorizontal'), o.flipHorizontal);
  if (height * width * channels !== inputSize) {
    throw new RangeError(`${at('height')}: height·width·channels = ${height}·${width}·${channels} must equal the input size ${inputSize}`);
  }
  return { ...(value as AugmentationOptions) };
}
