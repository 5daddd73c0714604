// The flags of the example scripts, defined once per script: a table of
//   name: { type, default, description }
// from which come both the --help text and the checks. `type` is one of the value types below
// (boolean, integer(…), number(…), oneOf(…)); each knows how to read and check a value and how to
// word what it expected. Uses only node:util's parseArgs.
//
//   const args = parseFlags({
//     epochs: { type: integer({ min: 1 }), default: 40, description: 'most epochs to train' },
//   }, { description: 'Train a network on the MNIST digits.' });
//   args.epochs; // 40, or the number given, checked
//
// --help / -h prints the usage and exits 0. An unknown flag or a bad value prints one line to
// stderr naming the flag (`train.mjs: --epochs: expected a positive integer, got 'abc'`) and exits
// with code 2. Scripts call parseFlags before loading data or training anything.
import { writeSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { parseArgs } from 'node:util';

/** A flag without a value: present → true. */
export const boolean = Object.freeze({ kind: 'boolean' });

/** A number read with Number(); '' and surrounding spaces are refused. */
function readNumber(raw) {
  return raw.trim() === '' || raw.trim() !== raw ? NaN : Number(raw);
}

/** An integer in [min, max] (safe integers only). */
export function integer({ min = -Infinity, max = Infinity } = {}) {
  const expected =
    min === 1 && max === Infinity ? 'a positive integer'
      : min === 0 && max === Infinity ? 'a non-negative integer'
        : max === Infinity ? `an integer ≥ ${min}`
          : min === -Infinity ? `an integer ≤ ${max}`
            : `an integer in [${min}, ${max}]`;
  return Object.freeze({
    kind: 'value',
    metavar: 'N',
    expected,
    read(raw) {
      const v = readNumber(raw);
      return Number.isSafeInteger(v) && v >= min && v <= max ? v : undefined;
    },
  });
}

/** A finite number in [min, max], or [min, below) when `below` is given. */
export function number({ min = -Infinity, max = Infinity, below } = {}) {
  const hi = below ?? max;
  const close = below === undefined ? ']' : ')';
  const expected =
    min === -Infinity && hi === Infinity ? 'a finite number'
      : hi === Infinity ? `a number ≥ ${min}`
        : min === -Infinity ? `a number ${below === undefined ? '≤' : '<'} ${hi}`
          : `a number in [${min}, ${hi}${close}`;
  return Object.freeze({
    kind: 'value',
    metavar: 'X',
    expected,
    read(raw) {
      const v = readNumber(raw);
      const ok = Number.isFinite(v) && v >= min && (below === undefined ? v <= max : v < below);
      return ok ? v : undefined;
    },
  });
}

/** One of the given strings. */
export function oneOf(...choices) {
  return Object.freeze({
    kind: 'value',
    metavar: 'NAME',
    expected: choices.length === 2 ? `'${choices[0]}' or '${choices[1]}'` : `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
    read: (raw) => (choices.includes(raw) ? raw : undefined),
  });
}

/** A directory path, as given (created by whoever writes there); not empty, no surrounding spaces. */
export const directory = Object.freeze({
  kind: 'value',
  metavar: 'DIR',
  expected: 'a directory path',
  read: (raw) => (raw !== '' && raw.trim() === raw ? raw : undefined),
});

/** Thrown by parse(): one line naming the flag (without the script's name). */
export class FlagError extends Error {}

const HELP = { type: boolean, default: false, description: 'print this help and exit', short: 'h' };

/** The script's name as errors show it (`train.mjs`). */
export function scriptName(argv1 = process.argv[1] ?? 'script') {
  return basename(argv1);
}

/** The usage text of a flag table. */
export function usage(flags, { description = '', command = defaultCommand() } = {}) {
  const rows = [];
  for (const [name, spec] of Object.entries({ ...flags, help: HELP })) {
    const left = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.type.kind === 'value' ? ` ${spec.type.metavar}` : ''}`;
    const details = spec.type.kind === 'value' ? `${spec.type.expected}; default ${spec.default}` : name === 'help' ? '' : `default ${spec.default}`;
    rows.push([left, `${spec.description}${details ? ` (${details})` : ''}`]);
  }
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return [
    ...(description ? [description.trim(), ''] : []),
    `Usage: ${command} [flags]`,
    '',
    'Flags:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`),
    '',
  ].join('\n');
}

function defaultCommand() {
  const script = process.argv[1];
  if (!script) return 'node script.mjs';
  const rel = relative(process.cwd(), script);
  return `node ${rel.startsWith('..') ? script : rel}`;
}

/** Edit distance, for "did you mean". */
function distance(a, b) {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function suggestion(name, names) {
  let best;
  for (const n of names) {
    const d = distance(name, n);
    if (d <= Math.max(1, Math.floor(n.length / 3)) && (!best || d < best.d)) best = { n, d };
  }
  return best ? ` (did you mean --${best.n}?)` : '';
}

/**
 * Reads `argv` against the flag table. Returns { help: true } when --help / -h is given, else
 * { help: false, values } with every flag's value (its default when not given). Throws FlagError
 * (one line naming the flag) for an unknown flag, a missing or bad value, or a stray argument.
 */
export function parse(flags, argv) {
  if ('help' in flags) throw new Error("parseFlags: 'help' is defined by cli.mjs");
  const all = { ...flags, help: HELP };
  const options = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = { type: spec.type.kind === 'boolean' ? 'boolean' : 'string', ...(spec.short ? { short: spec.short } : {}) };
  }
  // Not strict: every token comes back, and the errors below name the flag in one line.
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const end = argv.indexOf('--');
  const beforeEnd = end === -1 ? argv : argv.slice(0, end);
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help') || beforeEnd.some((a) => a === '--help' || a === '-h')) {
    return { help: true };
  }
  const values = {};
  for (const [name, spec] of Object.entries(flags)) values[name] = spec.default;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') throw new FlagError(`unexpected argument '${t.value}' (flags start with --; see --help)`);
    const spec = flags[t.name];
    if (!spec) {
      throw new FlagError(`${t.rawName}: unknown flag${suggestion(t.name, Object.keys(all))}; see --help`);
    }
    const flag = `--${t.name}`;
    if (spec.type.kind === 'boolean') {
      if (t.value !== undefined) throw new FlagError(`${flag}: takes no value, got '${t.value}'`);
      values[t.name] = true;
      continue;
    }
    // `--epochs --seed 1`: parseArgs would take '--seed' as the value.
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) {
      throw new FlagError(`${flag}: expected ${spec.type.expected}, got no value`);
    }
    const v = spec.type.read(t.value);
    if (v === undefined) throw new FlagError(`${flag}: expected ${spec.type.expected}, got '${t.value}'`);
    values[t.name] = v;
  }
  return { help: false, values };
}

/** Prints `script: message` as one line to stderr and exits with code 2 (a usage error). */
export function usageError(message, script = scriptName()) {
  writeSync(2, `${script}: ${String(message).replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}

/**
 * parse() for a script: prints the usage and exits 0 on --help, prints one line and exits 2 on a
 * bad flag, else returns the values. options: { description, argv (default process.argv.slice(2)) }.
 */
export function parseFlags(flags, { description = '', argv = process.argv.slice(2) } = {}) {
  let parsed;
  try {
    parsed = parse(flags, argv);
  } catch (e) {
    if (e instanceof FlagError) usageError(e.message);
    throw e;
  }
  if (parsed.help) {
    writeSync(1, usage(flags, { description }));
    process.exit(0);
  }
  return parsed.values;
}
