// scripts/release/glibc-floor.mjs: the release check that a Linux binary loads on glibc 2.17.
// Read on the development binary (linked against this machine's glibc) so the parse is checked
// against real readelf output; the release binary itself is checked by scripts/check-pack.sh.
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { compareVersions, glibcFloor, glibcSymbols } from '../../scripts/release/glibc-floor.mjs';

const script = resolve(__dirname, '../../scripts/release/glibc-floor.mjs');
const devBinary = resolve(__dirname, '../../tunenet.linux-x64-gnu.node');
const runningGlibc = (process.report.getReport() as { header: { glibcVersionRuntime: string } }).header
  .glibcVersionRuntime;

describe('compareVersions', () => {
  it('orders by number, not by string', () => {
    expect(compareVersions('2.3', '2.17')).toBe(-1);
    expect(compareVersions('2.17', '2.3')).toBe(1);
    expect(compareVersions('2.2.5', '2.3')).toBe(-1);
    expect(compareVersions('2.17', '2.17.0')).toBe(0);
  });
});

describe('glibcFloor', () => {
  it('reads every GLIBC_ import that objdump lists', () => {
    const objdump = execFileSync('objdump', ['-T', devBinary], { encoding: 'utf8' });
    const fromObjdump = new Set([...objdump.matchAll(/\(GLIBC_([0-9.]+)\)/g)].map((m) => m[1]));
    const fromReadelf = new Set(glibcSymbols(devBinary).map((s: { version: string }) => s.version));
    expect(fromReadelf.size).toBeGreaterThan(0);
    expect([...fromReadelf].sort()).toEqual([...fromObjdump].sort());
  });

  it('is the highest version imported, and this machine’s glibc satisfies it', () => {
    const floor = glibcFloor(devBinary);
    const versions: string[] = glibcSymbols(devBinary).map((s: { version: string }) => s.version);
    for (const v of versions) expect(compareVersions(v, floor.version)).toBeLessThanOrEqual(0);
    expect(floor.symbols.length).toBeGreaterThan(0);
    expect(compareVersions(floor.version, runningGlibc)).toBeLessThanOrEqual(0);
  });

  it('--max fails naming the floor when the binary needs a newer glibc, passes at the floor', () => {
    const { version } = glibcFloor(devBinary);
    const pass = spawnSync(process.execPath, [script, devBinary, '--max', version], { encoding: 'utf8' });
    expect(pass.status).toBe(0);
    expect(pass.stdout).toContain(`glibc floor ${version}`);
    const fail = spawnSync(process.execPath, [script, devBinary, '--max', '2.0'], { encoding: 'utf8' });
    expect(fail.status).toBe(1);
    expect(fail.stderr).toContain(`glibc floor ${version} is above 2.0`);
  });

  it('refuses a malformed --max', () => {
    const bad = spawnSync(process.execPath, [script, devBinary, '--max', 'latest'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage');
  });
});
