import { it, expect } from 'vitest';
import { dense, relu, sequential } from '../../src';
import { blobs, bytesOf } from './helpers';
it('x', async () => {
  const d = blobs(1, 400, 3, 64);
  const mk = (threads: number) => sequential({ inputSize: 64, seed: 1, threads, layers: [dense(300), relu(), dense(300), relu(), dense(3)] });
  const a = mk(1), b = mk(2), c = mk(4);
  for (const m of [a, b, c]) await m.fit(d.x, d.y, { epochs: 2, batchSize: 600 });
  console.log(bytesOf(a.getTensor(0, 'W')).equals(bytesOf(b.getTensor(0, 'W'))), bytesOf(a.getTensor(0, 'W')).equals(bytesOf(c.getTensor(0, 'W'))));
});
