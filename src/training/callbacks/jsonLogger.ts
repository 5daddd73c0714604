// jsonLogger(path): one JSON object per line per epoch (JSON Lines): the whole epoch log as fit
// hands it over (`history.epochs[i]`: epoch, losses, accuracies, learningRate, gradNorms, steps,
// seconds), numbers exactly. Appending, resuming and flushing: see epochLogFile.ts.
import type { EpochLog } from '../fit';
import type { FitCallback } from '../callbacks';
import * as check from '../../validation/args';
import { epochLogFile } from './epochLogFile';

export interface JsonLoggerOptions {
  /** true: always append; false: always overwrite; default: append when the run resumes (starts after epoch 0). */
  append?: boolean;
}

export function jsonLogger(path: string, options?: JsonLoggerOptions): FitCallback {
  const file = check.nonEmptyString('jsonLogger: path', path);
  const o = check.options('jsonLogger options', options, ['append'] as const);
  const append = check.optional(o.append, undefined as boolean | undefined, (v) => check.boolean('jsonLogger: append', v));
  const write = epochLogFile('jsonLogger', file, append);
  return {
    onEpochEnd: async (log: EpochLog) => {
      await write({
        epoch: log.epoch,
        line: JSON.stringify(log),
        epochOf: (line) => {
          try {
            const epoch: unknown = JSON.parse(line)?.epoch;
            return typeof epoch === 'number' ? epoch : undefined;
          } catch {
            return undefined;
          }
        },
      });
    },
  };
}
