// The ES-module entry (dist/index.mjs, written by scripts/write-esm-entry.mjs) in a fresh Node
// process: `import` and `require` give the one same instance, every name of the CommonJS build is
// exported, and the entry reaches that build through require, never through the ES-module loader
// (which would lex the build for export names and cost 3–7 MiB of peak RSS: bench/import-rss.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const entry = pathToFileURL(path.join(root, 'dist', 'index.mjs')).href;
const commonjs = path.join(root, 'dist', 'index.js');

/** A resolve hook on the loader's thread posting each URL the ES-module loader resolves. */
const RESOLVE_HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}`;

const probe = `
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
port1.unref();
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}), { data: { port: port2 }, transferList: [port2] });
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
