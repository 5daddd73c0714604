/**
 * The network's description and its parsing (crates/core/src/network/spec.rs, optimizer.rs, and
 * `parse_layer` / `parse_optimizer` / `NativeNetwork::new` of crates/node/src/network.rs):
 * defaults filled in, names and values checked in the binding's order, so that the same options
 * are refused naming the same argument first (the rest of each message is the reference's own).
 */
import type { LayerOptions, NetworkOptions, OptimizerOptions } from '../backend';
import { ACTIVATION_KINDS, activationParameter, type ActivationKind } from './activation';
import { DEFAULT_INIT, initFromName, initParameter, takesNoParameter, type InitKind } from './init';
import { LOSS_NAMES, lossDefinition, type LossName } from './loss';
import { invalid, positive, safeInteger } from './validate';
import { OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName } from './optimizers';

export type LayerSpec =
  | { kind: 'dense'; units: number; init: InitKind; l2: number; l1: number; useBias: boolean }
  | { kind: 'batchNorm'; momentum: number; epsilon: number }
  | { kind: 'activation'; activation: ActivationKind; parameter?: number }
  | { kind: 'dropout'; keepProb: number };

/** The loss with its parameter (Huber's δ), if it has one. */
export interface LossKind {
  name: LossName;
  parameter?: number;
}

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  loss: LossKind;
  seed: number;
}

export type OptimizerKind = OptimizerName;

export interface OptimizerConfig {
  kind: OptimizerKind;
  /** Momentum / Nesterov / RMSprop averaging coefficient. */
  beta: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** AdamW's decoupled decay, weights only. */
  weightDecay: number;
}

/** Width of each layer's output: a dense layer sets it, every other layer keeps it. */
export function layerWidths(spec: NetworkSpec): number[] {
  let width = spec.inputSize;
  return spec.layers.map((layer) => (layer.kind === 'dense' ? (width = layer.units) : width));
}

/** `NetworkSpec::validate`: the message names the layer and the field. */
export function validateSpec(spec: NetworkSpec): void {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  if (spec.layers.length === 0) fail('layers: a network needs at least one dense layer');
  spec.layers.forEach((layer, i) => {
    const at = (field: string, msg: string) => fail(`layers[${i}].${field}: ${msg}`);
    switch (layer.kind) {
      case 'dense':
        if (!(Number.isFinite(layer.l2) && layer.l2 >= 0)) at('l2', `must be a finite number ≥ 0, got ${layer.l2}`);
        if (!(Number.isFinite(layer.l1) && layer.l1 >= 0)) at('l1', `must be a finite number ≥ 0, got ${layer.l1}`);
        if (layer.useBias && spec.layers[i + 1]?.kind === 'batchNorm') {
          at('useBias', 'must be false for a dense layer followed by batch norm (β replaces the bias)');
        }
        break;
      case 'batchNorm':
        if (!(Number.isFinite(layer.momentum) && layer.momentum >= 0 && layer.momentum < 1)) {
          at('momentum', `must be in [0, 1), got ${layer.momentum}`);
        }
        if (!(Number.isFinite(layer.epsilon) && layer.epsilon > 0)) {
          at('epsilon', `must be a finite number > 0, got ${layer.epsilon}`);
        }
        break;
      case 'activation': {
        const name = activationParameter(layer.activation)?.[0];
        if (name !== undefined && !Number.isFinite(layer.parameter)) at(name, `must be a finite number, got ${layer.parameter}`);
        break;
      }
      case 'dropout':
        if (!(Number.isFinite(layer.keepProb) && layer.keepProb > 0 && layer.keepProb <= 1)) {
          at('keepProb', `must be in (0, 1], got ${layer.keepProb}`);
        }
        break;
    }
  });
  if (spec.layers[spec.layers.length - 1].kind !== 'dense') {
    fail('layers: the last layer must be dense (it produces the logits; the loss applies softmax or sigmoid)');
  }
  const out = layerWidths(spec)[spec.layers.length - 1];
  const loss = lossDefinition(spec.loss.name);
  if (out < loss.minOutputs) {
    fail(`loss: ${spec.loss.name} needs at least ${loss.minOutputs} output units, the last dense layer has ${out}`);
  }
}


/** `parse_layer` of the binding: defaults filled in, names checked. */
function parseLayer(i: number, o: LayerOptions): LayerSpec {
  const at = (field: string) => `layers[${i}].${field}`;
  const kind = String(o.kind);
  switch (kind) {
    case 'dense': {
      const units = positive(at('units'), o.units);
      // An init's `scale` (random's, varianceScaling's) is the layer's `initScale` option.
      const init = initFromName(
        String(o.init ?? DEFAULT_INIT),
        (key) => (key === 'scale' ? o.initScale : undefined),
        (arg) => at(arg === 'scale' ? 'initScale' : arg),
      );
      // A scale given to a kind without one would be silently ignored.
      if (o.initScale !== undefined && initParameter(init.kind) === undefined) {
        throw invalid(at('initScale'), takesNoParameter(init.kind));
      }
      return { kind: 'dense', units, init, l2: o.l2 ?? 0, l1: o.l1 ?? 0, useBias: o.useBias ?? true };
    }
    case 'batchNorm':
      return { kind: 'batchNorm', momentum: o.momentum ?? 0.9, epsilon: o.epsilon ?? 1e-3 };
    case 'dropout':
      return { kind: 'dropout', keepProb: o.keepProb ?? NaN };
    case 'activation': {
      const activation = o.activation ?? '';
      if (!(ACTIVATION_KINDS as readonly string[]).includes(activation)) {
        throw invalid(at('activation'), `unknown activation '${activation}', expected ${ACTIVATION_KINDS.join(' | ')}`);
      }
      const kind = activation as ActivationKind;
      const parameter = activationParameter(kind);
      // The kind's parameter is read from the option of its name (`slope`), else its default.
      const given = parameter ? (o as unknown as Record<string, number | undefined>)[parameter[0]] : undefined;
      if (parameter && given !== undefined && given !== null && !Number.isFinite(given)) {
        throw invalid(at(parameter[0]), `must be a finite number, got ${given}`);
      }
      return { kind: 'activation', activation: kind, ...(parameter ? { parameter: given ?? parameter[1] } : {}) };
    }
    default:
      throw invalid(at('kind'), `unknown layer '${kind}', expected dense | batchNorm | activation | dropout`);
  }
}

/**
 * `parse_optimizer` of the binding: the kind by name, each option it reads (its `OPTIMIZERS`
 * entry) from the field of that name or its default, checked as `OptimizerConfig::validate`.
 */
export function parseOptimizer(o: OptimizerOptions): OptimizerConfig {
  const kind = String(o?.kind);
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(kind)) {
    throw invalid('optimizer.kind', `unknown optimizer '${kind}', expected ${OPTIMIZER_NAMES.join(' | ')}`);
  }
  const read = OPTIMIZERS[kind as OptimizerName].options as Record<string, number>;
  const value = (name: keyof Omit<OptimizerConfig, 'kind'>, fallback: number) =>
    name in read ? ((o as unknown as Record<string, number | undefined>)[name] ?? read[name]) : fallback;
  // Options a kind does not read keep the course's defaults (they are never used).
  const c: OptimizerConfig = {
    kind: kind as OptimizerKind,
    beta: value('beta', 0.9),
    beta1: value('beta1', 0.9),
    beta2: value('beta2', 0.999),
    epsilon: value('epsilon', 1e-8),
    weightDecay: value('weightDecay', 0.01),
  };
  for (const name of ['beta', 'beta1', 'beta2'] as const) {
    const b = c[name];
    if (!(Number.isFinite(b) && b >= 0 && b < 1)) throw invalid(`optimizer.${name}`, `must be in [0, 1), got ${b}`);
  }
  if (!(Number.isFinite(c.epsilon) && c.epsilon > 0)) throw invalid('optimizer.epsilon', `must be a finite number > 0, got ${c.epsilon}`);
  if (!(Number.isFinite(c.weightDecay) && c.weightDecay >= 0)) {
    throw invalid('optimizer.weightDecay', `must be a finite number ≥ 0, got ${c.weightDecay}`);
  }
  return c;
}

/** `NativeNetwork::new`'s parsing, in the binding's order: layers, loss, inputSize, seed, optimizer, threads, spec. */
export function parseNetworkOptions(options: NetworkOptions, optimizer: OptimizerOptions): { spec: NetworkSpec; optimizer: OptimizerConfig } {
  if (options === null || typeof options !== 'object') throw invalid('options', 'expected an object');
  if (!Array.isArray(options.layers)) throw invalid('layers', 'expected an array of layer options');
  const layers = options.layers.map((l, i) => parseLayer(i, l));
  const name = String(options.loss);
  if (!(LOSS_NAMES as readonly string[]).includes(name)) {
    throw invalid('loss', `unknown loss '${name}', expected ${LOSS_NAMES.join(' | ')}`);
  }
  const parameter = lossDefinition(name as LossName).parameter;
  const value = parameter ? ((options as unknown as Record<string, number | undefined>).lossDelta ?? parameter[1]) : undefined;
  if (parameter && !(Number.isFinite(value) && (value as number) > 0)) {
    throw invalid(`loss.${parameter[0]}`, `must be a finite number > 0, got ${String(value)}`);
  }
  const loss: LossKind = { name: name as LossName, ...(parameter ? { parameter: value } : {}) };
  const spec: NetworkSpec = {
    inputSize: positive('inputSize', options.inputSize),
    layers,
    loss,
    seed: safeInteger('seed', options.seed),
  };
  const config = parseOptimizer(optimizer);
  if (options.threads !== undefined && options.threads !== null) positive('threads', options.threads); // no threads here
  try {
    validateSpec(spec);
  } catch (e) {
    throw invalid('network', (e as Error).message);
  }
  return { spec, optimizer: config };
}
