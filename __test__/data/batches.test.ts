// miniBatches: every row once per pass, rows and labels kept together, partial last batch or
// dropLast, reproducible shuffles from the portable RNG, usable with trainStep, bad input named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dense, miniBatches, reference, relu, sequential } from '../../src';
import { blobs } from '../model/helpers';

const { Rng, RngStream } = reference;

/** Row i of x is [i, −i]; y[i] = i % 3. */
function rows(m: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(m * 2);
  const y = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    y[i] = i % 3;
  }
  return { x, y };
}

describe('miniBatches', () => {
  it('covers every row exactly once with its label, in batches of batchSize and a partial last one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.integer({ min: 1, max: 50 }), fc.boolean(), fc.integer({ min: 0, max: 99 }), (m, batchSize, shuffle, seed) => {
        const { x, y } = rows(m);
        const batches = [...miniBatches(x, y, { features: 2, batchSize, shuffle, seed })];
        expect(batches.map((b) => b.indices.length)).toEqual(
          Array.from({ length: Math.ceil(m / batchSize) }, (_, k) => Math.min(batchSize, m - k * batchSize)),
        );
        const seen: number[] = [];
        for (const b of batches) {
          b.indices.forEach((r, i) => {
            expect(b.x[2 * i]).toBe(r);
            expect(b.x[2 * i + 1]).toBe(-r);
            expect(b.y[i]).toBe(r % 3);
          });
          seen.push(...b.indices);
        }
        expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: m }, (_, i) => i));
        if (!shuffle) expect(seen).toEqual(Array.from({ length: m }, (_, i) => i));
      }),
      { numRuns: 150 },
    );
  });

  it('dropLast skips a short last batch', () => {
    const { x, y } = rows(10);
    const sizes = [...miniBatches(x, y, { features: 2, batchSize: 4, dropLast: true })].map((b) => b.indices.length);
    expect(sizes).toEqual([4, 4]);
    expect([...miniBatches(x, y, { features: 2, batchSize: 5, dropLast: true })].map((b) => b.indices.length)).toEqual([5, 5]);
  });

  it('shuffles with the SHUFFLE stream of the seed: reproducible, and seeds differ', () => {
    const { x, y } = rows(50);
    const order = (opts: { seed?: number }) => [...miniBatches(x, y, { features: 2, batchSize: 7, ...opts })].flatMap((b) => [...b.indices]);
    const expected = Array.from({ length: 50 }, (_, i) => i);
    Rng.withStream(9, RngStream.SHUFFLE).shuffle(expected);
    expect(order({ seed: 9 })).toEqual(expected);
    expect(order({ seed: 9 })).toEqual(order({ seed: 9 }));
    expect(order({ seed: 10 })).not.toEqual(order({ seed: 9 }));
    expect(order({})).toEqual(order({ seed: 0 }));
  });

  it('one rng shared across calls gives a new order each epoch, reproducibly', () => {
    const { x, y } = rows(30);
    const epochs = (n: number) => {
      const rng = Rng.withStream(4, RngStream.SHUFFLE);
      return Array.from({ length: n }, () => [...miniBatches(x, y, { features: 2, batchSize: 30, rng })][0].indices.join(','));
    };
    const [a, b] = epochs(2);
    expect(a).not.toEqual(b);
    expect(epochs(2)).toEqual([a, b]);
  });

  it('keeps y type and label-matrix rows; unshuffled batches are views, shuffled ones copies', () => {
    const x = Float32Array.from([0, 1, 2, 3, 4, 5]); // 3 rows of 2
    const y = Float32Array.from([1, 0, 0, 1, 1, 0]); // [3, 2] one-hot
    const [view] = [...miniBatches(x, y, { features: 2, batchSize: 2, shuffle: false })];
    expect(view.x.buffer).toBe(x.buffer);
    expect(Array.from(view.y)).toEqual([1, 0, 0, 1]);
    const batches = [...miniBatches(x, y, { features: 2, batchSize: 3, seed: 2 })];
    expect(batches[0].x.buffer).not.toBe(x.buffer);
    batches[0].indices.forEach((r, i) => expect(Array.from(batches[0].y.subarray(2 * i, 2 * i + 2))).toEqual(Array.from(y.subarray(2 * r, 2 * r + 2))));
    const u8 = [...miniBatches(x, Uint8Array.from([2, 1, 0]), { features: 2 })][0].y;
    expect(u8).toBeInstanceOf(Uint8Array);
    const plain = [...miniBatches([[1, 2], [3, 4]], [0, 1], { shuffle: false })][0];
    expect(plain.y).toBeInstanceOf(Float32Array);
    expect(Array.from(plain.x)).toEqual([1, 2, 3, 4]);
  });

  it('drives a hand-written training loop with trainStep', async () => {
    const data = blobs(3, 40, 3, 4, 4, 1);
    const model = sequential({ inputSize: 4, seed: 2, threads: 1, layers: [dense(16), relu(), dense(3)] });
    const before = await model.evaluate(data.x, data.y);
    const rng = Rng.withStream(1, RngStream.SHUFFLE);
    for (let epoch = 0; epoch < 15; epoch++) {
      for (const batch of miniBatches(data.x, data.y, { features: 4, batchSize: 16, rng })) model.trainStep(batch.x, batch.y, 0.01);
    }
    const after = await model.evaluate(data.x, data.y);
    expect(after.loss).toBeLessThan(before.loss / 2);
    expect(after.accuracy).toBeGreaterThan(0.9);
  });

  describe('bad input is rejected when called, naming the argument', () => {
    const { x, y } = rows(6);
    it.each([
      ['missing features for flat x', () => miniBatches(x, y), /^miniBatches: features: required for flat x \(the number of columns of x\)$/],
      ['features 0', () => miniBatches(x, y, { features: 0 }), /^miniBatches: features: must be an integer in \[1, 1000000000\], got 0$/],
      ['batchSize 0', () => miniBatches(x, y, { features: 2, batchSize: 0 }), /^miniBatches: batchSize: must be an integer in \[1, 1000000000\], got 0$/],
      ['batchSize 2.5', () => miniBatches(x, y, { features: 2, batchSize: 2.5 }), /^miniBatches: batchSize: must be an integer in \[1, 1000000000\], got 2\.5$/],
      ['a non-boolean shuffle', () => miniBatches(x, y, { features: 2, shuffle: 1 as unknown as boolean }), /^miniBatches: shuffle: expected true or false, got 1$/],
      ['a negative seed', () => miniBatches(x, y, { features: 2, seed: -1 }), /^miniBatches: seed: must be an integer in \[0, 2\^53 − 1\], got -1$/],
      ['a non-Rng rng', () => miniBatches(x, y, { features: 2, rng: {} as never }), /^miniBatches: rng: expected an Rng \(reference\.Rng\), got an Object$/],
      ['x not whole rows', () => miniBatches(new Float32Array(5), y, { features: 2 }), /^miniBatches: x: 5 values is not a whole number of rows of 2 features$/],
      ['empty x', () => miniBatches(new Float32Array(0), y, { features: 2 }), /^miniBatches: x: is empty$/],
      ['ragged nested x', () => miniBatches([[1, 2], [3]], [0, 1]), /^miniBatches: x: row 1 has 1 values, expected 2$/],
      ['x not an array', () => miniBatches('x' as never, y, { features: 2 }), /^miniBatches: x: expected a Float32Array, Float64Array or array of rows, got the string 'x'$/],
      ['y rows not matching x', () => miniBatches(x, new Int32Array(4), { features: 2 }), /^miniBatches: y: has 4 values for the 6 rows of x; expected 6 labels or an \[6, k\] matrix$/],
      ['empty y', () => miniBatches(x, new Int32Array(0), { features: 2 }), /^miniBatches: y: is empty$/],
      ['y not an array', () => miniBatches(x, 3 as never, { features: 2 }), /^miniBatches: y: expected a typed array or number\[\] of labels, got 3$/],
      ['dropLast with batchSize > m', () => miniBatches(x, y, { features: 2, batchSize: 7, dropLast: true }), /^miniBatches: batchSize: 7 exceeds the 6 examples and dropLast is set, so no batch would be yielded$/],
      ['an unknown option', () => miniBatches(x, y, { features: 2, batch_size: 4 } as never), /^miniBatches options: unknown option 'batch_size' \(did you mean 'batchSize'\?\)$/],
      ['null options', () => miniBatches(x, y, null as never), /^miniBatches options: expected an options object, got null$/],
      ['an infinite batchSize', () => miniBatches(x, y, { features: 2, batchSize: Infinity }), /^miniBatches: batchSize: must be an integer in \[1, 1000000000\], got Infinity$/],
      ['a BigInt batchSize', () => miniBatches(x, y, { features: 2, batchSize: 2n } as never), /^miniBatches: batchSize: expected an integer in \[1, 1000000000\], got a BigInt \(2n\)$/],
      ['a string seed', () => miniBatches(x, y, { features: 2, seed: '1' } as never), /^miniBatches: seed: expected an integer in \[0, 2\^53 − 1\], got the string '1'$/],
      ['a non-boolean dropLast', () => miniBatches(x, y, { features: 2, dropLast: 'no' } as never), /^miniBatches: dropLast: expected true or false, got the string 'no'$/],
      // Before, a mistyped width allocated rows × features first (1e9 → a 4 GB array).
      ['a huge features for nested x', () => miniBatches([[1, 2]], [0], { features: 1e9 }), /^miniBatches: x: row 0 has 2 values, expected 1000000000$/],
      // Before, these became NaN in the Float32Array copy without a word.
      ['a string in flat x', () => miniBatches([1, 'a', 3, 4] as never, [0, 1], { features: 2 }), /^miniBatches: x: element 1: expected a number, got the string 'a'$/],
      ['a string label', () => miniBatches(x, ['a', 0, 1, 0, 1, 0] as never, { features: 2 }), /^miniBatches: y\[0\]: expected a finite number, got the string 'a'$/],
      ['a NaN label', () => miniBatches(x, Float32Array.from([0, NaN, 1, 0, 1, 0]), { features: 2 }), /^miniBatches: y: element 1 is NaN, expected a finite number$/],
      ['BigInt labels', () => miniBatches(x, new BigInt64Array(6) as never, { features: 2 }), /^miniBatches: y: expected a typed array or number\[\] of labels, got a BigInt64Array$/],
      ['a detached x', () => {
        const d = new Float32Array(12);
        structuredClone(d.buffer, { transfer: [d.buffer] });
        return miniBatches(d, y, { features: 2 });
      }, /^miniBatches: x: its ArrayBuffer is detached/],
    ])('%s', (_, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
