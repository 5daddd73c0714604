/**
 * erf and erfc in double precision (JavaScript has neither), for gelu's Φ(z) = erfc(−z/√2)/2.
 *
 * A port of FreeBSD's msun s_erf.c (Sun's fdlibm, the algorithm behind musl's and Rust's
 * `libm::erf`), whose rational approximations are accurate to 2^-57 or better on each interval:
 * the results are within about 1 ulp (relative error ~1e-16; checked against 40-digit values
 * in __test__/reference/erf.test.ts). Abramowitz–Stegun's 7.1.26 (1.5e-7) would be too coarse
 * for gradient checks at 1e-7. erfc is computed directly, without 1 − erf(x), so it keeps its
 * relative accuracy in the tail (erfc(10) ≈ 2e-45).
 *
 * Method (x ≥ 0; erf(−x) = −erf(x), erfc(−x) = 2 − erfc(x)):
 *   [0, 0.84375]       erf(x) = x + x·R(x²), R = P/Q
 *   [0.84375, 1.25]    erf(x) = c + P1(s)/Q1(s), s = x − 1, c = 0.845062911510467529297
 *   [1.25, 1/0.35]     erfc(x) = exp(−x² − 0.5625 + R1(1/x²)/S1(1/x²))/x
 *   [1/0.35, 28]       erfc(x) = exp(−x² − 0.5625 + R2(1/x²)/S2(1/x²))/x
 *   beyond             erf(x) = 1, erfc(x) underflows to 0
 * In the last two, −x² is evaluated as −s² + (s − x)(s + x) with s = x cut to its high 32 bits,
 * so that s² is exact and the large exponent loses nothing.
 *
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved. Developed at SunPro, a Sun
 * Microsystems, Inc. business. Permission to use, copy, modify, and distribute this software is
 * freely granted, provided that this notice is preserved.
 */

const ERX = 8.45062911510467529297e-1;
// erf on [0, 0.84375]
const EFX8 = 1.02703333676410069053e0;
const PP = [1.28379167095512558561e-1, -3.25042107247001499370e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.96022827877536812320e-6];
// erf on [0.84375, 1.25]
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1,
  3.54783043256182359371e-2, -2.16637559486879084300e-3,
];
const QA = [1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.19844998467991074170e-2];
// erfc on [1.25, 1/0.35]
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2,
  -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592e0,
];
const SA = [
  1, 1.96512716674392571292e1, 1.37657754143519042600e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2,
  1.08635005541779435134e2, 6.57024977031928170135e0, -6.04244152148580987438e-2,
];
// erfc on [1/0.35, 28]
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2,
  -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3,
  4.74528541206955367215e2, -2.24409524465858183362e1,
];
const TINY = 2 ** -1022;

/** c[0] + c[1]·s + c[2]·s² + … (Horner). */
function poly(c: readonly number[], s: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = c[i] + s * r;
  return r;
}

const bits = new DataView(new ArrayBuffer(8));

/** x with the low 32 bits of its significand cleared (its square is then exact). */
function highHalf(x: number): number {
  bits.setFloat64(0, x); // big-endian: bytes 4..7 are the low word
  bits.setUint32(4, 0);
  return bits.getFloat64(0);
}

/** erfc(|x|) for 0.84375 ≤ |x| < 28. */
function erfcMid(x: number): number {
  const ax = Math.abs(x);
  if (ax < 1.25) return 1 - ERX - poly(PA, ax - 1) / poly(QA, ax - 1);
  const s = 1 / (ax * ax);
  // fdlibm switches at the high word 0x4006db6d (2.85714149…, just below 1/0.35).
  const rs = ax < 2.8571414947509766 ? poly(RA, s) / poly(SA, s) : poly(RB, s) / poly(SB, s);
  const z = highHalf(ax);
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + rs)) / ax;
}

/** R(x²) with erf(x) = x + x·R(x²) on |x| < 0.84375. */
const smallR = (x: number): number => poly(PP, x * x) / poly(QQ, x * x);

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -28) return 0.125 * (8 * x + EFX8 * x); // x·2/√π without underflow
    return x + x * smallR(x);
  }
  const y = ax < 6 ? 1 - erfcMid(x) : 1 - TINY;
  return x < 0 ? -y : y;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const y = x * smallR(x);
    // Below 1/4, 1 − erf(x) loses nothing; above, splitting off 0.5 keeps the last bits.
    return x < 0.25 ? 1 - (x + y) : 0.5 - (x - 0.5 + y);
  }
  if (ax < 28) return x < 0 ? 2 - erfcMid(x) : erfcMid(x);
  return x < 0 ? 2 - TINY : TINY * TINY;
}
