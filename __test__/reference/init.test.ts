import { describe, expect, it } from 'vitest';
import { INIT_KINDS, INITIALIZERS, initFromName, initStd, initWeights, normalizeInit, Rng, RngStream, type InitKind } from '../../src/reference';

const nIn = 500;
const nOut = 400;

const CASES: [InitKind, number][] = [
  [{ kind: 'random' }, 0.01],
  [{ kind: 'random', scale: 0.5 }, 0.5],
  [{ kind: 'he' }, Math.sqrt(2 / nIn)],
  [{ kind: 'xavier' }, Math.sqrt(1 / nIn)],
  [{ kind: 'glorot' }, Math.sqrt(2 / (nIn + nOut))],
  [{ kind: 'lecun' }, Math.sqrt(1 / nIn)],
  // U[−l, l) has std l/√3.
  [{ kind: 'heUniform' }, Math.sqrt(6 / nIn) / Math.sqrt(3)],
  [{ kind: 'glorotUniform' }, Math.sqrt(6 / (nIn + nOut)) / Math.sqrt(3)],
  [{ kind: 'lecunUniform' }, Math.sqrt(3 / nIn) / Math.sqrt(3)],
  [{ kind: 'varianceScaling' }, Math.sqrt(1 / nIn)],
  [{ kind: 'varianceScaling', scale: 0.1 }, Math.sqrt(0.1 / nIn)],
];

describe('weight initialization', () => {
  it('has a case, with its std written out by hand, for every kind of the table that draws', () => {
    const drawing = INIT_KINDS.filter((kind) => INITIALIZERS[kind].draw !== 'zeros');
    expect(new Set(CASES.map(([init]) => init.kind))).toEqual(new Set(drawing));
  });

  for (const [init, std] of CASES) {
    it(`${JSON.stringify(init)}: sample std within 3% of ${std.toPrecision(4)}, mean ≈ 0`, () => {
      const w = initWeights(init, nIn, nOut, Rng.withStream(1, RngStream.INIT), new Float64Array(nIn * nOut));
      let sum = 0;
      let sq = 0;
      for (const x of w) {
        sum += x;
        sq += x * x;
      }
      const mean = sum / w.length;
      const sampleStd = Math.sqrt(sq / w.length - mean * mean);
      expect(Math.abs(sampleStd / std - 1)).toBeLessThan(0.03);
      expect(Math.abs(mean)).toBeLessThan(0.01 * std);
      expect(initStd(init, nIn, nOut)).toBe(std);
    });
  }

  it('draws std·normal() row-major, one normal per weight', () => {
    const rng = new Rng(2);
    const twin = rng.clone();
    const w = initWeights('he', 3, 4, rng, new Float64Array(12));
    for (let i = 0; i < 12; i++) expect(w[i]).toBe(Math.sqrt(2 / 3) * twin.normal());
    expect(rng.state()).toEqual(twin.state());
  });

  it('f32 output stores the rounded double product', () => {
    const twin = new Rng(6);
    const w = initWeights({ kind: 'glorot' }, 5, 3, new Rng(6), new Float32Array(15));
    for (let i = 0; i < 15; i++) expect(w[i]).toBe(Math.fround(Math.sqrt(2 / 8) * twin.normal()));
  });

  it('uniform kinds draw limit·(2·nextF64() − 1) row-major, one nextF64 per weight, within ±limit', () => {
    const limits = { heUniform: Math.sqrt(6 / 5), glorotUniform: Math.sqrt(6 / 8), lecunUniform: Math.sqrt(3 / 5) } as const;
    for (const [kind, limit] of Object.entries(limits) as [keyof typeof limits, number][]) {
      const rng = new Rng(9);
      const twin = rng.clone();
      const w = initWeights(kind, 5, 3, rng, new Float32Array(15));
      for (let i = 0; i < 15; i++) expect(w[i]).toBe(Math.fround(limit * (2 * twin.nextF64() - 1)));
      expect(rng.state()).toEqual(twin.state());
    }
    const w = initWeights('glorotUniform', nIn, nOut, new Rng(4), new Float64Array(nIn * nOut));
    const limit = Math.sqrt(6 / (nIn + nOut));
    expect(w.every((x) => Math.abs(x) <= limit)).toBe(true);
    expect(w.some((x) => x > 0.99 * limit) && w.some((x) => x < -0.99 * limit)).toBe(true);
  });

  it('varianceScaling draws the same weights as lecun at scale 1 and he at scale 2', () => {
    const draw = (init: InitKind) => initWeights(init, 5, 7, Rng.withStream(3, RngStream.INIT), new Float32Array(35));
    expect(draw({ kind: 'varianceScaling', scale: 1 })).toEqual(draw({ kind: 'lecun' }));
    expect(draw({ kind: 'varianceScaling', scale: 2 })).toEqual(draw({ kind: 'he' }));
    expect(draw({ kind: 'varianceScaling', scale: 0.1 })).not.toEqual(draw({ kind: 'lecun' }));
  });

  it('zeros fills zeros and draws nothing', () => {
    const rng = new Rng(3);
    const before = rng.state();
    const w = initWeights('zeros', 4, 5, rng, new Float64Array(20).fill(7));
    expect(Array.from(w)).toEqual(new Array(20).fill(0));
    expect(rng.state()).toEqual(before);
  });

  it('normalizes names and rejects unknown kinds and wrong output lengths', () => {
    expect(normalizeInit('he')).toEqual({ kind: 'he' });
    expect(normalizeInit({ kind: 'random', scale: 2 })).toEqual({ kind: 'random', scale: 2 });
    expect(() => normalizeInit('bogus' as never)).toThrow(/unknown init/);
    expect(() => initWeights('he', 2, 2, new Rng(0), new Float64Array(3))).toThrow();
  });

  it('initFromName: every name, its parameter or its default, checked as Init::from_name', () => {
    for (const kind of INIT_KINDS) expect(initFromName(kind, () => undefined).kind).toBe(kind);
    expect(initFromName('random', () => undefined)).toEqual({ kind: 'random', scale: 0.01 });
    expect(initFromName('random', (key) => (key === 'scale' ? 0.5 : undefined))).toEqual({ kind: 'random', scale: 0.5 });
    expect(initFromName('varianceScaling', () => undefined)).toEqual({ kind: 'varianceScaling', scale: 1 });
    expect(initFromName('varianceScaling', (key) => (key === 'scale' ? 0.1 : undefined))).toEqual({ kind: 'varianceScaling', scale: 0.1 });
    expect(initFromName('he', () => 0.5)).toEqual({ kind: 'he' });
    expect(() => initFromName('He', () => undefined)).toThrow(`init: unknown initializer 'He', expected ${INIT_KINDS.join(' | ')}`);
    for (const bad of [-1, NaN, Infinity]) {
      expect(() => initFromName('random', () => bad, (arg) => `layers[0].${arg}`)).toThrow(/^layers\[0\]\.scale: must be a finite number ≥ 0, got /);
    }
  });
});
