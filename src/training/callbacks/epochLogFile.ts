// One line per epoch in a text file, shared by csvLogger and jsonLogger.
//
// - A run's first epoch decides what happens to an existing file: a run that starts at epoch 0
//   overwrites it; a run that starts later (a resumed run, `fit({ initialEpoch })`) appends to
//   it, after dropping the lines of epochs ≥ its first (a run resumed from an older checkpoint
//   rewrites those epochs, so the file never holds one epoch twice) and an unfinished last line.
//   `append: true` always appends (as Keras's CSVLogger), `append: false` always overwrites.
// - Every line is appended and fsynced before the epoch's hook returns, so a crash loses at most
//   the running epoch. The file is opened per epoch: fit has no end-of-run hook to close it.
// - A run's first epoch is the first one seen, or one that does not follow the last one written.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../io/atomicFile';

export interface EpochLine {
  epoch: number;
  line: string;
  /** First line of a fresh file (the CSV header); an existing file must start with it. */
  header?: string;
  /** Epoch a line of the file records (undefined: not an epoch line, kept). */
  epochOf: (line: string) => number | undefined;
}

export function epochLogFile(where: string, file: string, append: boolean | undefined): (entry: EpochLine) => Promise<void> {
  let last: number | undefined;
  return async (entry) => {
    const starting = last === undefined || entry.epoch !== last + 1;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      if (starting) await startRun(where, file, append, entry);
      const handle = await fs.open(file, 'a');
      try {
        await handle.writeFile(`${entry.line}\n`);
        await handle.datasync();
      } finally {
        await handle.close();
      }
    } catch (e) {
      if (e instanceof LogError) throw e;
      throw Object.assign(new Error(`${where}: path: cannot write '${file}': ${(e as Error)?.message ?? String(e)}`, { cause: e }), codeOf(e));
    }
    last = entry.epoch;
  };
}

/** A problem with the file's content (not the file system): reported as it is. */
class LogError extends Error {}

async function startRun(where: string, file: string, append: boolean | undefined, entry: EpochLine): Promise<void> {
  const header = entry.header === undefined ? '' : `${entry.header}\n`;
  if (append === false || (append === undefined && entry.epoch === 0)) {
    await fs.writeFile(file, header);
    return;
  }
  let text = '';
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== 'ENOENT') throw e;
  }
  // Complete lines only: an unfinished one was being written when a run stopped.
  const lines = text.split('\n').slice(0, -1);
  if (entry.header !== undefined && lines.length > 0 && lines[0] !== entry.header) {
    throw new LogError(`${where}: path: '${file}' starts with '${lines[0]}', but this run logs '${entry.header}'; log to another file or pass append: false`);
  }
  const kept = append === undefined ? lines.filter((l) => (entry.epochOf(l) ?? -1) < entry.epoch) : lines;
  if (kept.length === 0) kept.push(...(entry.header === undefined ? [] : [entry.header]));
  const content = kept.map((l) => `${l}\n`).join('');
  if (content !== text) await writeFileAtomic(file, Promise.resolve(content), (handle, c) => handle.writeFile(c));
}

function codeOf(e: unknown): { code?: string } {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code ? { code } : {};
}
