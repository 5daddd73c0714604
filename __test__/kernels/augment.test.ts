// augmentImages and transformImage: bad input (their behaviour is tested in __test__/augment).
// Conventions: helpers.ts.
import * as N from '../../src/kernels';
import { f, type Kernel, type Case, BAD_SEEDS, SEED, badInput } from './helpers';

const cases: Partial<Record<Kernel, Case[]>> = {
  augmentImages: [
    ['height = 0', () => N.augmentImages(f(1, 2), { height: 0, width: 2 }, 1), /\baugment\.height: must be a positive integer, got 0/],
    ['width = 1.5', () => N.augmentImages(f(1, 2), { height: 1, width: 1.5 }, 1), /\baugment\.width: must be an integer/],
    ['shift = -1', () => N.augmentImages(f(1, 2), { height: 1, width: 2, shift: -1 }, 1), /\baugment\.shift: must be a finite number ≥ 0, got -1/],
    ['rotation = 190', () => N.augmentImages(f(1, 2), { height: 1, width: 2, rotation: 190 }, 1), /\baugment\.rotation: must be in \[0, 180\] degrees, got 190/],
    ['scale = 1', () => N.augmentImages(f(1, 2), { height: 1, width: 2, scale: 1 }, 1), /\baugment\.scale: must be in \[0, 1\), got 1/],
    ['noise = NaN', () => N.augmentImages(f(1, 2), { height: 1, width: 2, noise: NaN }, 1), /\baugment\.noise: must be a finite number ≥ 0, got NaN/],
    ['x not rows of h·w·c', () => N.augmentImages(f(1, 2, 3), { height: 1, width: 2 }, 1), /\bx: expected shape \[m, 2\]/],
    ['NaN in x', () => N.augmentImages(f(1, NaN), { height: 1, width: 2 }, 1), /\bx: element 1 is NaN/],
    ...BAD_SEEDS.map((seed): Case => [`seed = ${seed}`, () => N.augmentImages(f(1, 2), { height: 1, width: 2 }, seed), SEED]),
  ],
  transformImage: [
    ['channels = 0', () => N.transformImage(f(1, 2), { height: 1, width: 2, channels: 0 }, {}), /\baugment\.channels: must be a positive integer, got 0/],
    ['dx = Infinity', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { dx: Infinity }), /\btransform\.dx: must be a finite number/],
    ['rotation = NaN', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { rotation: NaN }), /\btransform\.rotation: must be a finite number/],
    ['scale = 0', () => N.transformImage(f(1, 2), { height: 1, width: 2 }, { scale: 0 }), /\btransform\.scale: must be a finite number > 0/],
    ['x empty', () => N.transformImage(f(), { height: 1, width: 2 }, {}), /\bx: expected shape \[m, 2\] with m ≥ 1, got 0 elements/],
  ],
};

badInput('augment', cases);
