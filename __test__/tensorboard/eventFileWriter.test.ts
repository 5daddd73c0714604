// EventFileWriter's file: named and ordered as TensorBoard expects, created only when there is
// something to write, never held open, appended to in order.
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventFileWriter } from '../../src/io/tensorboard';
import { tempDir } from '../callbacks/helpers';
import { openFilesUnder, readLogDir } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('EventFileWriter', () => {
  it('creates nothing until an event is flushed; then one file, file_version first, events in order; no descriptor left open', async () => {
    const run = path.join(dir, 'basic', 'train');
    const writer = new EventFileWriter(run);
    await writer.flush();
    await expect(fs.stat(run)).rejects.toThrow(/ENOENT/);
    for (let step = 0; step < 3; step++) {
      writer.add(step, { summary: [{ tag: 'x', scalar: step / 10 }, { tag: 'zero', scalar: 0 }] });
      await writer.flush();
      expect(openFilesUnder(dir)).toEqual([]);
    }
    const read = readLogDir(path.join(dir, 'basic')).train;
    expect(read.files.map((f) => f.name)).toEqual([path.basename(writer.file!)]);
    expect(read.files[0]).toMatchObject({ firstKind: 'file_version', firstFileVersion: 'brain.Event:2', events: 4 });
    expect(read.scalars.x.map(([step, , v]) => [step, v])).toEqual([0, 1, 2].map((s) => [s, Math.fround(s / 10)]));
    expect(read.scalars.zero.map(([, , v]) => v)).toEqual([0, 0, 0]);
  });

  it("names a new file so that it sorts after the directory's event files, even ones dated later", async () => {
    const run = path.join(dir, 'order');
    await fs.mkdir(run);
    const later = Math.floor(Date.now() / 1000) + 100;
    await fs.writeFile(path.join(run, `events.out.tfevents.${later}.otherhost.99999.7`), '');
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const writer = new EventFileWriter(run);
      writer.add(i, { sessionStart: true });
      await writer.flush();
      names.push(path.basename(writer.file!));
    }
    expect(new Set(names).size).toBe(12);
    const all = readdirSync(run);
    expect([...all].sort().slice(1)).toEqual(names);
  });
});
