// The MNIST network of bench/run.mjs as tunenet builds it: 784-256-128-10, ReLU, softmax; variant
// A plain, variant B with batch norm, dropout and L2 (`trainerArgs` in ../lib.mjs holds their
// values). Shared by the trainer (one run per process) and bench/b-over-a.mjs (both variants in
// one process).
import { sequential, dense, batchNorm, relu, dropout } from '../tunenet.mjs';

/**
 * The model of `a.variant` for `features` inputs and `classes` outputs. `init` is every dense
 * layer's initializer, a name or dense options ({ init, initScale }; undefined: tunenet's
 * default, he; varianceScaling 0.1 before batch norm); `outputInit` the output layer's, if it
 * differs (undefined: the default). `batchNormOnly` leaves variant B's dropout and L2 out.
 */
export function mnistModel(a, { features, classes }, init, options = {}) {
  // `outputInit: undefined` asks for the default, so it is not a parameter default.
  const outputInit = 'outputInit' in options ? options.outputInit : init;
  const batchNormOnly = options.batchNormOnly ?? false;
  const named = (i) => (i === undefined ? {} : typeof i === 'string' ? { init: i } : i);
  const l2 = a.variant === 'B' && !batchNormOnly ? a.l2 : 0;
  const block = (units) =>
    a.variant === 'B'
      ? [dense(units, { ...named(init), l2 }), batchNorm(), relu(), ...(batchNormOnly ? [] : [dropout({ keepProb: a.keepProb })])]
      : [dense(units, named(init)), relu()];
  return sequential({
    inputSize: features,
    seed: a.seed,
    threads: a.threads,
    layers: [...block(256), ...block(128), dense(classes, { ...named(outputInit), l2 })],
    output: 'softmax',
  });
}
