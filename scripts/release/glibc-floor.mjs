#!/usr/bin/env node
// The glibc floor of a Linux binary: the highest GLIBC_x.y symbol version among the dynamic symbols
// it imports, i.e. the oldest glibc whose dynamic loader will accept it (`readelf --dyn-syms`).
//   node scripts/release/glibc-floor.mjs <file.node> [--max 2.17]
// prints the floor and the symbols that need it; with --max, exits 1 when the floor is above it.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Orders dotted versions by their numbers (2.3 < 2.17), which string order gets wrong. */
export function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Every imported symbol with the glibc version it binds to, read with binutils' readelf. */
export function glibcSymbols(file) {
  const table = execFileSync('readelf', ['--dyn-syms', '--wide', file], { encoding: 'utf8' });
  const symbols = [];
  for (const match of table.matchAll(/ UND (\S+)@GLIBC_([0-9.]+)/g)) {
    symbols.push({ name: match[1], version: match[2] });
  }
  return symbols;
}

/** { version, symbols } — the highest version and the imports that need it; null when none. */
export function glibcFloor(file) {
  const symbols = glibcSymbols(file);
  if (symbols.length === 0) return null;
  const version = symbols.map((s) => s.version).reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
  return { version, symbols: symbols.filter((s) => s.version === version).map((s) => s.name) };
}

function main(argv) {
  const [file, flag, max] = argv;
  if (!file || (flag !== undefined && (flag !== '--max' || !/^\d+(\.\d+)*$/.test(max ?? '')))) {
    console.error('usage: glibc-floor.mjs <file> [--max <version, e.g. 2.17>]');
    return 2;
  }
  const floor = glibcFloor(file);
  if (floor === null) {
    console.log(`${file}: imports no GLIBC_ symbols (not a glibc binary)`);
    return max === undefined ? 0 : 1;
  }
  const more = floor.symbols.length > 6 ? ` and ${floor.symbols.length - 6} more` : '';
  console.log(`${file}: glibc floor ${floor.version} (needed by ${floor.symbols.slice(0, 6).join(', ')}${more})`);
  if (max !== undefined && compareVersions(floor.version, max) > 0) {
    console.error(`glibc floor ${floor.version} is above ${max}: the binary will not load on glibc ${max}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
