/**
 * Image augmentation, mirroring `crates/core/src/augment.rs` (see its module documentation for
 * the full contract). Rows are `[height·width·channels]`, channels last.
 *
 * Per image, with u = rng.nextF64(), in this order: dx = (2u−1)·shift, dy = (2u−1)·shift,
 * angle = (2u−1)·rotation (degrees, clockwise on screen), scale = 1 + (2u−1)·scale,
 * flip = u < 0.5 (drawn only when flipHorizontal). Each destination pixel (qx, qy) is mapped back
 * about the centre (cx, cy) = ((w−1)/2, (h−1)/2) (see `transformRow` for the exact operations)
 * and the source is sampled bilinearly, zero outside. Then, when noise > 0,
 * noise·rng.normal() is added to every value in storage order (no clamping).
 *
 * Training forks one generator per batch row from the AUGMENT stream (`forkRowRng`). All of it
 * runs in doubles with the same operation order as the native code; only `Math.sin/cos/log`
 * may differ from Rust's by an ulp, so results agree to ~1e-7 after the f32 store.
 */
import { invalid } from './validate';
import { Rng, RngStream } from './rng';

/** Validated augmentation (the native `Augmentation`). */
export interface Augmentation {
  height: number;
  width: number;
  channels: number;
  maxShift: number;
  maxRotation: number;
  maxScale: number;
  noiseStd: number;
  flipHorizontal: boolean;
}

/** Options as the binding takes them (`AugmentationOptions`). */
export interface AugmentationOptions {
  height: number;
  width: number;
  channels?: number | null;
  shift?: number | null;
  rotation?: number | null;
  scale?: number | null;
  noise?: number | null;
  flipHorizontal?: boolean | null;
}

/** One explicit geometric transform. */
export interface Transform {
  dx: number;
  dy: number;
  /** Degrees, clockwise on screen. */
  angle: number;
  scale: number;
  flip: boolean;
}

export const IDENTITY_TRANSFORM: Transform = { dx: 0, dy: 0, angle: 0, scale: 1, flip: false };

function positiveInteger(arg: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalid(arg, `must be an integer in [0, 2^32 − 1], got ${String(value)}`);
  }
  if (value === 0) throw invalid(arg, 'must be a positive integer, got 0');
  return value;
}

/** `parse_augmentation` of the binding: defaults, then `Augmentation::validate`, names `augment.<field>`. */
export function parseAugmentation(o: AugmentationOptions): Augmentation {
  const aug: Augmentation = {
    height: positiveInteger('augment.height', o.height),
    width: positiveInteger('augment.width', o.width),
    channels: positiveInteger('augment.channels', o.channels ?? 1),
    maxShift: o.shift ?? 0,
    maxRotation: o.rotation ?? 0,
    maxScale: o.scale ?? 0,
    noiseStd: o.noise ?? 0,
    flipHorizontal: o.flipHorizontal ?? false,
  };
  const fail = (field: string, what: string): never => {
    throw invalid(`augment.${field}`, what);
  };
  if (!Number.isSafeInteger(aug.height * aug.width * aug.channels)) fail('height', 'height·width·channels overflows');
  for (const [field, v] of [
    ['shift', aug.maxShift],
    ['noise', aug.noiseStd],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0)) fail(field, `must be a finite number ≥ 0, got ${v}`);
  }
  if (!(Number.isFinite(aug.maxRotation) && aug.maxRotation >= 0 && aug.maxRotation <= 180)) {
    fail('rotation', `must be in [0, 180] degrees, got ${aug.maxRotation}`);
  }
  if (!(Number.isFinite(aug.maxScale) && aug.maxScale >= 0 && aug.maxScale < 1)) {
    fail('scale', `must be in [0, 1), got ${aug.maxScale}`);
  }
  return aug;
}

/** Values per image. */
export function rowLength(aug: Augmentation): number {
  return aug.height * aug.width * aug.channels;
}

/** `check_row_len`: the image size must match the model's input size. */
export function checkRowLength(aug: Augmentation, inputs: number): void {
  if (rowLength(aug) !== inputs) {
    throw invalid(
      'augment.height',
      `height·width·channels = ${aug.height}·${aug.width}·${aug.channels} must equal the input size ${inputs}`,
    );
  }
}

/** dx, dy, angle, scale and (if enabled) flip, in that order. */
export function drawTransform(aug: Augmentation, rng: Rng): Transform {
  const symmetric = (max: number) => (2 * rng.nextF64() - 1) * max;
  const dx = symmetric(aug.maxShift);
  const dy = symmetric(aug.maxShift);
  const angle = symmetric(aug.maxRotation);
  const scale = 1 + symmetric(aug.maxScale);
  const flip = aug.flipHorizontal && rng.nextF64() < 0.5;
  return { dx, dy, angle, scale, flip };
}

/**
 * Writes src transformed by t into dst (one row each); bilinear, zero outside. With k = 1/scale,
 * a = cos(angle·π/180)·k, b = sin(angle·π/180)·k, per destination pixel:
 * u = (qx − cx) − dx, v = (qy − cy) − dy, sx = a·u + b·v, sy = a·v − b·u, sx = −sx if flipping,
 * sample at (cx + sx, cy + sy); a point with px ≤ −1, px ≥ w, py ≤ −1 or py ≥ h gives +0.
 */
export function transformRow(aug: Augmentation, t: Transform, src: ArrayLike<number>, dst: Float32Array | Float64Array): void {
  const { height: h, width: w, channels: ch } = aug;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const radians = (t.angle * Math.PI) / 180;
  const k = 1 / t.scale;
  const a = Math.cos(radians) * k;
  const b = Math.sin(radians) * k;
  const sample = (x: number, y: number, c: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : src[(y * w + x) * ch + c]);
  for (let qy = 0; qy < h; qy++) {
    for (let qx = 0; qx < w; qx++) {
      const u = qx - cx - t.dx;
      const v = qy - cy - t.dy;
      let sx = a * u + b * v;
      const sy = a * v - b * u;
      if (t.flip) sx = -sx;
      const px = cx + sx;
      const py = cy + sy;
      const at = (qy * w + qx) * ch;
      if (!(px > -1 && px < w && py > -1 && py < h)) {
        for (let c = 0; c < ch; c++) dst[at + c] = 0; // every neighbour outside (or weight 0 on it)
        continue;
      }
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      for (let c = 0; c < ch; c++) {
        const top = (1 - fx) * sample(x0, y0, c) + fx * sample(x0 + 1, y0, c);
        const bottom = (1 - fx) * sample(x0, y0 + 1, c) + fx * sample(x0 + 1, y0 + 1, c);
        dst[at + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
}

/** Augments one image: draw a transform, apply it, add the noise. */
export function augmentRow(aug: Augmentation, src: Float32Array, dst: Float32Array, rng: Rng): void {
  const t = drawTransform(aug, rng);
  const identity = aug.maxShift === 0 && aug.maxRotation === 0 && aug.maxScale === 0 && !aug.flipHorizontal;
  if (identity) dst.set(src);
  else transformRow(aug, t, src, dst);
  if (aug.noiseStd > 0) {
    for (let i = 0; i < dst.length; i++) dst[i] = dst[i] + aug.noiseStd * rng.normal();
  }
}

/** The next row's generator: stream AUGMENT of the 53-bit seed (a >>> 5)·2²⁶ + (b >>> 6). */
export function forkRowRng(parent: Rng): Rng {
  const a = parent.nextU32() >>> 5;
  const b = parent.nextU32() >>> 6;
  return Rng.withStream(a * 67108864 + b, RngStream.AUGMENT);
}

/** Every row of x augmented as a training epoch would (one forked generator per row, in order). */
export function augmentImages(x: ArrayLike<number>, options: AugmentationOptions, seed: number): Float32Array {
  const aug = parseAugmentation(options);
  const n = rowLength(aug);
  const src = Float32Array.from(x);
  if (src.length === 0 || src.length % n !== 0) throw invalid('x', `expected shape [m, ${n}] with m ≥ 1, got ${src.length} elements`);
  const rng = Rng.withStream(seed, RngStream.AUGMENT);
  const out = new Float32Array(src.length);
  for (let start = 0; start < src.length; start += n) {
    augmentRow(aug, src.subarray(start, start + n), out.subarray(start, start + n), forkRowRng(rng));
  }
  return out;
}

/** Every row of x under one explicit transform, no noise. */
export function transformImage(
  x: ArrayLike<number>,
  options: AugmentationOptions,
  transform: { dx?: number; dy?: number; rotation?: number; scale?: number; flip?: boolean },
): Float32Array {
  const aug = parseAugmentation(options);
  const n = rowLength(aug);
  const src = Float32Array.from(x);
  if (src.length === 0 || src.length % n !== 0) throw invalid('x', `expected shape [m, ${n}] with m ≥ 1, got ${src.length} elements`);
  const t: Transform = {
    dx: transform.dx ?? 0,
    dy: transform.dy ?? 0,
    angle: transform.rotation ?? 0,
    scale: transform.scale ?? 1,
    flip: transform.flip ?? false,
  };
  const out = new Float32Array(src.length);
  for (let start = 0; start < src.length; start += n) transformRow(aug, t, src.subarray(start, start + n), out.subarray(start, start + n));
  return out;
}
