// The MNIST network of bench/run.mjs as tunenet builds it: 784-256-128-10, ReLU, softmax; variant
// A plain, variant B with batch norm, dropout and L2 (`trainerArgs` in ../lib.mjs holds their
// values). Shared by the trainer (one run per process) and bench/b-over-a.mjs (both variants in
// one process).
import { sequential, dense, batchNorm, relu, dropout } from '../tunenet.mjs';

/**
 * The model of `a.variant` for `features` inputs and `classes` outputs; `init` names every dense
 * layer's initializer (undefined: tunenet's default, he; varianceScaling 0.1 before batch norm).
 */
export function mnistModel(a, { features, classes }, init) {
  const named = init ? { init } : {};
  const block = (units) =>
    a.variant === 'B'
      ? [dense(units, { ...named, l2: a.l2 }), batchNorm(), relu(), dropout({ keepProb: a.keepProb })]
      : [dense(units, named), relu()];
  return sequential({
    inputSize: features,
    seed: a.seed,
    threads: a.threads,
    layers: [...block(256), ...block(128), dense(classes, { ...named, l2: a.variant === 'B' ? a.l2 : 0 })],
    output: 'softmax',
  });
}
