// histogramOf: every value in exactly one bucket, the bucket its edges say, equal widths.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET_COUNT, histogramOf } from '../../src/io/tensorboard';

/** Counts per bucket, from the edges alone: [edge_i, edge_(i+1)), the last one closed. */
function countByEdges(values: ArrayLike<number>, min: number, limits: number[]): number[] {
  const edges = [min, ...limits];
  return limits.map((_, i) => Array.from(values).filter((v) => v >= edges[i] && (i === limits.length - 1 ? v <= edges[i + 1] : v < edges[i + 1])).length);
}

describe('histogramOf', () => {
  it('summarises and buckets any float32 values', () => {
    const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    fc.assert(
      fc.property(fc.array(f32, { minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (list, n) => {
        const values = Float32Array.from(list);
        const h = histogramOf(values, n);
        const sorted = Array.from(values).sort((a, b) => a - b);
        expect(h.num).toBe(values.length);
        expect(h.min).toBe(sorted[0]);
        expect(h.max).toBe(sorted.at(-1));
        // f64 sums in another order: equal up to rounding relative to the magnitudes added.
        const sum = sorted.reduce((a, b) => a + b, 0);
        expect(Math.abs(h.sum - sum)).toBeLessThanOrEqual(1e-12 * sorted.reduce((a, b) => a + Math.abs(b), 1));
        expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(values.length);
        expect(h.bucket).toEqual(countByEdges(values, h.min, h.bucketLimit));
        expect(h.bucketLimit.at(-1)).toBe(h.max);
        if (h.min === h.max) {
          expect(h.bucket).toEqual([values.length]);
        } else {
          expect(h.bucket.length).toBe(n);
          const width = (h.max - h.min) / n;
          [h.min, ...h.bucketLimit].slice(1).forEach((edge, i, all) => {
            const previous = i === 0 ? h.min : all[i - 1];
            expect(edge - previous).toBeCloseTo(width, 6);
          });
        }
      }),
      { seed: 10_10, numRuns: 200 },
    );
  });

  it('defaults to 30 buckets and sums squares', () => {
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const h = histogramOf(values);
    expect(DEFAULT_BUCKET_COUNT).toBe(30);
    expect(h.bucket.length).toBe(30);
    expect(h.sumSquares).toBeCloseTo(Array.from(values).reduce((a, v) => a + v * v, 0), 9);
  });

  it('an empty tensor has no buckets', () => {
    expect(histogramOf(new Float32Array(0))).toEqual({ min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] });
  });
});
