// The ES-module entry (dist/index.mjs, written by scripts/write-esm-entry.mjs) in a fresh Node
// process: `import` and `require` give the one same instance, every name of the CommonJS build is
// exported, and the entry reaches that build through require, never through the ES-module loader
// (which would lex the build for export names and cost 3–7 MiB of peak RSS: bench/import-rss.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectResolvedUrls } from '../helpers/resolvedUrls';

const root = path.resolve(__dirname, '../..');
const entry = pathToFileURL(path.join(root, 'dist', 'index.mjs')).href;
const commonjs = path.join(root, 'dist', 'index.js');

const probe = `
${collectResolvedUrls('module')}import { createRequire } from 'node:module';
const esm = await import(${JSON.stringify(entry)});
const cjs = createRequire(import.meta.url)(${JSON.stringify(commonjs)});
await new Promise((r) => setTimeout(r, 200)); // the hook's messages arrive asynchronously
const names = Object.keys(cjs).filter((n) => n !== 'default' && n !== '__esModule');
console.log(JSON.stringify({
  sameDefault: esm.default === cjs,
  missing: names.filter((n) => !(n in esm)),
  different: names.filter((n) => esm[n] !== cjs[n]),
  extra: Object.keys(esm).filter((n) => n !== 'default' && !names.includes(n)),
  names: names.length,
  resolvedInDist: resolved.filter((u) => u.includes('/dist/')),
}));`;

describe('the ES-module entry', () => {
  it('exports the CommonJS instance by name and loads it with require', () => {
    if (!existsSync(commonjs)) throw new Error(`${commonjs} is missing: run \`npm run build:ts\` first`);
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(r.stderr.replace(/^\(node:\d+\) ExperimentalWarning.*\n(\(Use .*\n)?/gm, '')).toBe('');
    const result = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(result.sameDefault).toBe(true);
    expect(result.missing).toEqual([]);
    expect(result.different).toEqual([]);
    expect(result.extra).toEqual([]);
    expect(result.names).toBeGreaterThan(50);
    // Only the entry itself passes through the ES-module loader; dist/index.js does not.
    expect(result.resolvedInDist).toEqual([entry]);
  });
});
