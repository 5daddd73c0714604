// Exponentially weighted average, the course's v_t = β·v_{t−1} + (1 − β)·x_t with v_0 = 0,
// averaging over roughly the last 1/(1 − β) values. With bias correction (default) the value is
// v_t/(1 − β^t), which removes the pull toward v_0 = 0 in the first steps (a constant series
// then averages to itself from t = 1). Before any update, value is v_0 = 0 and t is 0.

export interface EwaOptions {
  /** Report v_t/(1 − β^t) instead of v_t (default true). */
  biasCorrection?: boolean;
}

export interface Ewa {
  readonly beta: number;
  readonly biasCorrection: boolean;
  /** Adds x (finite) and returns the new value. */
  update(x: number): number;
  /** The current average (bias-corrected when asked; 0 before the first update). */
  readonly value: number;
  /** The raw v_t, never corrected. */
  readonly raw: number;
  /** Number of updates so far. */
  readonly t: number;
}

function checkBeta(beta: unknown): number {
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0 || beta >= 1) {
    throw new RangeError(`beta: must be a number in [0, 1), got ${String(beta)}`);
  }
  return beta;
}

function checkOptions(options: unknown): boolean {
  if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object { biasCorrection? }');
  const flag = (options as EwaOptions).biasCorrection ?? true;
  if (typeof flag !== 'boolean') throw new TypeError(`options.biasCorrection: expected a boolean, got ${typeof flag}`);
  return flag;
}

export function ewa(beta: number, options: EwaOptions = {}): Ewa {
  const b = checkBeta(beta);
  const biasCorrection = checkOptions(options);
  let v = 0;
  let t = 0;
  let betaPow = 1; // β^t
  const current = () => (biasCorrection && t > 0 ? v / (1 - betaPow) : v);
  return {
    beta: b,
    biasCorrection,
    update(x: number): number {
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`x: must be a finite number, got ${String(x)}`);
      v = b * v + (1 - b) * x;
      t += 1;
      betaPow *= b;
      return current();
    },
    get value() {
      return current();
    },
    get raw() {
      return v;
    },
    get t() {
      return t;
    },
  };
}

/** The average after each value of `values`: out[i] is the value after values[0..i]. */
export function ewaSeries(values: ArrayLike<number>, beta: number, options: EwaOptions = {}): number[] {
  if (!(Array.isArray(values) || (ArrayBuffer.isView(values) && !(values instanceof DataView)))) {
    throw new TypeError('values: expected an array of numbers');
  }
  const avg = ewa(beta, options);
  return Array.from(values, (x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`values[${i}]: must be a finite number, got ${String(x)}`);
    return avg.update(x);
  });
}
