// Optimizer configurations with the course's defaults (β1 0.9, β2 0.999, ε 1e-8; ε outside the
// square root). The learning rate lives here too; schedules scale it per epoch.
// `checkOptimizer` is the one TS-side check of a configuration (builders, `sequential`, `fit`
// and model files all go through it), so a NaN rate fails where it is given, not epochs later.
import type { OptimizerOptions } from './backend';
import * as check from './validation/args';
import { OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from './reference/optimizers';

export interface OptimizerConfig extends OptimizerOptions {
  learningRate: number;
}

export const OPTIMIZER_KINDS = OPTIMIZER_NAMES;
export type OptimizerKind = OptimizerName;

type Rest<K extends string> = Partial<Omit<OptimizerConfig, 'kind'>> & { kind?: K };

/** A builder's result: the kind's defaults (its one definition, src/reference/optimizers.ts) with `o` over them, checked. */
function build(kind: OptimizerKind, o: unknown): OptimizerConfig {
  const { learningRate, options } = OPTIMIZERS[kind];
  const given = check.options(`${kind} options`, o, ['kind', 'learningRate', ...Object.keys(options)]);
  if (given.kind !== undefined && given.kind !== kind) throw new RangeError(`${kind} options: kind: must be '${kind}' if given, got ${check.describe(given.kind)}`);
  return checkOptimizer(kind, { learningRate, ...options, ...(given as object), kind }, (field) => `${kind}: ${field}`);
}

export const gd = (o: Rest<'gd'> = {}): OptimizerConfig => build('gd', o);
/** v = βv + (1 − β)g; W −= α·v (the course's form). */
export const momentum = (o: Rest<'momentum'> = {}): OptimizerConfig => build('momentum', o);
/** Momentum with the look-ahead W −= α·(βv + (1 − β)g). */
export const nesterov = (o: Rest<'nesterov'> = {}): OptimizerConfig => build('nesterov', o);
/** s = βs + (1 − β)g²; W −= α·g/(√s + ε). */
export const rmsprop = (o: Rest<'rmsprop'> = {}): OptimizerConfig => build('rmsprop', o);
/** Bias-corrected Adam, ε outside the square root. */
export const adam = (o: Rest<'adam'> = {}): OptimizerConfig => build('adam', o);
/** Adam with decoupled weight decay W −= α·decay·W on weights (not biases, γ, β). */
export const adamw = (o: Rest<'adamw'> = {}): OptimizerConfig => build('adamw', o);

/**
 * A full optimizer configuration (as the builders return, or read from a file): known kind,
 * only that kind's keys, every value in range. Returns a copy. `where` names it in messages.
 */
export function checkOptimizer(where: string, value: unknown, field = (name: string) => `${where}.${name}`): OptimizerConfig {
  if (!check.isPlainObject(value)) throw check.typeError(where, "an optimizer (adam(), gd({ learningRate: 0.1 }), …)", value);
  const kind = check.oneOf(field('kind'), value.kind, OPTIMIZER_KINDS);
  const o = check.options(where, value, ['kind', 'learningRate', ...Object.keys(OPTIMIZERS[kind].options)]);
  const at = field;
  check.number(at('learningRate'), o.learningRate, 0);
  // Averaging coefficients in [0, 1): β = 1 would never move; ε > 0 keeps the division finite.
  for (const beta of ['beta', 'beta1', 'beta2'] as const) if (o[beta] !== undefined) check.number(at(beta), o[beta], 0, 1, { hi: true });
  if (o.epsilon !== undefined) check.number(at('epsilon'), o.epsilon, 0, Infinity, { lo: true });
  if (o.weightDecay !== undefined) check.number(at('weightDecay'), o.weightDecay, 0);
  return { ...(value as unknown as OptimizerConfig) };
}

/** Splits the learning rate (set per epoch by the trainer) from the update rule's state options. */
export function updateRuleOf(config: OptimizerConfig): OptimizerOptions {
  const { learningRate: _lr, ...rule } = config;
  return rule;
}
