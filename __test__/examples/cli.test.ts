// The command lines of the example scripts (issue 9, "Examples"): every example answers --help /
// -h with every flag and its default and exits 0; an unknown flag or a bad value prints one line
// to stderr naming the flag and exits 2, never a stack trace. Flags are checked before any data is
// loaded: each script runs under a preload that exits 99 as soon as the `mnist` package (the data)
// is required, so a case that reaches the data fails here instead of training. The positive
// control (valid flags do reach the data) shows the guard works.
import { spawnSync } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const DATA_LOADED = 99;

interface Example {
  script: string;
  /** Every flag the usage must list (besides --help). */
  flags: string[];
  /** Defaults the usage must show, as `--flag`: shown default. */
  defaults: Record<string, string>;
  /** Bad command lines and the flag each error must name. */
  bad: Array<[string[], string]>;
  /** Valid flags that go on to load the data. */
  valid: string[];
}

const EXAMPLES: Example[] = [
  {
    script: 'examples/mnist/train.mjs',
    flags: ['epochs', 'seed', 'batch-size', 'backend', 'augment', 'no-augment', 'shift', 'rotation', 'scale', 'noise', 'no-early-stopping', 'report', 'tensorboard'],
    defaults: {
      epochs: '40', seed: '1', 'batch-size': '128', backend: 'native', augment: 'true', 'no-augment': 'false',
      shift: '2', rotation: '10', scale: '0.1', noise: '0', 'no-early-stopping': 'false', report: 'none', tensorboard: 'none',
    },
    bad: [
      [['--epochs', 'abc'], 'epochs'],
      [['--epochs', '0'], 'epochs'],
      [['--epochs=-3'], 'epochs'],
      [['--epochs', '2.5'], 'epochs'],
      [['--epochs'], 'epochs'],
      [['--epochs', '--seed', '2'], 'epochs'],
      [['--seed', '-1'], 'seed'],
      [['--seed', '1x'], 'seed'],
      [['--tensorboard', ''], 'tensorboard'],
      [['--batch-size', ''], 'batch-size'],
      [['--backend', 'gpu'], 'backend'],
      [['--shift', '-1'], 'shift'],
      [['--rotation', '181'], 'rotation'],
      [['--scale', '1'], 'scale'],
      [['--noise', 'NaN'], 'noise'],
      [['--no-augment=false'], 'no-augment'],
      [['--epochs', '5', '--seed', 'one'], 'seed'],
    ],
    valid: ['--epochs', '1', '--seed', '2', '--batch-size=64', '--no-augment', '--no-early-stopping', '--backend', 'reference'],
  },
  {
    script: 'examples/tune-mnist/tune.mjs',
    flags: ['trials', 'rounds', 'epochs', 'workers', 'seed', 'report'],
    defaults: { trials: '24', rounds: '3', epochs: '8', workers: '2', seed: '1', report: 'none' },
    bad: [
      [['--trials', 'many'], 'trials'],
      [['--trials', '0'], 'trials'],
      [['--rounds', '-2'], 'rounds'],
      [['--epochs', '1.5'], 'epochs'],
      [['--workers', '0'], 'workers'],
      [['--seed', 'abc'], 'seed'],
      [['--trials', '2', '--rounds', '3'], 'trials'],
    ],
    valid: ['--trials', '2', '--rounds', '1', '--epochs', '1', '--workers', '1', '--seed', '3'],
  },
  {
    script: 'examples/regression/train.mjs',
    flags: ['epochs', 'seed', 'batch-size', 'loss', 'delta', 'learning-rate', 'patience', 'backend', 'report'],
    defaults: { epochs: '300', seed: '1', 'batch-size': '32', loss: 'huber', delta: '2', 'learning-rate': '0.003', patience: '30', backend: 'native', report: 'none' },
    bad: [
      [['--epochs', 'abc'], 'epochs'],
      [['--loss', 'msle'], 'loss'],
      [['--delta', '-1'], 'delta'],
      [['--learning-rate', 'fast'], 'learning-rate'],
      [['--patience', '0'], 'patience'],
      [['--report', 'cars.txt'], 'report'],
    ],
    valid: ['--epochs', '1', '--loss', 'mse', '--seed', '2'],
  },
  {
    script: 'examples/tune-distributed/tune.mjs',
    flags: ['redis', 'queue', 'trials', 'epochs', 'workers', 'seed', 'out', 'report'],
    defaults: { redis: 'none', queue: 'tunenet-mnist', trials: '8', epochs: '4', workers: '2', seed: '1', out: 'tune-distributed-study', report: 'none' },
    bad: [
      [['--redis', 'localhost:6379'], 'redis'],
      [['--queue', 'a:b'], 'queue'],
      [['--trials', '0'], 'trials'],
      [['--workers', '-1'], 'workers'],
      [['--out', 'a/b'], 'out'],
    ],
    valid: ['--trials', '2', '--workers', '1'],
  },
];

/** Files under examples/ that are imported by the scripts, not run: they take no flags. */
const MODULES = [
  'examples/cli.mjs',
  'examples/report.mjs',
  'examples/mnist/data.js',
  'examples/tune-mnist/objective.mjs',
  'examples/tune-distributed/objective.mjs',
  'examples/regression/data.mjs',
];

let guardDir: string;
let guard: string;

beforeAll(async () => {
  guardDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-examples-cli-'));
  guard = path.join(guardDir, 'no-data.cjs');
  await fs.writeFile(
    guard,
    [
      "const Module = require('node:module');",
      'const load = Module._load;',
      'Module._load = function (request, ...rest) {',
      "  if (request === 'mnist') { process.stderr.write('GUARD: data loaded\\n'); process.exit(" + DATA_LOADED + '); }',
      '  return load.call(this, request, ...rest);',
      '};',
      // The regression example finds its JSON file through the package's path.
      'const resolve = Module._resolveFilename;',
      'Module._resolveFilename = function (request, ...rest) {',
      "  if (request === 'vega-datasets') { process.stderr.write('GUARD: data loaded\\n'); process.exit(" + DATA_LOADED + '); }',
      '  return resolve.call(this, request, ...rest);',
      '};',
    ].join('\n'),
  );
});

afterAll(async () => {
  await fs.rm(guardDir, { recursive: true, force: true });
});

function run(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--require', guard, script, ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A usage error: exit 2, nothing on stdout, exactly one line on stderr naming `--flag`, no stack. */
function expectOneLineError(r: ReturnType<typeof run>, script: string, flag: string) {
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`${path.basename(script)}: `)).toBe(true);
  expect(lines[0]).toContain(flag);
  expect(r.stderr).not.toMatch(/\n\s+at |Error|node:internal/);
}

function walk(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(`${dir}/${e.name}`) : /\.(m|c)?js$/.test(e.name) ? [`${dir}/${e.name}`] : [],
  );
}

describe('example command lines', () => {
  it('every script under examples/ is either a runnable example tested here or a module it imports', () => {
    const listed = [...EXAMPLES.map((e) => e.script), ...MODULES].sort();
    expect(walk('examples').sort()).toEqual(listed);
  });

  describe.each(EXAMPLES)('$script', (ex) => {
    it.each([['--help'], ['-h']])('%s prints every flag with its default and exits 0', (help) => {
      const r = run(ex.script, [help]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`Usage: node ${ex.script} [flags]`);
      const lines = r.stdout.split('\n');
      for (const flag of [...ex.flags, 'help']) {
        const line = lines.find((l) => new RegExp(`^\\s+(?:-h, )?--${flag}(\\s|$)`).test(l));
        expect(line, `--${flag} in\n${r.stdout}`).toBeDefined();
        if (flag !== 'help') expect(line).toContain(`default ${ex.defaults[flag]})`);
      }
      expect(Object.keys(ex.defaults).sort()).toEqual([...ex.flags].sort());
      // Every flag line of the usage is one the test knows: a new flag must be added here too.
      const shown = lines.flatMap((l) => [...l.matchAll(/^\s+(?:-h, )?--([a-z-]+)/g)].map((m) => m[1]));
      expect(shown.sort()).toEqual([...ex.flags, 'help'].sort());
    });

    it('--help wins over other flags, even bad ones', () => {
      const r = run(ex.script, [...ex.bad[0][0], '--help']);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('Usage:');
    });

    it.each([['--no-such-flag'], ['--no-such-flag=3'], ['-x']])('an unknown flag %s is one line naming it, exit 2', (flag) => {
      const r = run(ex.script, [flag]);
      expectOneLineError(r, ex.script, flag.split('=')[0]);
      expect(r.stderr).toContain('unknown flag');
    });

    it('a misspelt flag suggests the closest one', () => {
      const flag = ex.flags[0];
      const r = run(ex.script, [`--${flag.slice(0, -1)}`, '1']);
      expectOneLineError(r, ex.script, `--${flag.slice(0, -1)}`);
      expect(r.stderr).toContain(`did you mean --${flag}?`);
    });

    it('a stray argument is one line, exit 2', () => {
      const r = run(ex.script, ['extra']);
      expectOneLineError(r, ex.script, "'extra'");
    });

    it.each(ex.bad)('bad value %j is one line naming --%s, exit 2', (args, flag) => {
      const r = run(ex.script, args);
      expectOneLineError(r, ex.script, `--${flag}:`);
    });

    it('valid flags pass the checks and go on to load the data (the guard works)', () => {
      const r = run(ex.script, ex.valid);
      expect(r.status, r.stderr).toBe(DATA_LOADED);
      expect(r.stderr).toContain('GUARD: data loaded');
    });
  });
});
