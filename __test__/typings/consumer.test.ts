// The published typings compile in a consumer project under `tsc --strict` without
// skipLibCheck, for both module systems: every export of the package is referenced, so every
// declaration file it reaches (dist/*.d.ts and napi's generated index.d.ts) is checked.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tunenet from '../../src';

const root = path.resolve(__dirname, '../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-consumer-'));
  await fs.mkdir(path.join(dir, 'node_modules/@types'), { recursive: true });
  // The package as a consumer installs it (its package.json "exports" and "types"), by link.
  await fs.symlink(root, path.join(dir, 'node_modules/tunenet'));
  await fs.symlink(path.join(root, 'node_modules/@types/node'), path.join(dir, 'node_modules/@types/node'));
  const names = Object.keys(tunenet).filter((n) => n !== 'default');
  const source = [
    "import * as t from 'tunenet';",
    `const everyExport = [${names.map((n) => `t.${n}`).join(', ')}];`,
    'const model: t.Sequential = t.sequential({ inputSize: 2, layers: [t.dense(4), t.relu(), t.dense(2)], optimizer: t.adam() });',
    'const options: t.FitOptions = { epochs: 1, callbacks: [{ onEpochEnd: (log: t.EpochLog) => void log.trainLoss }] };',
    'const state: Promise<t.ModelState> = model.exportState();',
    'export { everyExport, options, state };',
  ].join('\n');
  await fs.writeFile(path.join(dir, 'index.ts'), source);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('typings in a consumer project', () => {
  it.each([
    ['nodenext', 'nodenext'],
    ['commonjs', 'node'],
  ])('compile with --strict, module %s, no skipLibCheck', async (module, moduleResolution) => {
    const config = { compilerOptions: { strict: true, module, moduleResolution, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['index.ts'] };
    await fs.writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(config));
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      output = `${(e as { stdout?: string }).stdout ?? ''}${(e as { stderr?: string }).stderr ?? ''}`;
    }
    expect(output).toBe('');
    expect(Object.keys(tunenet).length).toBeGreaterThan(50);
  });
});
