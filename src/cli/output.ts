// What `tunenet train` and `tunenet tune` write: the model with its normalizer (safetensors, read
// back with loadModel) and the encoding beside it (`<out name>.encoding.json`: columns,
// categories, classes), so a user can encode new rows the same way.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { OutputKind, Sequential } from '../model';
import { saveModel } from '../io/modelFile';
import { CliError } from './errors';
import type { PreparedData, Print } from './dataset';
import type { Encoding } from './table';

/** Where the encoding of `out` is written: `model.safetensors` → `model.encoding.json`. */
export function encodingPath(out: string): string {
  const ext = extname(out);
  return join(dirname(out), `${basename(out, ext)}.encoding.json`);
}

/** Fails early (before any training) when the folder of `out` cannot be made. */
export function prepareOutput(out: string): void {
  try {
    mkdirSync(dirname(out) || '.', { recursive: true });
  } catch (e) {
    throw new CliError(`--out: cannot create the folder of ${out}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function writeOutputs(model: Sequential<OutputKind>, data: PreparedData, out: string, print: Print): Promise<void> {
  model.normalizer = data.normalizer;
  try {
    await saveModel(model, out);
    writeFileSync(encodingPath(out), `${JSON.stringify(data.encoding satisfies Encoding, null, 2)}\n`);
  } catch (e) {
    throw new CliError(`--out: cannot write ${out}: ${(e as Error).message.split('\n')[0]}`);
  }
  print(`model written to ${out} (normalizer included); encoding to ${encodingPath(out)}`);
  print('not written: ONNX export and HTML report (not available yet)');
}
