// A sequential model: an ordered list of layers built for an input size with a seed. The network
// lives in the backend (native memory by default); this class holds the handle plus what is
// needed to save, load and describe it.
import type { LayerOptions, NetworkHandle, TensorInfo } from './backend';
import { backendByName, type BackendName } from './backends';
import type { Backend } from './backend';
import { withBatchNormBias } from './layers';
import { adam, updateRuleOf, type OptimizerConfig } from './optimizers';
import { argmaxRows, toLabelMatrix, toMatrix, type Labels, type Matrix } from './data/arrays';
import { fit, type FitOptions, type History } from './training/fit';
import type { Normalizer } from './data/normalizer';

export type OutputKind = 'softmax' | 'sigmoid';

export interface ModelOptions {
  inputSize: number;
  layers: LayerOptions[];
  /** 'softmax' (multi-class, default) or 'sigmoid' (binary / multi-label), each with cross-entropy from logits. */
  output?: OutputKind;
  /** Seeds initialization, dropout masks and shuffling (default 0). */
  seed?: number;
  /** 'native' (default) or the pure-TS 'reference'. */
  backend?: BackendName;
  /** Threads for this model's native work (default: all cores). */
  threads?: number;
  /** Update rule and base learning rate (default adam()). `fit` can override it. */
  optimizer?: OptimizerConfig;
}

/** The architecture as saved in a model file. */
export interface Architecture {
  inputSize: number;
  layers: LayerOptions[];
  output: OutputKind;
  seed: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

export interface Prediction {
  probabilities: Float32Array;
  /** argmax class (softmax) or the 0/1 decision of each output at 0.5 (sigmoid). */
  classes: Int32Array;
}

export class Sequential {
  readonly architecture: Architecture;
  readonly backend: Backend;
  readonly handle: NetworkHandle;
  optimizer: OptimizerConfig;
  /**
   * Input normalizer fitted on the training set, carried with the model: saveModel stores it and
   * loadModel restores it. It is never applied automatically — transform x yourself before
   * fit, evaluate and predict (`model.normalizer.transform(x)`).
   */
  normalizer?: Normalizer;
  private busy = false;

  constructor(options: ModelOptions) {
    if (options === null || typeof options !== 'object') throw new TypeError('options: expected an object');
    if (!Array.isArray(options.layers)) throw new TypeError('layers: expected an array of layers (dense(), relu(), …)');
    const output = options.output ?? 'softmax';
    if (output !== 'softmax' && output !== 'sigmoid') throw new RangeError(`output: expected 'softmax' or 'sigmoid', got '${String(output)}'`);
    this.architecture = {
      inputSize: options.inputSize,
      layers: withBatchNormBias(options.layers),
      output,
      seed: options.seed ?? 0,
    };
    this.backend = backendByName(options.backend);
    this.optimizer = options.optimizer ?? adam();
    this.handle = this.backend.createNetwork(
      {
        inputSize: options.inputSize,
        layers: this.architecture.layers,
        loss: output === 'softmax' ? 'softmaxCrossEntropy' : 'sigmoidBinaryCrossEntropy',
        seed: this.architecture.seed,
        threads: options.threads,
      },
      updateRuleOf(this.optimizer),
    );
  }

  get inputSize(): number {
    return this.handle.inputSize;
  }

  get outputSize(): number {
    return this.handle.outputSize;
  }

  /** Trains with mini-batch gradient descent off the main thread; resolves with the history. */
  async fit(x: Matrix, y: Labels, options: FitOptions = {}): Promise<History> {
    return this.exclusive(() => fit(this, x, y, options));
  }

  /** Mean cross-entropy (without regularization) and accuracy in evaluation mode. */
  async evaluate(x: Matrix, y: Labels): Promise<Evaluation> {
    const data = this.dataset(x, y, 'x', 'y');
    return this.exclusive(async () => {
      const r = await this.handle.evaluate(data);
      return { loss: r.loss, accuracy: r.correct / r.examples };
    });
  }

  /** Class probabilities and predicted classes, in evaluation mode (dropout off, running statistics). */
  async predict(x: Matrix): Promise<Prediction> {
    const input = toMatrix('x', x, this.inputSize);
    return this.exclusive(async () => {
      const probabilities = await this.handle.predict(input);
      const n = this.outputSize;
      const classes =
        this.architecture.output === 'softmax' ? argmaxRows(probabilities, n) : Int32Array.from(probabilities, (p) => (p > 0.5 ? 1 : 0));
      return { probabilities, classes };
    });
  }

  /** One fused mini-batch step on (x, y) for users writing their own loop. */
  trainStep(x: Matrix, y: Labels, learningRate = this.optimizer.learningRate): { loss: number; regularization: number; accuracy: number } {
    if (typeof learningRate !== 'number') throw new TypeError(`learningRate: expected a number, got ${typeof learningRate}`);
    const input = toMatrix('x', x, this.inputSize);
    const m = input.length / this.inputSize;
    const labels = toLabelMatrix('y', y, m, this.outputSize, this.architecture.output === 'softmax');
    this.assertIdle();
    const [loss, regularization, correct] = this.handle.trainStep(input, labels, learningRate);
    return { loss, regularization, accuracy: correct / m };
  }

  /** Names and shapes of every tensor: parameters, optimizer state, running statistics. */
  tensors(): TensorInfo[] {
    return this.handle.tensors();
  }

  /** A copy of one tensor, e.g. getTensor(0, 'W'), getTensor(1, 'runningMean'), getTensor(0, 'W.v'). */
  getTensor(layer: number, name: string): Float32Array {
    return this.handle.getTensor(layer, name);
  }

  setTensor(layer: number, name: string, values: Float32Array): void {
    this.assertIdle();
    this.handle.setTensor(layer, name, values);
  }

  /** Row-major data in the backend, validated against this model's input and output sizes. */
  dataset(x: Matrix, y: Labels, xName: string, yName: string) {
    const input = toMatrix(xName, x, this.inputSize);
    const m = input.length / this.inputSize;
    const labels = toLabelMatrix(yName, y, m, this.outputSize, this.architecture.output === 'softmax');
    return this.backend.createDataset(input, labels, this.inputSize, this.outputSize);
  }

  private assertIdle(): void {
    if (this.busy) throw new Error('model is busy: a fit, evaluate or predict is still running; await it first');
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.assertIdle();
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }
}

/** Builds a sequential model: `sequential({ inputSize: 784, layers: [dense(256), relu(), dense(10)] })`. */
export function sequential(options: ModelOptions): Sequential {
  return new Sequential(options);
}
