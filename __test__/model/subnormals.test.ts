// trainStep (on one thread) and predictSync compute on the JavaScript main thread with
// subnormals flushed to zero, as tunenet's own threads do; the thread's mode must come back
// before JavaScript runs again: its numbers keep IEEE subnormals (x86's flush bits apply to
// doubles too).
import { describe, expect, it } from 'vitest';
import { adam, dense, relu, sequential } from '../../src';

// Read at run time, so the JIT cannot fold the arithmetic away.
const tiny = JSON.parse('[5e-324, 2.5e-310, -1e-320]') as number[];
const subnormalsWork = () => tiny.every((v) => v * 2 !== 0 && (v * 2) / 2 === v);

describe('the main thread after a synchronous call', () => {
  it('still computes with subnormals after trainStep and predictSync', () => {
    expect(subnormalsWork()).toBe(true);
    const model = sequential({ inputSize: 3, seed: 1, threads: 1, optimizer: adam({ learningRate: 0.01 }), layers: [dense(8), relu(), dense(2)] });
    const x = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const y = Int32Array.from({ length: 10 }, (_, i) => i % 2);
    model.trainStep(x, y);
    expect(subnormalsWork()).toBe(true);
    model.predictSync(x);
    expect(subnormalsWork()).toBe(true);
  });
});
