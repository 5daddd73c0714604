// A tensor's values as TensorFlow's HistogramProto holds them: min, max, count, sum, sum of
// squares, and buckets given by their right edges (`bucketLimit[i]` closes bucket i).
//
// Buckets: `bucketCount` (default 30, as tf.summary.histogram) equal-width buckets between the
// minimum and the maximum. Bucket i holds [edge_i, edge_(i+1)), the last one [edge_(n−1), max]
// (numpy.histogram's convention), so every value lands in exactly one bucket and the last limit
// is the maximum itself, which TensorBoard reads as the right edge of the last bucket. A
// constant tensor (min = max) is one bucket at that value; an empty one has none.
export interface Histogram {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

export const DEFAULT_BUCKET_COUNT = 30;

export function histogramOf(values: ArrayLike<number>, bucketCount = DEFAULT_BUCKET_COUNT): Histogram {
  const num = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < num; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSquares += v * v;
  }
  if (num === 0) return { min: 0, max: 0, num, sum, sumSquares, bucketLimit: [], bucket: [] };
  if (min === max) return { min, max, num, sum, sumSquares, bucketLimit: [max], bucket: [num] };

  const n = bucketCount;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? max : min + ((max - min) * i) / n));
  const bucket = new Array<number>(n).fill(0);
  const width = (max - min) / n;
  for (let i = 0; i < num; i++) {
    const v = values[i];
    // The division guesses the bucket; the edges decide it, so a value never lands outside the
    // limits written next to its count because of rounding.
    let b = Math.min(n - 1, Math.floor((v - min) / width));
    while (b > 0 && v < edges[b]) b--;
    while (b < n - 1 && v >= edges[b + 1]) b++;
    bucket[b]++;
  }
  return { min, max, num, sum, sumSquares, bucketLimit: edges.slice(1), bucket };
}
