// The network `tunenet train` trains and `tunenet tune` searches around: dense(hidden…) with relu
// (and dropout when keepProb < 1) → softmax for classification, linear with mse for regression.
import { sequential, type Sequential, type OutputKind } from '../model';
import { dense, dropout, relu } from '../layers';
import type { Task } from './table';

export interface NetworkChoice {
  hidden: number[];
  /** L2 penalty λ of every dense layer (default 0). */
  l2?: number;
  /** Dropout keep probability after each hidden layer (default 1: none). */
  keepProb?: number;
}

export function defaultNetwork(task: Task, inputs: number, classes: number, choice: NetworkChoice, seed: number, threads?: number): Sequential<OutputKind> {
  const l2 = choice.l2 ?? 0;
  const keepProb = choice.keepProb ?? 1;
  const layers = choice.hidden.flatMap((n) => [dense(n, { l2 }), relu(), ...(keepProb < 1 ? [dropout({ keepProb })] : [])]);
  const common = { inputSize: inputs, seed, ...(threads === undefined ? {} : { threads }) };
  return task === 'classification'
    ? sequential({ ...common, layers: [...layers, dense(classes, { l2 })], output: 'softmax' })
    : sequential({ ...common, layers: [...layers, dense(1, { l2 })], output: 'linear', loss: 'mse' });
}

/** `13 → 64 → 32 → 5 (relu, softmax)` */
export function describeNetwork(task: Task, inputs: number, classes: number, hidden: number[]): string {
  return `${[inputs, ...hidden, task === 'classification' ? classes : 1].join(' → ')} (relu, ${task === 'classification' ? 'softmax' : 'linear, mse'})`;
}
