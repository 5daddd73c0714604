// Writes one TensorBoard event file in a run directory, as TensorFlow's EventFileWriter does:
// `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<counter>`, whose first record is the
// `file_version` event, then events in the order they were added.
//
// - Events wait in memory until `flush()`, which appends them to the file in one write and
//   fsyncs it; the file is opened per flush and closed again, so a writer whose run ends
//   without a last call (fit has no end-of-run hook) holds no file descriptor.
// - TensorBoard reads a run's files in name order. A new file's seconds are made later than
//   those of every event file already in the directory (a run resumed within the same second
//   would otherwise sort by pid and counter, possibly before the run it continues).
// - The first flush creates the file (and its directory) exclusively: it never appends to a
//   file another writer made.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeEvent, FILE_VERSION, type EventContent } from './events';
import { tfRecord } from './record';

/** Distinguishes files created by this process in the same second. */
let filesCreated = 0;

const EVENT_FILE = /^events\.out\.tfevents\.(\d+)\./;

export class EventFileWriter {
  /** The file's path, known after the first flush. */
  file: string | undefined;
  private pending: Buffer[] = [];
  /** The file_version event's time: the writer's creation, before any event it is given. */
  private readonly createdAt = Date.now() / 1000;

  constructor(readonly dir: string) {}

  /** Queues an event; `wallTime` in seconds since the Unix epoch (default now). */
  add(step: number, content: EventContent, wallTime = Date.now() / 1000): void {
    this.pending.push(tfRecord(encodeEvent({ wallTime, step, content })));
  }

  /** Appends the queued events to the file (creating it first) and syncs it to disk. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const records = Buffer.concat(this.pending);
    const create = this.file === undefined;
    const file = this.file ?? (await this.newFileName());
    const handle = await fs.open(file, create ? 'ax' : 'a');
    try {
      const versionRecord = create ? tfRecord(encodeEvent({ wallTime: this.createdAt, step: 0, content: { fileVersion: FILE_VERSION } })) : Buffer.alloc(0);
      await handle.writeFile(Buffer.concat([versionRecord, records]));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    this.file = file;
    this.pending = [];
  }

  private async newFileName(): Promise<string> {
    await fs.mkdir(this.dir, { recursive: true });
    let seconds = Math.floor(Date.now() / 1000);
    for (const name of await fs.readdir(this.dir)) {
      const taken = EVENT_FILE.exec(name);
      if (taken) seconds = Math.max(seconds, Number(taken[1]) + 1);
    }
    filesCreated += 1;
    return path.join(this.dir, `events.out.tfevents.${seconds}.${os.hostname()}.${process.pid}.${filesCreated}`);
  }
}
