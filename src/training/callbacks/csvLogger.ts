// csvLogger(path): one row per epoch, as Keras's CSVLogger. Columns, in this order, are those the
// run's first epoch log has: epoch (0-based, as in history), trainLoss, trainAccuracy, devLoss,
// devAccuracy, learningRate, seconds (a regression run has no accuracy columns, a run without
// validation data no dev columns). Numbers are written as JavaScript prints them (the shortest
// text that reads back to the same number), so the file holds exactly the history's values.
// Appending, resuming and flushing: see epochLogFile.ts.
import type { EpochLog } from '../fit';
import type { FitCallback } from '../callbacks';
import * as check from '../../validation/args';
import { epochLogFile } from './epochLogFile';

export interface CsvLoggerOptions {
  /** One character between fields (default ','). */
  separator?: string;
  /** true: always append; false: always overwrite; default: append when the run resumes (starts after epoch 0). */
  append?: boolean;
}

export const CSV_COLUMNS = ['epoch', 'trainLoss', 'trainAccuracy', 'devLoss', 'devAccuracy', 'learningRate', 'seconds'] as const;

/** Characters that would make a field ambiguous: digits, signs, '.', letters (e, Infinity), quotes, line breaks. */
const BAD_SEPARATOR = /[0-9A-Za-z.+\-"'\r\n]/;

export function csvLogger(path: string, options?: CsvLoggerOptions): FitCallback {
  const file = check.nonEmptyString('csvLogger: path', path);
  const o = check.options('csvLogger options', options, ['separator', 'append'] as const);
  const separator = check.optional(o.separator, ',', (v) => {
    if (typeof v !== 'string') throw check.typeError('csvLogger: separator', 'a one-character string', v);
    if (v.length !== 1 || BAD_SEPARATOR.test(v)) {
      throw check.rangeError('csvLogger: separator', "one character other than a letter, digit, '.', '+', '-', a quote or a line break", v);
    }
    return v;
  });
  const append = check.optional(o.append, undefined as boolean | undefined, (v) => check.boolean('csvLogger: append', v));
  const write = epochLogFile('csvLogger', file, append);
  let columns: (typeof CSV_COLUMNS)[number][] | undefined;
  let last: number | undefined;
  return {
    onEpochEnd: async (log: EpochLog) => {
      // A new run fixes its columns from its first epoch.
      if (columns === undefined || last === undefined || log.epoch !== last + 1) columns = CSV_COLUMNS.filter((c) => log[c] !== undefined);
      await write({
        epoch: log.epoch,
        header: columns.join(separator),
        line: columns.map((c) => (log[c] === undefined ? '' : String(log[c]))).join(separator),
        epochOf: (line) => {
          const epoch = Number(line.split(separator)[0]);
          return Number.isInteger(epoch) ? epoch : undefined;
        },
      });
      last = log.epoch;
    },
  };
}
