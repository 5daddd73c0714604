// queueExecutor, startWorker and `tunenet worker` check their arguments before touching Redis:
// a bad URL, a queue name with ':', a path where a module file name belongs, a function
// objective (it cannot travel to another process), a missing --modules directory.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueExecutor, randomSearch, startWorker, successiveHalving, uniform } from '../../src';

const space = { q: uniform(0, 1) };
const connection = 'redis://127.0.0.1:6379';
const root = path.resolve(__dirname, '../..');

describe('queueExecutor', () => {
  it('refuses bad options, naming them', () => {
    expect(() => queueExecutor({ connection, queue: 'q', concurency: 2 } as never)).toThrow(/^queueExecutor options: unknown option 'concurency' \(did you mean 'concurrency'\?\)$/);
    expect(() => queueExecutor({ connection: 'localhost:6379', queue: 'q' })).toThrow(/^queueExecutor: connection: expected a redis:\/\/ or rediss:\/\/ URL, got 'localhost:6379'$/);
    expect(() => queueExecutor({ connection: 'http://:secret@h:1', queue: 'q' })).toThrow(/got 'http:\/\/:\*\*\*@h:1'$/); // never prints the password
    expect(() => queueExecutor({ connection: 5 as never, queue: 'q' })).toThrow(/^queueExecutor: connection: expected a Redis URL \(redis:\/\/host:6379\) or connection options/);
    expect(() => queueExecutor({ connection, queue: 'a:b' })).toThrow(/^queueExecutor: queue: must not contain ':'/);
    expect(() => queueExecutor({ connection, queue: 'q', maxAttempts: 0 })).toThrow(/^queueExecutor: maxAttempts: must be an integer in \[1, 1000\], got 0$/);
  });

  it('runs module objectives named by file name only: a function or a path is refused when a search opens it', async () => {
    const executor = queueExecutor({ connection, queue: 'q' });
    expect(executor).toMatchObject({ kind: 'queue', concurrency: 16 });
    await expect(randomSearch({ space, trials: 1, executor, objective: async () => ({ devMetric: 1 }) })).rejects.toThrow(
      /^randomSearch: objective: queueExecutor runs objectives on other processes: give \{ module: 'objective\.mjs', exportName \}/,
    );
    for (const module of ['../objective.mjs', '/abs/objective.mjs', 'dir/objective.mjs', '..']) {
      await expect(successiveHalving({ configs: [{}], executor, objective: { module } })).rejects.toThrow(
        /^successiveHalving: objective\.module: expected the file name of a module in the workers' --modules directory \(e\.g\. 'objective\.mjs'\), not a path/,
      );
    }
  });
});

describe('startWorker', () => {
  it('refuses bad options before connecting', async () => {
    await expect(startWorker({ connection, queue: 'q', modules: path.join(root, 'no-such-dir') })).rejects.toThrow(/^startWorker: modules: no such directory '.*no-such-dir'$/);
    await expect(startWorker({ connection: 'redis//x', queue: 'q', modules: root })).rejects.toThrow(/^startWorker: connection: expected a Redis URL/);
    await expect(startWorker({ connection, queue: 'q', modules: root, concurrency: 0 })).rejects.toThrow(/^startWorker: concurrency: must be an integer/);
    await expect(startWorker({ connection, queue: 'q', modules: root, lockDuration: 5 })).rejects.toThrow(/^startWorker: lockDuration: must be an integer in \[100, 3600000\], got 5$/);
  });
});

describe('tunenet worker', () => {
  const tunenet = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/tunenet.js'), ...args], { cwd: root, encoding: 'utf8' });

  it('--help documents every flag; a missing required flag exits 2 with one line', () => {
    const help = tunenet('worker', '--help');
    expect(help.status).toBe(0);
    for (const flag of ['--redis <url>', '--queue <name>', '--modules <dir>', '--concurrency <n>', '--lock-duration <ms>', '--stalled-interval <ms>', '--connect-timeout <ms>']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('Never expose Redis publicly');
    expect(tunenet('--help').stdout).toContain('worker [options]');
    const missing = tunenet('worker', '--queue', 'q', '--modules', '.');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("tunenet: required option '--redis <url>' not specified\n");
  });
});
