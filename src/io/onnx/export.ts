// exportOnnx: a trained model as an ONNX file (the graph: ./graph.ts), written atomically.
import { writeFileAtomic } from '../atomicFile';
import { exportedNetwork } from '../exportedNetwork';
import { packageVersion } from '../packageVersion';
import * as check from '../../validation/args';
import { onnxModel } from './graph';
import { encodeModel } from './schema';

export interface ExportOnnxOptions {
  /**
   * Put the model's normalizer in front of the network, so the ONNX model takes raw features
   * (default true when the model has one). Without it, feed what you would pass to predict.
   */
  normalizer?: boolean;
}

/**
 * Writes `model` as an ONNX model (opset 17) to `file`: input 'input' [batch, inputSize],
 * output 'output' [batch, outputSize] holding what `model.predict` returns (probabilities, or
 * the values of a 'linear' model). The file is replaced atomically.
 */
export async function exportOnnx(model: unknown, file: string, options: ExportOnnxOptions = {}): Promise<void> {
  const o = check.options('exportOnnx options', options, ['normalizer'] as const);
  const normalizer = check.optional(o.normalizer, true, (v) => check.boolean('exportOnnx: normalizer', v));
  if (typeof file !== 'string' || file.length === 0) throw check.typeError('exportOnnx: file', 'a non-empty path string', file);
  const network = await exportedNetwork('exportOnnx: model', model);
  const bytes = encodeModel(onnxModel(network, { normalizer, producerVersion: packageVersion() }));
  try {
    await writeFileAtomic(file, Promise.resolve(bytes), async (handle, content) => {
      await handle.writeFile(content);
    });
  } catch (e) {
    throw Object.assign(new Error(`exportOnnx: file: cannot write ${file}: ${(e as Error).message}`), { cause: e });
  }
}
