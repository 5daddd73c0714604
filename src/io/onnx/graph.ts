// An exported network (../exportedNetwork.ts) as an ONNX graph, opset 17 (IR version 8): every
// operator used exists there and runtimes from onnxruntime 1.11 on run it. GELU only became an
// operator in opset 20, so it is written out from Erf (the exact form, as tunenet computes it).
//
//   input  'input'  float [batch, inputSize]   raw features when the normalizer is included
//   output 'output' float [batch, outputSize]  what predict returns: softmax probabilities,
//                                              sigmoid probabilities, or the values (linear)
//
//   normalizer  Cast→double, Sub(mean), Div(σ, 0 → 1), Cast→float: in double, like
//               Normalizer.transform, so the normalized input rounds to the same floats
//   dense       Gemm(x, W, b) with W as stored, [inputs, units] (no transB); no C without a bias
//   batchNorm   BatchNormalization in inference form (running statistics, tunenet's ε), not
//               folded into the dense before it: the file keeps tunenet's parameters as they are
//   activation  one operator each where ONNX has it; swish as x·Sigmoid(x), gelu from Erf
//   dropout     nothing (the identity at inference)
//   output      Softmax (axis 1) | Sigmoid | nothing
// Initializers keep tunenet's tensor names (layers.0.W, layers.1.runningMean, …).
import { SELU_ALPHA, SELU_LAMBDA, type ActivationKind } from '../../reference/activation';
import type { ExportedLayer, ExportedNetwork } from '../exportedNetwork';
import { AttributeType, DataType, littleEndianBytes, type AttributeProto, type DataTypeCode, type ModelProto, type NodeProto, type TensorProto } from './schema';

export const ONNX_OPSET = 17;
/** The IR version that goes with opset 17. */
export const ONNX_IR_VERSION = 8;
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
/** The symbolic batch dimension of the input and the output. */
export const BATCH_DIMENSION = 'batch';

/** Nodes and initializers being added, with fresh value names. */
class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  /** Adds a node reading `inputs`; returns the name of its (single) output. */
  node(opType: string, inputs: string[], attributes: AttributeProto[] = [], name = opType): string {
    const output = `${name}_${this.count++}`;
    this.nodes.push({ name: output, op_type: opType, input: inputs, output: [output], ...(attributes.length ? { attribute: attributes } : {}) });
    return output;
  }

  /** Adds a constant; returns its name. */
  constant(name: string, dims: number[], values: Float32Array | Float64Array): string {
    const dataType: DataTypeCode = values instanceof Float64Array ? DataType.DOUBLE : DataType.FLOAT;
    this.initializers.push({ name, dims, data_type: dataType, raw_data: littleEndianBytes(values) });
    return name;
  }

  /** A float scalar constant shared by every node that needs it. */
  scalar(value: number): string {
    const name = `const_${value}`;
    if (!this.initializers.some((t) => t.name === name)) this.constant(name, [], Float32Array.of(value));
    return name;
  }
}

const floatAttribute = (name: string, f: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f });
const intAttribute = (name: string, i: number): AttributeProto => ({ name, type: AttributeType.INT, i });

/**
 * Each activation as ONNX operators, applied to `x`; returns the output's name. `p` is the
 * kind's parameter with its default filled in. Written for every kind (tsc refuses a new
 * activation until it has its line here).
 */
const ONNX_ACTIVATIONS: Record<ActivationKind, (g: GraphBuilder, x: string, p: number | undefined, at: string) => string> = {
  identity: (_g, x) => x,
  relu: (g, x, _p, at) => g.node('Relu', [x], [], at),
  leakyRelu: (g, x, slope, at) => g.node('LeakyRelu', [x], [floatAttribute('alpha', slope as number)], at),
  tanh: (g, x, _p, at) => g.node('Tanh', [x], [], at),
  sigmoid: (g, x, _p, at) => g.node('Sigmoid', [x], [], at),
  // ONNX's Softplus is ln(exp(x) + 1), β = 1, as tunenet's.
  softplus: (g, x, _p, at) => g.node('Softplus', [x], [], at),
  // No Swish operator before opset 24: x·σ(x).
  swish: (g, x, _p, at) => g.node('Mul', [x, g.node('Sigmoid', [x], [], at)], [], at),
  // PyTorch's λ and α (ONNX's defaults are the same constants rounded to float).
  selu: (g, x, _p, at) => g.node('Selu', [x], [floatAttribute('alpha', SELU_ALPHA), floatAttribute('gamma', SELU_LAMBDA)], at),
  elu: (g, x, alpha, at) => g.node('Elu', [x], [floatAttribute('alpha', alpha as number)], at),
  // The exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (Gelu is an operator only from opset 20).
  gelu: (g, x, _p, at) => {
    const erf = g.node('Erf', [g.node('Mul', [x, g.scalar(Math.SQRT1_2)], [], at)], [], at);
    const cdf = g.node('Mul', [g.node('Add', [erf, g.scalar(1)], [], at), g.scalar(0.5)], [], at);
    return g.node('Mul', [x, cdf], [], at);
  },
};

/** The nodes of one layer applied to `x`; returns the output's name. */
function addLayer(g: GraphBuilder, layer: ExportedLayer, x: string): string {
  const at = `layers.${layer.index}`;
  switch (layer.kind) {
    case 'dense': {
      const weight = g.constant(`${at}.W`, [layer.inputs, layer.units], layer.weight);
      const inputs = layer.bias ? [x, weight, g.constant(`${at}.b`, [layer.units], layer.bias)] : [x, weight];
      return g.node('Gemm', inputs, [], `${at}.dense`);
    }
    case 'batchNorm': {
      const vector = (name: string, values: Float32Array) => g.constant(`${at}.${name}`, [layer.units], values);
      const inputs = [vector('gamma', layer.gamma), vector('beta', layer.beta), vector('runningMean', layer.runningMean), vector('runningVar', layer.runningVar)];
      // momentum is a training attribute; at inference only ε matters.
      return g.node('BatchNormalization', [x, ...inputs], [floatAttribute('epsilon', layer.epsilon)], `${at}.batchNorm`);
    }
    case 'activation':
      return ONNX_ACTIVATIONS[layer.activation](g, x, layer.parameter, `${at}.${layer.activation}`);
    case 'dropout':
      return x;
    default: {
      const never: never = layer;
      throw new Error(`unhandled layer kind ${String((never as ExportedLayer).kind)}`);
    }
  }
}

/** (x − μ)/σ in double (σ = 0 divides by 1), as Normalizer.transform; returns the float result. */
function addNormalizer(g: GraphBuilder, x: string, normalizer: NonNullable<ExportedNetwork['normalizer']>): string {
  const n = normalizer.features;
  const mean = g.constant('normalizer.mean', [n], Float64Array.from(normalizer.mean));
  const scale = g.constant('normalizer.std', [n], Float64Array.from(normalizer.std, (s) => (s > 0 ? s : 1)));
  const wide = g.node('Cast', [x], [intAttribute('to', DataType.DOUBLE)], 'normalizer');
  const normalized = g.node('Div', [g.node('Sub', [wide, mean], [], 'normalizer'), scale], [], 'normalizer');
  return g.node('Cast', [normalized], [intAttribute('to', DataType.FLOAT)], 'normalizer');
}

const OUTPUT_TRANSFORMS: Record<ExportedNetwork['output'], (g: GraphBuilder, x: string) => string> = {
  softmax: (g, x) => g.node('Softmax', [x], [intAttribute('axis', 1)], 'output'),
  sigmoid: (g, x) => g.node('Sigmoid', [x], [], 'output'),
  linear: (_g, x) => x,
};

const OUTPUT_MEANING: Record<ExportedNetwork['output'], string> = {
  softmax: 'class probabilities (softmax of each row)',
  sigmoid: 'probabilities (sigmoid of each output)',
  linear: 'predicted values',
};

/** The ModelProto of `network`; with `normalizer` its normalizer (if any) comes first. */
export function onnxModel(network: ExportedNetwork, options: { normalizer: boolean; producerVersion: string }): ModelProto {
  const g = new GraphBuilder();
  const normalizer = options.normalizer ? network.normalizer : undefined;
  let x = normalizer ? addNormalizer(g, INPUT_NAME, normalizer) : INPUT_NAME;
  for (const layer of network.layers) x = addLayer(g, layer, x);
  x = OUTPUT_TRANSFORMS[network.output](g, x);
  // The last node writes the graph's output under its public name (there is always one: a
  // network has at least one dense layer).
  const last = g.nodes[g.nodes.length - 1];
  last.output = [OUTPUT_NAME];
  const tensor = (name: string, width: number, doc: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [{ dim_param: BATCH_DIMENSION }, { dim_value: width }] } } },
    doc_string: doc,
  });
  const inputDoc = normalizer ? 'raw features (the normalizer is applied inside the graph)' : 'features, as passed to model.predict';
  return {
    ir_version: ONNX_IR_VERSION,
    // No domain: its absence means the default ONNX operator set.
    opset_import: [{ version: ONNX_OPSET }],
    producer_name: 'tunenet',
    producer_version: options.producerVersion,
    doc_string: `tunenet sequential model: ${network.layers.map((l) => (l.kind === 'activation' ? l.activation : l.kind)).join(', ')} → ${network.output}`,
    graph: {
      name: 'tunenet',
      node: g.nodes,
      initializer: g.initializers,
      input: [tensor(INPUT_NAME, network.inputSize, inputDoc)],
      output: [tensor(OUTPUT_NAME, network.outputSize, OUTPUT_MEANING[network.output])],
    },
    metadata_props: [
      { key: 'tunenet.output', value: network.output },
      { key: 'tunenet.normalizer', value: normalizer ? 'included' : network.normalizer ? 'not included: apply model.normalizer to the input' : 'none' },
    ],
  };
}
