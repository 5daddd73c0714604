// exportTorch: a trained model as PyTorch weights (a safetensors state_dict of a torch.nn.Sequential,
// ./modules.ts) and the Python file that rebuilds and loads it (./snippet.ts). Both are written
// atomically, the weights first.
import path from 'node:path';
import { writeFileAtomic } from '../atomicFile';
import { exportedNetwork } from '../exportedNetwork';
import { packageVersion } from '../packageVersion';
import { writeSafetensors } from '../safetensors';
import * as check from '../../validation/args';
import { torchModules } from './modules';
import { torchSnippet } from './snippet';

export interface ExportTorchOptions {
  /** Where the Python file goes (default: the weights' path with `.safetensors` replaced by `.py`, or `.py` appended). */
  snippet?: string;
  /**
   * Store the model's normalizer (in the weights' metadata) and apply it in the snippet's
   * module, so it takes raw features (default true when the model has one).
   */
  normalizer?: boolean;
}

export interface TorchExport {
  /** The safetensors file: the Sequential's state_dict. */
  weights: string;
  /** The Python file that rebuilds the module and loads `weights`. */
  snippet: string;
}

/**
 * Writes `model`'s weights as a torch.nn.Sequential state_dict (safetensors) to `file`, and a
 * Python file that rebuilds the Sequential, loads them and computes what `model.predict` does.
 */
export async function exportTorch(model: unknown, file: string, options: ExportTorchOptions = {}): Promise<TorchExport> {
  const o = check.options('exportTorch options', options, ['snippet', 'normalizer'] as const);
  if (typeof file !== 'string' || file.length === 0) throw check.typeError('exportTorch: file', 'a non-empty path string', file);
  const snippet = check.optional(o.snippet, defaultSnippetPath(file), (v) => check.nonEmptyString('exportTorch: snippet', v));
  if (path.resolve(snippet) === path.resolve(file)) throw new RangeError(`exportTorch: snippet: is the weights file itself (${file}); give the Python file another path`);
  const withNormalizer = check.optional(o.normalizer, true, (v) => check.boolean('exportTorch: normalizer', v));
  const network = await exportedNetwork('exportTorch: model', model);
  const normalizer = withNormalizer ? network.normalizer : undefined;

  const modules = torchModules(network);
  const tensors = modules.flatMap((m) => m.tensors);
  const metadata = { format: 'tunenet-torch', output: network.output, ...(normalizer ? { normalizer: JSON.stringify(normalizer) } : {}) };
  const source = torchSnippet(modules, {
    weightsFile: path.relative(path.dirname(path.resolve(snippet)), path.resolve(file)).split(path.sep).join('/'),
    moduleName: path.basename(snippet).replace(/\.py$/, ''),
    output: network.output,
    normalizer: normalizer !== undefined,
    producerVersion: packageVersion(),
  });
  await writeOrExplain(file, () => writeFileAtomic(file, Promise.resolve(tensors), (handle, t) => writeSafetensors(handle, t, metadata)));
  await writeOrExplain(snippet, () => writeFileAtomic(snippet, Promise.resolve(source), (handle, text) => handle.writeFile(text, 'utf8')));
  return { weights: file, snippet };
}

function defaultSnippetPath(file: string): string {
  return file.endsWith('.safetensors') ? `${file.slice(0, -'.safetensors'.length)}.py` : `${file}.py`;
}

async function writeOrExplain(target: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (e) {
    throw Object.assign(new Error(`exportTorch: cannot write ${target}: ${(e as Error).message}`), { cause: e });
  }
}
