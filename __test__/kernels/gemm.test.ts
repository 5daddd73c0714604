// gemm and gemmF64 (C = α·op(A)·op(B) + β·C): hand-computed cases, property tests against the
// reference, bad input. Conventions, tolerances and arbitraries: helpers.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as N from '../../src/kernels';
import * as R from '../../src/reference';
import { RUNS, U, U64, f32, f64, f, d, within, same, dim, f32Value, f32Array, magnitude, type Kernel, type Case, NAN_INF, badInput } from './helpers';

describe('hand-computed', () => {
  // A = [[1,2,3],[4,5,6]] (2×3), B = [[7,8],[9,10],[11,12]] (3×2):
  // A·B = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58,64],[139,154]].
  const A = f32(1, 2, 3, 4, 5, 6);
  const B = f32(7, 8, 9, 10, 11, 12);
  const At = f32(1, 4, 2, 5, 3, 6); // Aᵀ stored [k, m] = [3, 2]
  const Bt = f32(7, 9, 11, 8, 10, 12); // Bᵀ stored [n, k] = [2, 3]

  it('computes A·B for every transpose combination (small integers are exact in f32)', () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const threads of [1, 2]) {
        const c = N.gemm(transA ? At : A, transB ? Bt : B, null, { m: 2, n: 2, k: 3, transA, transB, threads });
        expect(Array.from(c)).toEqual([58, 64, 139, 154]);
      }
    }
  });

  it('alpha and beta: 2·A·B − 1·C with C = 1 gives [115, 127, 277, 307]', () => {
    const c = f32(1, 1, 1, 1);
    expect(Array.from(N.gemm(A, B, c, { m: 2, n: 2, k: 3, alpha: 2, beta: -1 }))).toEqual([115, 127, 277, 307]);
    expect(Array.from(c)).toEqual([1, 1, 1, 1]); // input untouched
  });

  it('beta = 0 ignores NaN in C', () => {
    const c = f32(NaN, NaN, NaN, NaN);
    expect(Array.from(N.gemm(A, B, c, { m: 2, n: 2, k: 3, beta: 0 }))).toEqual([58, 64, 139, 154]);
  });

  it('gemmF64 gives the same exact product', () => {
    const c = N.gemmF64(Float64Array.from(A), Float64Array.from(B), null, { m: 2, n: 2, k: 3 });
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });
});

describe('property: native vs reference', () => {
  describe('gemm (f32) against the reference', () => {
    // Tolerance: native accumulates op(A)·op(B) in f32 (FMA micro-kernels, blocked order), then
    // scales by α and adds β·C; the reference sums in f64. For any summation order the f32 error is
    // ≤ (k−1)·u·Σ_p|a||b| to first order, plus one rounding each for α·(…), β·c and the final add:
    //   |C_nat − C_ref| ≤ (k + 4)·u·(|α|·Σ_p |a_ip||b_pj| + |β|·|c_ij|)
    //                     + (1 + |α|)·2^-149·(k + 2 + Σ_p|a_ip| + Σ_p|b_pj|).
    // The last term is underflow: the gemm crate applies α while packing an operand, so α·a_ip can
    // round to the subnormal grid (2^-150) before it meets b_pj (seen with a = 2^-149, α = −1.45:
    // native −17·2^-149, exact −24.3·2^-149).
    function gemmCase(transA: fc.Arbitrary<boolean>, transB: fc.Arbitrary<boolean>) {
      return fc
        .record({ m: dim, n: dim, k: dim, transA, transB, bound: magnitude })
        .chain(({ m, n, k, transA, transB, bound }) =>
          fc.record({
            m: fc.constant(m),
            n: fc.constant(n),
            k: fc.constant(k),
            transA: fc.constant(transA),
            transB: fc.constant(transB),
            a: f32Array(m * k, bound),
            b: f32Array(k * n, bound),
            c: f32Array(m * n, bound),
            alpha: fc.oneof(fc.constantFrom(1, 0, -1, 0.5, 0.1), f32Value(4)),
            beta: fc.oneof(fc.constantFrom(0, 1, -2.5, 0.1), f32Value(4)),
            threads: fc.constantFrom(1, 2),
          }),
        );
    }

    function checkGemm(label: string, x: {
      m: number; n: number; k: number; transA: boolean; transB: boolean;
      a: Float32Array; b: Float32Array; c: Float32Array; alpha: number; beta: number; threads: number;
    }): void {
      const { m, n, k, transA, transB, a, b, c, alpha, beta, threads } = x;
      const got = N.gemm(a, b, c, { m, n, k, transA, transB, alpha, beta, threads });
      const want = f64(c);
      R.gemm({ m, n, k, transA, transB }, alpha, f64(a), f64(b), beta, want);
      // Σ|a||b| through the reference itself, on absolute values.
      const absA = f64(a).map(Math.abs);
      const absB = f64(b).map(Math.abs);
      const mag = new Float64Array(m * n);
      R.gemm({ m, n, k, transA, transB }, 1, absA, absB, 0, mag);
      // Row sums Σ_p|op(A)_ip| and column sums Σ_p|op(B)_pj| (a ones vector reads the same either way).
      const rowA = new Float64Array(m);
      R.gemm({ m, n: 1, k, transA }, 1, absA, new Float64Array(k).fill(1), 0, rowA);
      const colB = new Float64Array(n);
      R.gemm({ m: 1, n, k, transB }, 1, new Float64Array(k).fill(1), absB, 0, colB);
      within(label, got, want, (idx) =>
        (k + 4) * U * (Math.abs(alpha) * mag[idx] + (beta === 0 ? 0 : Math.abs(beta * c[idx]))) +
        (1 + Math.abs(alpha)) * 2 ** -149 * (k + 2 + rowA[Math.floor(idx / n)] + colB[idx % n]),
      );
      // The input C is never modified (outputs are new arrays).
      expect(got).not.toBe(c);
    }

    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      it(`transA=${transA} transB=${transB}, alpha/beta, 1 and 2 threads`, () => {
        fc.assert(
          fc.property(gemmCase(fc.constant(transA), fc.constant(transB)), (x) => {
            const before = Float32Array.from(x.c);
            checkGemm('gemm', x);
            same('c untouched', x.c, before);
          }),
          RUNS,
        );
      });
    }

    it('beta = 0 never reads C: NaN / Infinity in C do not leak, and C may be omitted', () => {
      fc.assert(
        fc.property(
          gemmCase(fc.boolean(), fc.boolean()),
          fc.constantFrom(NaN, Infinity, -Infinity),
          (x, poison) => {
            const { m, n, k, transA, transB, a, b, alpha, threads } = x;
            const c = new Float32Array(m * n).fill(poison);
            const got = N.gemm(a, b, c, { m, n, k, transA, transB, alpha, beta: 0, threads });
            const omitted = N.gemm(a, b, null, { m, n, k, transA, transB, alpha, threads });
            for (let i = 0; i < got.length; i++) {
              if (!Number.isFinite(got[i])) throw new Error(`C[${i}] = ${got[i]} leaked from C`);
            }
            // Same product, so the same bits whether C was poisoned or absent.
            same('poisoned C vs no C', got, omitted);
            checkGemm('gemm beta=0', { ...x, c: new Float32Array(m * n), beta: 0 });
          },
        ),
        RUNS,
      );
    });

    it('2 threads agree with 1 thread within the same bound', () => {
      fc.assert(
        fc.property(gemmCase(fc.boolean(), fc.boolean()), (x) => {
          checkGemm('gemm threads=1', { ...x, threads: 1 });
          checkGemm('gemm threads=2', { ...x, threads: 2 });
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('gemmF64 against the reference', () => {
    // Tolerance: both sum k products in f64, in different orders; each side is within
    // (k−1)·2^-53·Σ|a||b| of the exact value, so their difference is ≤ (2k + 8)·2^-53·(|α|Σ|a||b| + |β c|).
    it('matches the f64 reference for all transposes', () => {
      const f64Value = fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
        fc.integer({ min: -1e6, max: 1e6 }).map((i) => i / 997),
        fc.constantFrom(0, -0, 1),
      );
      const arr = (len: number) => fc.array(f64Value, { minLength: len, maxLength: len }).map((a) => Float64Array.from(a));
      fc.assert(
        fc.property(
          fc.record({ m: dim, n: dim, k: dim, transA: fc.boolean(), transB: fc.boolean() }).chain((s) =>
            fc.record({
              s: fc.constant(s),
              a: arr(s.m * s.k),
              b: arr(s.k * s.n),
              c: arr(s.m * s.n),
              alpha: fc.oneof(fc.constantFrom(1, 0.1, -3), fc.double({ min: -4, max: 4, noNaN: true })),
              beta: fc.oneof(fc.constantFrom(0, 1, 0.1), fc.double({ min: -4, max: 4, noNaN: true })),
              threads: fc.constantFrom(1, 2),
            }),
          ),
          ({ s, a, b, c, alpha, beta, threads }) => {
            const got = N.gemmF64(a, b, c, { ...s, alpha, beta, threads });
            const want = Float64Array.from(c);
            R.gemm(s, alpha, a, b, beta, want);
            const mag = new Float64Array(s.m * s.n);
            R.gemm(s, 1, a.map(Math.abs), b.map(Math.abs), 0, mag);
            within('gemmF64', got, want, (i) =>
              (2 * s.k + 8) * U64 * (Math.abs(alpha) * mag[i] + Math.abs(beta * c[i])) + 1e-300,
            );
          },
        ),
        RUNS,
      );
    });
  });
});

// A = [[1,2,3],[4,5,6]] (2×3), B = 3×2, C = 2×2.
const A = f(1, 2, 3, 4, 5, 6);
const B = f(7, 8, 9, 10, 11, 12);
const C = f(1, 1, 1, 1);
const G = { m: 2, n: 2, k: 3 };

const cases: Partial<Record<Kernel, Case[]>> = {
  gemm: [
    ['b mismatched', () => N.gemm(A, f(1, 2, 3), null, G), /\bb: expected 3×2 = 6 elements, got 3\b/],
    ['b mismatched (transB)', () => N.gemm(A, f(1, 2, 3, 4), null, { ...G, transB: true }), /\bb: expected 2×3 = 6 elements, got 4\b/],
    ['a mismatched (transA)', () => N.gemm(f(1, 2), B, null, { ...G, transA: true }), /\ba: expected 3×2 = 6 elements, got 2\b/],
    ['c mismatched', () => N.gemm(A, B, f(1, 2, 3), { ...G, beta: 1 }), /\bc: expected 2×2 = 4 elements, got 3\b/],
    ['c mismatched even with beta = 0', () => N.gemm(A, B, f(1, 2, 3), G), /\bc: expected 2×2 = 4 elements, got 3\b/],
    ['c missing while beta ≠ 0', () => N.gemm(A, B, null, { ...G, beta: 0.5 }), /\bc: is required when beta ≠ 0/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.gemm(f(1, 2, 3, 4, v, 6), B, null, G), new RegExp(`\\ba: element 4 is ${s}, expected a finite number`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in b`, () => N.gemm(A, f(v, 8, 9, 10, 11, 12), null, G), new RegExp(`\\bb: element 0 is ${s}, expected a finite number`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in c with beta ≠ 0`, () => N.gemm(A, B, f(1, v, 1, 1), { ...G, beta: 1 }), new RegExp(`\\bc: element 1 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`alpha = ${s}`, () => N.gemm(A, B, null, { ...G, alpha: v }), /\balpha: must be a finite number/]),
    ...NAN_INF.map(([v, s]): Case => [`beta = ${s}`, () => N.gemm(A, B, C, { ...G, beta: v }), /\bbeta: must be a finite number/]),
    ['threads = 0', () => N.gemm(A, B, null, { ...G, threads: 0 }), /\bthreads: must be a positive integer, got 0/],
  ],
  gemmF64: [
    ['b mismatched', () => N.gemmF64(d(...A), d(1, 2), null, G), /\bb: expected 3×2 = 6 elements, got 2\b/],
    ['a mismatched', () => N.gemmF64(d(1), d(...B), null, G), /\ba: expected 2×3 = 6 elements, got 1\b/],
    ['c mismatched', () => N.gemmF64(d(...A), d(...B), d(1), { ...G, beta: 1 }), /\bc: expected 2×2 = 4 elements, got 1\b/],
    ['c missing while beta ≠ 0', () => N.gemmF64(d(...A), d(...B), null, { ...G, beta: 2 }), /\bc: is required/],
    ...NAN_INF.map(([v, s]): Case => [`${s} in a`, () => N.gemmF64(d(v, 2, 3, 4, 5, 6), d(...B), null, G), new RegExp(`\\ba: element 0 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in b`, () => N.gemmF64(d(...A), d(7, 8, 9, 10, 11, v), null, G), new RegExp(`\\bb: element 5 is ${s}`)]),
    ...NAN_INF.map(([v, s]): Case => [`${s} in c with beta ≠ 0`, () => N.gemmF64(d(...A), d(...B), d(1, 1, v, 1), { ...G, beta: 2 }), new RegExp(`\\bc: element 2 is ${s}`)]),
    ['alpha = NaN', () => N.gemmF64(d(...A), d(...B), null, { ...G, alpha: NaN }), /\balpha: must be a finite number/],
    ['threads = 0', () => N.gemmF64(d(...A), d(...B), null, { ...G, threads: 0 }), /\bthreads: must be a positive integer/],
  ],
};

badInput('gemm', cases);
