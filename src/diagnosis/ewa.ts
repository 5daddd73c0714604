// Exponentially weighted average, the course's v_t = β·v_{t−1} + (1 − β)·x_t with v_0 = 0,
// averaging over roughly the last 1/(1 − β) values. With bias correction (default) the value is
// v_t/(1 − β^t), which removes the pull toward v_0 = 0 in the first steps (a constant series
// then averages to itself from t = 1). Before any update, value is v_0 = 0 and t is 0.
import { boolean, number, optional, options as strict, typeError } from '../validation/args';

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

export function ewa(beta: number, options: EwaOptions = {}): Ewa {
  return average('ewa', beta, options);
}

/** ewa, with `where` naming the public function whose arguments these are. */
function average(where: string, beta: unknown, options: unknown): Ewa {
  const b = number(`${where}: beta`, beta, 0, 1, { hi: true });
  const o = strict(`${where} options`, options, ['biasCorrection'] as const);
  const biasCorrection = optional(o.biasCorrection, true, (v) => boolean(`${where}: biasCorrection`, v));
  let v = 0;
  let t = 0;
  let betaPow = 1; // β^t
  const current = () => (biasCorrection && t > 0 ? v / (1 - betaPow) : v);
  return {
    beta: b,
    biasCorrection,
    update(x: number): number {
      number('ewa.update: x', x);
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
    throw typeError('ewaSeries: values', 'an array of numbers', values);
  }
  const avg = average('ewaSeries', beta, options);
  return Array.from(values, (x, i) => avg.update(number(`ewaSeries: values[${i}]`, x)));
}
