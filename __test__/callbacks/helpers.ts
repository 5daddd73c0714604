// Shared helpers for the callback tests (not a test file itself).
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adam, batchNorm, dense, dropout, relu, sequential, tanh, type Sequential } from '../../src';
import { blobs, normals } from '../model/helpers';

export const train = blobs(11, 30, 3, 4, 1.5, 1.5);
export const dev = blobs(12, 10, 3, 4, 1.5, 1.5);

export const classifier = (): Sequential =>
  sequential({
    inputSize: 4,
    seed: 21,
    threads: 1,
    optimizer: adam({ learningRate: 0.05 }),
    layers: [dense(16), batchNorm({ momentum: 0.8 }), relu(), dropout({ keepProb: 0.8 }), dense(3)],
  });

/** y = sum of x plus noise, 3 features. */
export function regressionData(seed: number, m: number) {
  const x = normals(seed, m * 3);
  const noise = normals(seed + 1, m, 0.1);
  const y = Float32Array.from({ length: m }, (_, i) => x[3 * i] + x[3 * i + 1] - x[3 * i + 2] + noise[i]);
  return { x, y };
}

export const regressor = () =>
  sequential({ inputSize: 3, seed: 5, threads: 1, output: 'linear', optimizer: adam({ learningRate: 0.02 }), layers: [dense(8), tanh(), dense(1)] });

export async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-callbacks-'));
}
