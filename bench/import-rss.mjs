// What loading tunenet costs in memory, by the way it is loaded (issue 13, target 6):
//
//   node bench/import-rss.mjs [--rounds 10]
//
// Each round starts one fresh process per way, in turn, and reads its resident and anonymous
// memory once tunenet is loaded (and a bare node's, the floor). The ways:
//   require          require('tunenet'): dist/index.js through the CommonJS loader
//   import           import('tunenet'): dist/index.mjs, which requires dist/index.js (the ES entry now)
//   import-commonjs  an ES module importing dist/index.js itself, as dist/index.mjs did before
// The last has the ES-module loader lex the build, and each module it re-exports, for export names,
// with a lexer TurboFan compiles on background threads; that scratch memory stays in those threads'
// malloc arenas, so it shows in peak RSS for the rest of the process (scripts/write-esm-entry.mjs).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { commandLine, median, root } from './lib.mjs';

const rounds = Number(commandLine().option('rounds', '10'));
const dist = path.join(root, 'dist');
const measure = `const m = require('node:fs').readFileSync('/proc/self/smaps_rollup', 'utf8');
const kib = (k) => Number(m.match(new RegExp(k + ':\\\\s+(\\\\d+)'))[1]);
console.log(JSON.stringify({ rssMiB: kib('Rss') / 1024, anonMiB: kib('Anonymous') / 1024 }));`;
const esmMeasure = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${measure}`;
const ways = {
  node: ['-e', measure],
  require: ['-e', `require(${JSON.stringify(path.join(dist, 'index.js'))});\n${measure}`],
  import: ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(path.join(dist, 'index.mjs')).href)});\n${esmMeasure}`],
  'import-commonjs': ['--input-type=module', '-e', `import cjs from ${JSON.stringify(pathToFileURL(path.join(dist, 'index.js')).href)};\n${esmMeasure}`],
};

const samples = Object.fromEntries(Object.keys(ways).map((w) => [w, []]));
for (let r = 0; r < rounds; r++) {
  for (const [way, args] of Object.entries(ways)) {
    const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`import-rss: ${way} failed\n${child.stderr}`);
    samples[way].push(JSON.parse(child.stdout.trim().split('\n').pop()));
  }
}

const fmt = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
console.log(`tunenet loaded three ways, ${rounds} processes each; MiB, median (min–max):`);
console.log(`${'way'.padEnd(16)} ${'RSS'.padEnd(18)} anonymous`);
for (const [way, xs] of Object.entries(samples)) {
  console.log(`${way.padEnd(16)} ${fmt(xs.map((x) => x.rssMiB)).padEnd(18)} ${fmt(xs.map((x) => x.anonMiB))}`);
}
const rss = (way) => median(samples[way].map((x) => x.rssMiB));
console.log(`import − require: ${(rss('import') - rss('require')).toFixed(1)} MiB; import-commonjs − import: ${(rss('import-commonjs') - rss('import')).toFixed(1)} MiB`);
