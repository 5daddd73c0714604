// Replacing a file so that readers and crashes only ever see the old or the new content:
//
//   1. the bytes go to a temporary file in the target's directory, named
//      `.{target}.{host}.{pid}.{uuid}.tmp` (a random UUID: two writers never share one);
//   2. the temporary file is fsynced, so its bytes are on disk before it gets the target's name;
//   3. it is renamed over the target (atomic within one directory on POSIX and NTFS);
//   4. the directory is fsynced, so the rename itself survives a power cut (where the platform
//      allows opening a directory; Windows does not, and needs no such step).
//
// Writes to one target from this process run one at a time, in call order, so the file ends up
// holding the last call's content. A temporary file is removed when its write fails; one left
// by a killed process is removed by the next write to the same target when it is stale:
//   - it was made on this host by a process that no longer runs (`{host}` is a hash of the
//     hostname, so a directory shared between machines never judges another machine's pids), or
//   - it has not been modified for an hour (any host, any pid: covers recycled pids).
import { randomUUID, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A temporary file untouched this long is abandoned, whoever made it. */
export const STALE_AFTER_MS = 60 * 60 * 1000;

const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
const TEMP_TAIL = /^([0-9a-f]{8})\.(\d+)\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/** Tail of the chain of writes to each target (absolute path) in this process. */
const queues = new Map<string, Promise<void>>();

/**
 * Writes `target` atomically with `write` (which fills a fresh, empty file handle). `content`
 * is awaited before the write starts but requested at call time, so writes keep call order even
 * when preparing their content takes different times.
 */
export function writeFileAtomic<T>(target: string, content: Promise<T>, write: (handle: FileHandle, content: T) => Promise<void>): Promise<void> {
  const key = path.resolve(target);
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(async () => replace(key, await content, write));
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  content.catch(() => undefined); // rejected content is reported through `run`, not as unhandled
  return run;
}

/** The temporary file name prefix of a target: `.{basename}.` */
function tempPrefix(target: string): string {
  return `.${path.basename(target)}.`;
}

export function tempName(target: string): string {
  return path.join(path.dirname(target), `${tempPrefix(target)}${HOST_TAG}.${process.pid}.${randomUUID()}.tmp`);
}

async function replace<T>(target: string, content: T, write: (handle: FileHandle, content: T) => Promise<void>): Promise<void> {
  await removeStaleTemps(target);
  const tmp = tempName(target);
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    await write(handle, content);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await syncDirectory(path.dirname(target));
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch {
    return; // Windows cannot open a directory; its renames need no directory sync
  }
  try {
    await handle.sync();
  } catch (e) {
    // Some file systems refuse fsync on a directory; the rename already happened.
    if (!['EINVAL', 'EPERM', 'EISDIR', 'EBADF', 'ENOTSUP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await handle.close();
  }
}

/** Removes the target's abandoned temporary files (see the rules at the top). Best effort. */
export async function removeStaleTemps(target: string, now = Date.now()): Promise<string[]> {
  const dir = path.dirname(target);
  const prefix = tempPrefix(target);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = TEMP_TAIL.exec(name.slice(prefix.length));
    if (!match) continue;
    const file = path.join(dir, name);
    const pid = Number(match[2]);
    let stale = match[1] === HOST_TAG && pid !== process.pid && !isRunning(pid);
    if (!stale) {
      const stat = await fs.stat(file).catch(() => undefined);
      stale = stat !== undefined && now - stat.mtimeMs > STALE_AFTER_MS;
    }
    if (stale && (await fs.rm(file, { force: true }).then(() => true, () => false))) removed.push(file);
  }
  return removed;
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}
