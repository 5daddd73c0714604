// What the exporters (ONNX: ./onnx/, PyTorch: ./torch/) translate: a model's inference function
// as plain data, read from one consistent `exportState()` snapshot (so an export during a fit
// sees the weights of one epoch). Each layer carries its options with the defaults filled in by
// the same parser the reference backend uses (batch norm's momentum 0.99 and ε 1e-3, an
// activation's parameter), and its tensors in tunenet's layout (W is [inputs, units]).
//
// What `predict` computes, and so what every export reproduces:
//   layers in order in evaluation mode (batch norm from its running statistics, dropout the
//   identity), then the output transform of the model's loss: softmax over each row, sigmoid
//   per element, or nothing for a 'linear' (regression) output.
// The normalizer is not part of predict (the caller applies it); exports may put it in front so
// the exported model takes raw features.
import type { LayerOptions } from '../backend';
import { Normalizer, type NormalizerJSON } from '../data/normalizer';
import { Sequential, type OutputKind } from '../model';
import { tensorName, type ModelState } from '../modelState';
import { updateRuleOf } from '../optimizers';
import type { ActivationKind } from '../reference/activation';
import { layerWidths, parseNetworkOptions, type LayerSpec } from '../reference/spec';
import * as check from '../validation/args';

export interface DenseLayer {
  kind: 'dense';
  /** Position in the model's layer list. */
  index: number;
  inputs: number;
  units: number;
  /** [inputs, units], row-major (tunenet's layout: Z = X·W). */
  weight: Float32Array;
  /** [units]; absent when the layer has no bias (right before batch norm). */
  bias?: Float32Array;
}

export interface BatchNormLayer {
  kind: 'batchNorm';
  index: number;
  units: number;
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
  epsilon: number;
  /** tunenet's (Keras's) momentum: the weight of the old running value. */
  momentum: number;
}

export interface ActivationLayer {
  kind: 'activation';
  index: number;
  units: number;
  activation: ActivationKind;
  /** The kind's parameter (leakyRelu's slope, elu's alpha) with its default filled in. */
  parameter?: number;
}

export interface DropoutLayer {
  kind: 'dropout';
  index: number;
  units: number;
  keepProb: number;
}

export type ExportedLayer = DenseLayer | BatchNormLayer | ActivationLayer | DropoutLayer;

export interface ExportedNetwork {
  inputSize: number;
  outputSize: number;
  /** The transform predict applies after the last layer. */
  output: OutputKind;
  layers: ExportedLayer[];
  /** Optimizer steps taken (the batches the running statistics have seen). */
  step: number;
  normalizer?: NormalizerJSON;
}

/** Checks `model` (naming `where`, e.g. `exportOnnx: model`) and reads its inference function. */
export async function exportedNetwork(where: string, model: unknown): Promise<ExportedNetwork> {
  if (!(model instanceof Sequential)) throw check.typeError(where, 'a tunenet model (sequential(...))', model);
  const normalizer: unknown = model.normalizer;
  if (normalizer !== undefined) {
    if (!(normalizer instanceof Normalizer)) throw check.typeError(`${where}.normalizer`, 'a Normalizer (Normalizer.fit(x, features)) or undefined', normalizer);
    if (normalizer.features !== model.inputSize) {
      throw new RangeError(`${where}.normalizer: was fitted on ${normalizer.features} features, but the model's input has ${model.inputSize}`);
    }
  }
  const state = await model.exportState();
  return fromState(where, state, model.lossName, updateRuleOf(state.optimizer));
}

function fromState(where: string, state: ModelState, lossName: string, optimizer: ReturnType<typeof updateRuleOf>): ExportedNetwork {
  const { architecture } = state;
  // The reference backend's parser: the same defaults the backends build the network with.
  const { spec } = parseNetworkOptions(
    { inputSize: architecture.inputSize, layers: architecture.layers, loss: lossName, seed: architecture.seed, ...(architecture.lossDelta !== undefined ? { lossDelta: architecture.lossDelta } : {}) },
    optimizer,
  );
  const tensors = new Map(state.tensors.map((t) => [t.name, t.values]));
  const tensor = (layer: number, name: string): Float32Array => {
    const values = tensors.get(tensorName(layer, name));
    if (values === undefined) throw new Error(`${where}: layers[${layer}]: its tensor '${name}' is missing from the model's state`);
    return values;
  };
  const widths = layerWidths(spec);
  const layers = spec.layers.map((layer, index): ExportedLayer => {
    const units = widths[index];
    const inputs = index === 0 ? spec.inputSize : widths[index - 1];
    return exportedLayer(where, layer, architecture.layers[index], { index, inputs, units, tensor });
  });
  return {
    inputSize: spec.inputSize,
    outputSize: widths[widths.length - 1],
    output: architecture.output,
    layers,
    step: state.step,
    ...(state.normalizer ? { normalizer: state.normalizer } : {}),
  };
}

function exportedLayer(
  where: string,
  layer: LayerSpec,
  options: LayerOptions,
  at: { index: number; inputs: number; units: number; tensor: (layer: number, name: string) => Float32Array },
): ExportedLayer {
  const { index, inputs, units, tensor } = at;
  switch (layer.kind) {
    case 'dense':
      return { kind: 'dense', index, inputs, units, weight: tensor(index, 'W'), ...(layer.useBias ? { bias: tensor(index, 'b') } : {}) };
    case 'batchNorm':
      return {
        kind: 'batchNorm',
        index,
        units,
        gamma: tensor(index, 'gamma'),
        beta: tensor(index, 'beta'),
        runningMean: tensor(index, 'runningMean'),
        runningVar: tensor(index, 'runningVar'),
        epsilon: layer.epsilon,
        momentum: layer.momentum,
      };
    case 'activation':
      return { kind: 'activation', index, units, activation: layer.activation, ...(layer.parameter !== undefined ? { parameter: layer.parameter } : {}) };
    case 'dropout':
      return { kind: 'dropout', index, units, keepProb: layer.keepProb };
    default: {
      // A layer kind added to the model but not yet to the exporters.
      const never: never = layer;
      throw new Error(`${where}: layers[${index}]: a '${String(options.kind ?? (never as LayerSpec).kind)}' layer cannot be exported yet`);
    }
  }
}
