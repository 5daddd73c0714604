// Issue 8.6: a model (or data set) inside the size limits whose memory cannot be had throws an
// Error naming the layer and the bytes, instead of aborting Node. Run in a child process whose
// address space is capped (ulimit -v), so the allocation really fails.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(__dirname, '../../dist/index.js');

function underMemoryCap(script: string): { status: number | null; signal: NodeJS.Signals | null; out: string } {
  const r = spawnSync('bash', ['-c', `ulimit -v 6000000; exec node -e "$0"`, script], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, out: `${r.stdout}${r.stderr}` };
}

describe('allocation failure', () => {
  it('a 30,000 × 30,000 dense layer (3.6 GB of weights) throws naming the layer and the bytes', () => {
    const r = underMemoryCap(`
      const t = require(${JSON.stringify(dist)});
      try { t.sequential({ inputSize: 30000, layers: [t.dense(30000), t.dense(2)] }); console.log('built'); }
      catch (e) { console.log('ERROR ' + e.message); }
      const small = t.sequential({ inputSize: 4, layers: [t.dense(2)] });
      console.log('alive ' + small.outputSize);`);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/ERROR sequential: layers\[0\]: cannot allocate 3600000000 bytes/);
    expect(r.out).toMatch(/alive 2/);
  });

  it('a data set that cannot be allocated throws naming x and the bytes', () => {
    const r = underMemoryCap(`
      const t = require(${JSON.stringify(path.resolve(__dirname, '../../dist/backends.js'))});
      // 2e9 rows × 4 features: 32 GB; the backend allocates before anything is copied into it.
      try { t.nativeBackend.createDataset(2e9, 4, 1); console.log('allocated'); }
      catch (e) { console.log('ERROR ' + e.message); }
      console.log('alive');`);
    expect(r.signal).toBeNull();
    expect(r.out).toMatch(/ERROR data: x: cannot allocate 32000000000 bytes/);
    expect(r.out).toMatch(/alive/);
  });
});
