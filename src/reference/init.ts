/**
 * Weight initialization for W[nIn, nOut], drawn row-major from the INIT stream.
 *
 * `INITIALIZERS` is the TypeScript side's one definition of every kind: the name users type,
 * its parameter and default, and its draw (the native twin is crates/core/src/init.rs). The API
 * (src/layerConfig.ts), the reference network and the tests all read this table, so adding a
 * kind here and in Rust is all it takes on this side.
 *
 * A normal kind stores std·normal() (exact normal, no truncation); a uniform kind stores
 * limit·(2·nextF64() − 1), U[−limit, limit) (Keras's `*_uniform`), one nextF64 per weight. Both
 * are computed in double and rounded once when stored; zeros stores 0 and draws nothing.
 */
import { invalid } from './validate';
import type { Rng } from './rng';
import { checkLength, type FloatArray } from './types';

interface InitParameter {
  readonly name: string;
  readonly defaultValue: number;
  /** The smallest value allowed (the value must also be finite). */
  readonly min: number;
}

type InitDefinition =
  | { readonly draw: 'zeros' }
  | {
      readonly draw: 'normal';
      /** Its one parameter, if it has one (random's and varianceScaling's scale). */
      readonly parameter?: InitParameter;
      /** The standard deviation for W[nIn, nOut]; `p` is the parameter's value. */
      std(nIn: number, nOut: number, p: number): number;
    }
  | {
      readonly draw: 'uniform';
      /** The bound: weights are drawn from U[−limit, limit). */
      limit(nIn: number, nOut: number): number;
    };

export const INITIALIZERS = {
  zeros: { draw: 'zeros' },
  random: { draw: 'normal', parameter: { name: 'scale', defaultValue: 0.01, min: 0 }, std: (_nIn, _nOut, scale) => scale },
  he: { draw: 'normal', std: (nIn) => Math.sqrt(2 / nIn) },
  // The course's "Xavier".
  xavier: { draw: 'normal', std: (nIn) => Math.sqrt(1 / nIn) },
  glorot: { draw: 'normal', std: (nIn, nOut) => Math.sqrt(2 / (nIn + nOut)) },
  lecun: { draw: 'normal', std: (nIn) => Math.sqrt(1 / nIn) },
  heUniform: { draw: 'uniform', limit: (nIn) => Math.sqrt(6 / nIn) },
  // Keras's default for Dense.
  glorotUniform: { draw: 'uniform', limit: (nIn, nOut) => Math.sqrt(6 / (nIn + nOut)) },
  lecunUniform: { draw: 'uniform', limit: (nIn) => Math.sqrt(3 / nIn) },
  // Keras's VarianceScaling(scale, 'fan_in', 'untruncated_normal'): lecun at scale 1, he at 2.
  // The default before batch norm, at scale 0.1 (src/layerConfig.ts).
  varianceScaling: { draw: 'normal', parameter: { name: 'scale', defaultValue: 1, min: 0 }, std: (nIn, _nOut, scale) => Math.sqrt(scale / nIn) },
} as const satisfies Record<string, InitDefinition>;

export type InitName = keyof typeof INITIALIZERS;
export const INIT_KINDS = Object.keys(INITIALIZERS) as InitName[];
/** What a dense layer gets when it names none (`Init::DEFAULT`). */
export const DEFAULT_INIT: InitName = 'he';

/** `{ kind }`, plus the kind's parameter under its own name (`{ kind: 'random', scale: 0.5 }`). */
export type InitKind = {
  [K in InitName]: { kind: K } & ((typeof INITIALIZERS)[K] extends { parameter: { name: infer P extends string } } ? { [key in P]?: number } : unknown);
}[InitName];

/** The parameter a kind takes (name, default and minimum), if any. */
export function initParameter(kind: InitName): InitParameter | undefined {
  const d = definition(kind);
  return d.draw === 'normal' ? d.parameter : undefined;
}

/** Why a parameter given to `kind` is refused, when it takes none (`Init::takes_no_parameter`). */
export function takesNoParameter(kind: InitName): string {
  const taking = INIT_KINDS.filter((k) => initParameter(k) !== undefined);
  return `init '${kind}' takes no scale (${taking.join(' and ')} do)`;
}

function definition(kind: InitName): InitDefinition {
  if (!Object.hasOwn(INITIALIZERS, kind)) throw new Error(`unknown init: ${String(kind)} (expected one of ${INIT_KINDS.join(', ')})`);
  return (INITIALIZERS as Record<string, InitDefinition>)[kind];
}

/** The parameter's value in `init`, or its default. */
function parameterValue(init: InitKind): number {
  const parameter = initParameter(init.kind);
  if (parameter === undefined) return 0;
  return (init as unknown as Record<string, number | undefined>)[parameter.name] ?? parameter.defaultValue;
}

/**
 * `Init::from_name`: the kind called `name`, its parameter read by `parameter(its name)` or
 * defaulted, checked. Errors are the binding's (`init: unknown initializer …`, `scale: must be …`),
 * the argument's name passed through `field` so callers say where it sits.
 */
export function initFromName(name: string, parameter: (key: string) => number | undefined, field: (arg: string) => string = (arg) => arg): InitKind {
  if (!Object.hasOwn(INITIALIZERS, name)) {
    throw invalid(field('init'), `unknown initializer '${name}', expected ${INIT_KINDS.join(' | ')}`);
  }
  const kind = name as InitName;
  const p = initParameter(kind);
  if (p === undefined) return { kind } as InitKind;
  const value = parameter(p.name) ?? p.defaultValue;
  if (!(Number.isFinite(value) && value >= p.min)) throw invalid(field(p.name), `must be a finite number ≥ ${p.min}, got ${value}`);
  return { kind, [p.name]: value } as InitKind;
}

/** Accepts 'he' or { kind: 'he' } and returns the object form. */
export function normalizeInit(init: InitKind | InitName): InitKind {
  const obj = typeof init === 'string' ? ({ kind: init } as InitKind) : init;
  definition(obj.kind);
  return obj;
}

/** The standard deviation of each kind's draw (0 for zeros; limit/√3 for U[−limit, limit)). */
export function initStd(init: InitKind | InitName, nIn: number, nOut: number): number {
  const k = normalizeInit(init);
  const d = definition(k.kind);
  switch (d.draw) {
    case 'zeros':
      return 0;
    case 'normal':
      return d.std(nIn, nOut, parameterValue(k));
    case 'uniform':
      return d.limit(nIn, nOut) / Math.sqrt(3);
  }
}

/** Fills out[nIn·nOut] row-major and returns it. */
export function initWeights<T extends FloatArray>(init: InitKind | InitName, nIn: number, nOut: number, rng: Rng, out: T): T {
  checkLength('initWeights', 'out', out, nIn * nOut);
  const k = normalizeInit(init);
  const d = definition(k.kind);
  switch (d.draw) {
    case 'zeros':
      out.fill(0);
      return out;
    case 'normal': {
      const std = d.std(nIn, nOut, parameterValue(k));
      for (let i = 0; i < out.length; i++) out[i] = std * rng.normal();
      return out;
    }
    case 'uniform': {
      // 2u − 1 is exact in double, so the product is rounded once, as in the normal case.
      const limit = d.limit(nIn, nOut);
      for (let i = 0; i < out.length; i++) out[i] = limit * (2 * rng.nextF64() - 1);
      return out;
    }
    default: {
      const never: never = d;
      throw new Error(`unhandled draw ${String(never)}`);
    }
  }
}
