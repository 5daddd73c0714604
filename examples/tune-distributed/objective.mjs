// The objective the workers run: examples/tune-mnist's MNIST network, one config for a few
// epochs, its dev accuracy as devMetric. The workers import it by file name from this directory
// (`tunenet worker --modules examples/tune-distributed`), never from a path sent in a job.
export { objective } from '../tune-mnist/objective.mjs';
