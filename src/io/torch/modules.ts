// An exported network (../exportedNetwork.ts) as the modules of a torch.nn.Sequential, one per
// tunenet layer, in order (so module i is layers[i], activations and dropout included), with
// the state_dict that Sequential expects:
//   nn.Linear       i.weight [out, in] (tunenet's W transposed), i.bias [out] (absent: bias=False)
//   nn.BatchNorm1d  i.weight (γ), i.bias (β), i.running_mean, i.running_var, i.num_batches_tracked
//                   (the optimizer steps taken; a 0-d tensor); eps as tunenet's, and PyTorch's
//                   momentum = 1 − tunenet's (tunenet's, as Keras's, weighs the old running
//                   value; PyTorch's weighs the new batch)
//   activations     no tensors; each as torch.nn defines it (below)
//   nn.Dropout      p = 1 − keepProb; no tensors (the identity in eval())
import type { ActivationKind } from '../../reference/activation';
import type { ExportedLayer, ExportedNetwork } from '../exportedNetwork';
import type { WritableTensor } from '../safetensors';

export interface TorchModule {
  /** Its index in the Sequential (and in tunenet's layer list). */
  index: number;
  /** The Python expression that builds it: `nn.Linear(784, 256)`. */
  python: string;
  /** Why its arguments are what they are, when that is not obvious (a Python comment). */
  note?: string;
  /** Its entries of the Sequential's state_dict, named `{index}.{name}`. */
  tensors: WritableTensor[];
}

/** A number as a Python literal (JavaScript's shortest round-trip form is valid Python). */
export const pythonNumber = (value: number): string => (Number.isFinite(value) ? String(value) : `float('${value}')`);

/**
 * Each activation as its torch.nn module (`p` is its parameter, default filled in). Written for
 * every kind: tsc refuses a new activation until it has its line here.
 */
const TORCH_ACTIVATIONS: Record<ActivationKind, (p: number | undefined) => string> = {
  identity: () => 'nn.Identity()',
  relu: () => 'nn.ReLU()',
  leakyRelu: (slope) => `nn.LeakyReLU(negative_slope=${pythonNumber(slope as number)})`,
  tanh: () => 'nn.Tanh()',
  sigmoid: () => 'nn.Sigmoid()',
  // β = 1; PyTorch's threshold-20 linear branch gives the same float values.
  softplus: () => 'nn.Softplus()',
  swish: () => 'nn.SiLU()',
  // PyTorch's fixed λ and α are tunenet's.
  selu: () => 'nn.SELU()',
  elu: (alpha) => `nn.ELU(alpha=${pythonNumber(alpha as number)})`,
  // The exact erf form, PyTorch's default (approximate='none').
  gelu: () => "nn.GELU(approximate='none')",
};

/** W [inputs, units] (tunenet) → weight [units, inputs] (torch.nn.Linear). */
function transposed(w: Float32Array, inputs: number, units: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < inputs; i++) for (let j = 0; j < units; j++) out[j * inputs + i] = w[i * units + j];
  return out;
}

function torchModule(layer: ExportedLayer, step: number): TorchModule {
  const i = layer.index;
  const tensor = (name: string, shape: number[], values: Float32Array | BigInt64Array): WritableTensor => ({ name: `${i}.${name}`, shape, values });
  switch (layer.kind) {
    case 'dense': {
      const { inputs, units } = layer;
      return {
        index: i,
        python: `nn.Linear(${inputs}, ${units}${layer.bias ? '' : ', bias=False'})`,
        tensors: [tensor('weight', [units, inputs], transposed(layer.weight, inputs, units)), ...(layer.bias ? [tensor('bias', [units], layer.bias)] : [])],
      };
    }
    case 'batchNorm': {
      const n = [layer.units];
      // Written as 1 − m in Python, so it reads as the conversion it is (1 - 0.99, not 0.010000000000000009).
      const momentum = `1 - ${pythonNumber(layer.momentum)}`;
      return {
        index: i,
        python: `nn.BatchNorm1d(${layer.units}, eps=${pythonNumber(layer.epsilon)}, momentum=${momentum})`,
        note: `tunenet's momentum ${layer.momentum} weighs the old running value, PyTorch's the new batch (PyTorch also averages the unbiased batch variance: only further training differs)`,
        tensors: [
          tensor('weight', n, layer.gamma),
          tensor('bias', n, layer.beta),
          tensor('running_mean', n, layer.runningMean),
          tensor('running_var', n, layer.runningVar),
          // An int64 0-d tensor, as PyTorch keeps it.
          tensor('num_batches_tracked', [], BigInt64Array.of(BigInt(step))),
        ],
      };
    }
    case 'activation':
      return { index: i, python: TORCH_ACTIVATIONS[layer.activation](layer.parameter), tensors: [] };
    case 'dropout':
      return { index: i, python: `nn.Dropout(p=1 - ${pythonNumber(layer.keepProb)})`, tensors: [] };
    default: {
      const never: never = layer;
      throw new Error(`unhandled layer kind ${String((never as ExportedLayer).kind)}`);
    }
  }
}

/** The Sequential's modules, in order. */
export function torchModules(network: ExportedNetwork): TorchModule[] {
  return network.layers.map((layer) => torchModule(layer, network.step));
}
