// The named activation builders: each describes an `activation` layer by its one name (the
// formulas are checked in __test__/reference/activation.test.ts and the kernel property tests).
import { describe, expect, it } from 'vitest';
import { silu, swish } from '../../src';

describe('activation builders', () => {
  it("silu() is swish under PyTorch's name", () => {
    expect(silu()).toEqual({ kind: 'activation', activation: 'swish' });
    expect(silu()).toEqual(swish());
  });
});
