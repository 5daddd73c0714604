// Callbacks a user adds to fit (`callbacks: [...]`), the shape Keras and TensorFlow.js users
// reach for: small objects with hooks, composable in a list. A callback that keeps state across
// epochs (babysit, a logger's row count) names it with `stateKey` and hands it over with
// `getState`/`setState`: fit stores it in the model's training state after every epoch (saved
// with the model), and gives it back when a run is resumed with `initialEpoch`, so a resumed run
// decides exactly as an uninterrupted one.
import type { EpochLog, StepLog, TrainingControl } from './fit';
import * as check from '../validation/args';

export interface FitCallback {
  onEpochEnd?: (log: EpochLog, control: TrainingControl) => void | Promise<void>;
  onStep?: (log: StepLog, control: TrainingControl) => void | Promise<void>;
  /** Unique among a fit's callbacks; required with getState/setState. */
  stateKey?: string;
  /** JSON-serializable state, read after every epoch. */
  getState?: () => unknown;
  /** Gets back what getState returned, when a run resumes. */
  setState?: (state: unknown) => void;
}

const CALLBACK_KEYS = ['onEpochEnd', 'onStep', 'stateKey', 'getState', 'setState'] as const;

/** Checks a fit's `callbacks` list: objects with only known hooks, each a function; stateful ones keyed uniquely. */
export function checkCallbacks(where: string, value: unknown): FitCallback[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw check.typeError(where, 'an array of callbacks ({ onEpochEnd }, babysit(), …)', value);
  const keys = new Set<string>();
  return value.map((cb, i) => {
    const at = `${where}[${i}]`;
    if (cb === null || typeof cb !== 'object') throw check.typeError(at, 'a callback object ({ onEpochEnd, onStep })', cb);
    // A callback may carry fields of its own (babysit's decisions), but a hook it does not
    // know (a typo such as onEpochEnds) would silently never run.
    for (const key of Object.keys(cb)) {
      if (/^on[A-Z]/.test(key) && !(CALLBACK_KEYS as readonly string[]).includes(key)) {
        throw new TypeError(`${at}: unknown hook '${key}'${check.suggestion(key, CALLBACK_KEYS)}`);
      }
    }
    const c = cb as FitCallback;
    for (const hook of ['onEpochEnd', 'onStep', 'getState', 'setState'] as const) {
      if (c[hook] !== undefined) check.func(`${at}.${hook}`, c[hook]);
    }
    if ((c.getState === undefined) !== (c.setState === undefined)) {
      throw new TypeError(`${at}: getState and setState go together`);
    }
    if (c.getState !== undefined) {
      const key = check.nonEmptyString(`${at}.stateKey`, c.stateKey);
      if (keys.has(key)) throw new RangeError(`${at}.stateKey: '${key}' is used by two callbacks`);
      keys.add(key);
    }
    return c;
  });
}
