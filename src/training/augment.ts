// The `augment` option of fit: random image augmentation of every training batch, fresh each
// epoch, computed in the backend while the batch is gathered (the data set is never copied).
// The formulas are in crates/core/src/augment.rs (mirrored by src/reference/augment.ts).
import type { AugmentationOptions } from '../backend';

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

const NUMBER_FIELDS = ['height', 'width', 'channels', 'shift', 'rotation', 'scale', 'noise'] as const;
const FIELDS: readonly string[] = [...NUMBER_FIELDS, 'flipHorizontal'];

/**
 * Type checks of `augment` (ranges and the size against the model are checked by the backend's
 * `setAugmentation`, with messages naming `augment.<field>`); null/undefined mean none.
 */
export function augmentationOptionsOf(value: AugmentOptions | null | undefined): AugmentationOptions | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError('augment: expected an object { height, width, shift?, rotation?, scale?, noise?, flipHorizontal? }');
  for (const key of Object.keys(value)) {
    if (!FIELDS.includes(key)) throw new TypeError(`augment.${key}: unknown option, expected one of ${FIELDS.join(' | ')}`);
  }
  for (const key of NUMBER_FIELDS) {
    const v = value[key];
    if (v !== undefined && typeof v !== 'number') throw new TypeError(`augment.${key}: expected a number, got ${typeof v}`);
  }
  if (value.height === undefined || value.width === undefined) {
    throw new TypeError(`augment.${value.height === undefined ? 'height' : 'width'}: required (the image size, height·width·channels = inputSize)`);
  }
  if (value.flipHorizontal !== undefined && typeof value.flipHorizontal !== 'boolean') {
    throw new TypeError(`augment.flipHorizontal: expected a boolean, got ${typeof value.flipHorizontal}`);
  }
  return { ...value };
}
