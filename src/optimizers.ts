// Optimizer configurations with the course's defaults (β1 0.9, β2 0.999, ε 1e-8; ε outside the
// square root). The learning rate lives here too; schedules scale it per epoch.
import type { OptimizerOptions } from './backend';

export interface OptimizerConfig extends OptimizerOptions {
  learningRate: number;
}

type Rest<K extends string> = Partial<Omit<OptimizerConfig, 'kind'>> & { kind?: K };

export const gd = (o: Rest<'gd'> = {}): OptimizerConfig => ({ learningRate: 0.01, ...o, kind: 'gd' });
/** v = βv + (1 − β)g; W −= α·v (the course's form). */
export const momentum = (o: Rest<'momentum'> = {}): OptimizerConfig => ({ learningRate: 0.01, beta: 0.9, ...o, kind: 'momentum' });
/** Momentum with the look-ahead W −= α·(βv + (1 − β)g). */
export const nesterov = (o: Rest<'nesterov'> = {}): OptimizerConfig => ({ learningRate: 0.01, beta: 0.9, ...o, kind: 'nesterov' });
/** s = βs + (1 − β)g²; W −= α·g/(√s + ε). */
export const rmsprop = (o: Rest<'rmsprop'> = {}): OptimizerConfig => ({ learningRate: 0.001, beta: 0.9, epsilon: 1e-8, ...o, kind: 'rmsprop' });
/** Bias-corrected Adam, ε outside the square root. */
export const adam = (o: Rest<'adam'> = {}): OptimizerConfig => ({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, ...o, kind: 'adam' });
/** Adam with decoupled weight decay W −= α·decay·W on weights (not biases, γ, β). */
export const adamw = (o: Rest<'adamw'> = {}): OptimizerConfig => ({
  learningRate: 0.001,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0.01,
  ...o,
  kind: 'adamw',
});

/** Splits the learning rate (set per epoch by the trainer) from the update rule's state options. */
export function updateRuleOf(config: OptimizerConfig): OptimizerOptions {
  const { learningRate: _lr, ...rule } = config;
  return rule;
}
