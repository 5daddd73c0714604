// Search spaces: the scales the draws are uniform on (the property test: α in [1e-4, 1]
// puts ≈ 25% in each decade; β = 1 − 10^r in [0.9, 0.999] puts ≈ half above 0.99), bounds,
// zooming for coarse to fine, and bad input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { choice, integer, logUniform, oneMinusLogUniform, reference, sample, uniform, zoom, type Space } from '../../src';

const { Rng, RngStream } = reference;
const searchRng = (seed: number) => Rng.withStream(seed, RngStream.SEARCH);

// 20,000 draws per run: a share p = 0.25 has standard deviation √(p(1−p)/n) ≈ 0.0031 and p = 0.5
// has ≈ 0.0035, so a tolerance of ±0.02 is more than 5.5σ: no false alarms, yet a linear-scale
// draw (which would put 90% in the top decade) fails by far.
const SAMPLES = 20_000;
const TOLERANCE = 0.02;

describe('log scales (property)', () => {
  it('logUniform(1e-4, 1) puts ≈ 25% of α in each decade (20k samples, ±0.02)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const rng = searchRng(seed);
        const space = { alpha: logUniform(1e-4, 1) };
        const counts = [0, 0, 0, 0];
        let [min, max] = [Infinity, -Infinity];
        for (let i = 0; i < SAMPLES; i++) {
          const a = sample(space, rng).alpha;
          [min, max] = [Math.min(min, a), Math.max(max, a)];
          counts[Math.min(3, Math.floor(Math.log10(a) + 4))]++;
        }
        expect(min).toBeGreaterThanOrEqual(1e-4);
        expect(max).toBeLessThanOrEqual(1);
        for (const c of counts) expect(Math.abs(c / SAMPLES - 0.25)).toBeLessThan(TOLERANCE);
      }),
      { numRuns: 5 },
    );
  });

  it('oneMinusLogUniform(0.9, 0.999) puts ≈ half of β above 0.99 (20k samples, ±0.02)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        const rng = searchRng(seed);
        const space = { beta: oneMinusLogUniform(0.9, 0.999) };
        let above = 0;
        let [min, max] = [Infinity, -Infinity];
        for (let i = 0; i < SAMPLES; i++) {
          const b = sample(space, rng).beta;
          [min, max] = [Math.min(min, b), Math.max(max, b)];
          if (b > 0.99) above++;
        }
        expect(min).toBeGreaterThanOrEqual(0.9);
        expect(max).toBeLessThanOrEqual(0.999);
        expect(Math.abs(above / SAMPLES - 0.5)).toBeLessThan(TOLERANCE);
      }),
      { numRuns: 5 },
    );
  });

  it('uniform(0, 1) stays linear: ≈ 10% per tenth (contrast with the log scales)', () => {
    const rng = searchRng(3);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < SAMPLES; i++) counts[Math.floor(sample({ x: uniform(0, 1) }, rng).x * 10)]++;
    for (const c of counts) expect(Math.abs(c / SAMPLES - 0.1)).toBeLessThan(TOLERANCE);
  });
});

// A random space of the four numeric kinds plus a choice, with valid bounds.
const spaceArb = fc
  .record({
    u: fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 1e-3, max: 100, noNaN: true })),
    i: fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 100 })),
    l: fc.tuple(fc.double({ min: -8, max: 2, noNaN: true }), fc.double({ min: 0.05, max: 6, noNaN: true })),
    b: fc.tuple(fc.double({ min: 0, max: 0.9, noNaN: true }), fc.double({ min: 0.01, max: 0.0999, noNaN: true })),
  })
  .map(({ u, i, l, b }) => ({
    u: uniform(u[0], u[0] + u[1]),
    i: integer(i[0], i[0] + i[1]),
    l: logUniform(10 ** l[0], 10 ** (l[0] + l[1])),
    b: oneMinusLogUniform(b[0], Math.min(0.9999, b[0] + b[1] * 10 * (1 - b[0]))),
    c: choice(['relu', 'tanh', 'leakyRelu']),
  }));

describe('sample', () => {
  it('draws every dimension inside its bounds; integers are integers; choices come from the list', () => {
    fc.assert(
      fc.property(spaceArb, fc.integer({ min: 0, max: 1e6 }), (space, seed) => {
        const rng = searchRng(seed);
        for (let k = 0; k < 50; k++) {
          const c = sample(space, rng);
          for (const key of ['u', 'i', 'l', 'b'] as const) {
            expect(c[key]).toBeGreaterThanOrEqual(space[key].lo);
            expect(c[key]).toBeLessThanOrEqual(space[key].hi);
          }
          expect(Number.isInteger(c.i)).toBe(true);
          expect(space.c.values).toContain(c.c);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('integer(lo, hi) includes both ends; choice reaches every value', () => {
    const rng = searchRng(1);
    const seen = new Set<number>();
    const names = new Set<string>();
    for (let k = 0; k < 500; k++) {
      const c = sample({ n: integer(2, 5), act: choice(['relu', 'tanh']) }, rng);
      seen.add(c.n);
      names.add(c.act);
    }
    expect([...seen].sort()).toEqual([2, 3, 4, 5]);
    expect([...names].sort()).toEqual(['relu', 'tanh']);
  });

  it('is reproducible from the seed, in the space key order', () => {
    const space = { lr: logUniform(1e-4, 1e-1), beta1: oneMinusLogUniform(0.8, 0.999), keep: uniform(0.5, 1) };
    const a = Array.from({ length: 5 }, ((rng) => () => sample(space, rng))(searchRng(9)));
    const b = Array.from({ length: 5 }, ((rng) => () => sample(space, rng))(searchRng(9)));
    const c = Array.from({ length: 5 }, ((rng) => () => sample(space, rng))(searchRng(10)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('zoom (coarse to fine)', () => {
  it('stays within the bounds, contains the best configs and narrows to about `factor` of the width (property)', () => {
    fc.assert(
      fc.property(
        spaceArb,
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (space, seed, k, factor) => {
          const rng = searchRng(seed);
          const best = Array.from({ length: k }, () => sample(space, rng));
          const zoomed = zoom(space, best, factor);
          expect(zoomed.c).toBe(space.c);
          const scale = { u: (x: number) => x, i: (x: number) => x, l: Math.log10, b: (x: number) => Math.log10(1 - x) };
          for (const key of ['u', 'i', 'l', 'b'] as const) {
            const [o, z] = [space[key], zoomed[key]];
            expect(z.kind).toBe(o.kind);
            expect(z.lo).toBeGreaterThanOrEqual(o.lo);
            expect(z.hi).toBeLessThanOrEqual(o.hi);
            for (const c of best) {
              expect(c[key]).toBeGreaterThanOrEqual(z.lo);
              expect(c[key]).toBeLessThanOrEqual(z.hi);
            }
            // On the dimension's own scale the new width is at most max(factor·W, spread of the
            // best) (+1 per end for integer rounding), never wider than the old range.
            const w = (d: { lo: number; hi: number }) => Math.abs(scale[key](d.hi) - scale[key](d.lo));
            const spread = w({ lo: Math.min(...best.map((c) => c[key])), hi: Math.max(...best.map((c) => c[key])) });
            const slack = key === 'i' ? 2 : 1e-9 * (1 + w(o));
            expect(w(z)).toBeLessThanOrEqual(Math.max(factor * w(o), spread) + slack);
            // Draws from the zoomed space stay inside the original one.
            const draw = sample(zoomed, rng);
            expect(draw[key]).toBeGreaterThanOrEqual(o.lo);
            expect(draw[key]).toBeLessThanOrEqual(o.hi);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('zooms log dimensions on the log scale: around α = 1e-3 in [1e-6, 1] with factor 0.5 → three decades', () => {
    const z = zoom({ lr: logUniform(1e-6, 1) }, [{ lr: 1e-3 }], 0.5);
    expect(Math.log10(z.lr.lo)).toBeCloseTo(-4.5, 9);
    expect(Math.log10(z.lr.hi)).toBeCloseTo(-1.5, 9);
  });

  it('clamps to the bounds when the best sit at an edge', () => {
    const z = zoom({ x: uniform(0, 10), beta: oneMinusLogUniform(0.9, 0.999) }, [{ x: 9.9, beta: 0.999 }], 0.5);
    expect(z.x.kind).toBe('uniform');
    expect(z.x.lo).toBeCloseTo(7.4, 12);
    expect(z.x.hi).toBe(10);
    expect(z.beta.hi).toBe(0.999);
    expect(z.beta.lo).toBeCloseTo(1 - 10 ** -2.5, 12);
  });
});

describe('bad input names the argument', () => {
  it('rejects an empty space and entries that are not dimensions', () => {
    expect(() => sample({}, searchRng(0))).toThrow(/^sample: space: the search space is empty; give at least one dimension$/);
    expect(() => sample(null as unknown as Space, searchRng(0))).toThrow(/^sample: space: expected an object of dimensions \(\{ learningRate: logUniform\(1e-4, 1e-1\), … \}\), got null$/);
    expect(() => sample({ lr: 0.01 } as unknown as Space, searchRng(0))).toThrow(/^sample: space\.lr: expected a dimension \(uniform, integer, logUniform, oneMinusLogUniform or choice\), got 0\.01$/);
    expect(() => zoom({}, [{}])).toThrow(/^zoom: space: the search space is empty/);
    expect(() => sample({ x: uniform(0, 1) }, undefined as never)).toThrow(/^sample: rng: expected a random generator such as reference\.Rng\.withStream\(seed, RngStream\.SEARCH\), got undefined$/);
  });

  it('rejects a log range with a non-positive bound', () => {
    expect(() => logUniform(0, 1)).toThrow(/^logUniform: lo: must be > 0 \(the range is on a log scale\), got 0$/);
    expect(() => logUniform(-1e-3, 1)).toThrow(/^logUniform: lo: must be > 0 \(the range is on a log scale\), got -0\.001$/);
    expect(() => logUniform(-2, -1)).toThrow(/^logUniform: lo: must be > 0/);
    expect(() => oneMinusLogUniform(0.9, 1)).toThrow(/^oneMinusLogUniform: hi: must be in \[0, 1\) \(1 − hi is on a log scale\), got 1$/);
    expect(() => oneMinusLogUniform(-0.1, 0.9)).toThrow(/^oneMinusLogUniform: lo: must be in \[0, 1\) \(1 − lo is on a log scale\), got -0\.1$/);
  });

  it('rejects lo ≥ hi and non-finite bounds', () => {
    expect(() => uniform(1, 1)).toThrow(/^uniform: hi: must be greater than lo \(1\), got 1$/);
    expect(() => uniform(2, 1)).toThrow(/^uniform: hi: must be greater than lo \(2\), got 1$/);
    expect(() => integer(5, 3)).toThrow(/^integer: hi: must be greater than lo \(5\), got 3$/);
    expect(() => integer(1.5, 3)).toThrow(/^integer: lo: must be an integer in \[-9007199254740991, 9007199254740991\], got 1\.5$/);
    expect(() => logUniform(1e-2, 1e-3)).toThrow(/^logUniform: hi: must be greater than lo \(0\.01\), got 0\.001$/);
    expect(() => oneMinusLogUniform(0.99, 0.9)).toThrow(/^oneMinusLogUniform: hi: must be greater than lo \(0\.99\), got 0\.9$/);
    expect(() => uniform(NaN, 1)).toThrow(/^uniform: lo: must be a finite number, got NaN$/);
    expect(() => uniform(0, Infinity)).toThrow(/^uniform: hi: must be a finite number, got Infinity$/);
  });

  it('rejects an empty choice and bad zoom arguments', () => {
    expect(() => choice([])).toThrow(/^choice: values: must be a non-empty array, got an array of 0$/);
    const space = { x: uniform(0, 1) };
    expect(() => zoom(space, [])).toThrow(/^zoom: bestConfigs: must be a non-empty array, got an array of 0$/);
    expect(() => zoom(space, [{ x: 0.5 }], 0)).toThrow(/^zoom: factor: must be a finite number in \(0, 1\], got 0$/);
    expect(() => zoom(space, [{ x: 0.5 }], 1.5)).toThrow(/^zoom: factor: must be a finite number in \(0, 1\], got 1\.5$/);
    expect(() => zoom(space, [{ y: 0.5 }])).toThrow(/^zoom: bestConfigs\[0\]\.x: expected a finite number in \[0, 1\], got undefined$/);
    expect(() => zoom(space, [{ x: 0.5 }, { x: 2 }])).toThrow(/^zoom: bestConfigs\[1\]\.x: must be a finite number in \[0, 1\], got 2$/);
  });
});
