// Writes the MNIST split every trainer reads (bench/.cache/mnist-split.bin): the 10,000 digits of
// the `mnist` package split by tunenet's `split` exactly as bench/mnist.mjs does
// ({ train: 8000, dev: 1000, test: 1000 }, seed 1, stratified); the dev part is not used.
//   node bench/export-split.mjs        (run.mjs calls exportSplit() itself)
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPLIT_HEADER, SPLIT_MAGIC, cacheDir, splitFile } from './lib.mjs';
import { split } from './tunenet.mjs';

export function exportSplit(file = splitFile) {
  const require = createRequire(import.meta.url);
  const { loadDigits } = require('../examples/mnist/data.js');
  const digits = loadDigits();
  const { train, test } = split(digits.x, digits.y, { train: 8000, dev: 1000, test: 1000 }, { seed: 1, stratify: true });
  const features = 784;
  const classes = 10;
  const header = Buffer.alloc(SPLIT_HEADER);
  header.write(SPLIT_MAGIC, 0, 'latin1');
  [train.y.length, test.y.length, features, classes].forEach((v, i) => header.writeUInt32LE(v, 8 + 4 * i));
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, Buffer.concat([header, bytes(train.x), bytes(test.x), bytes(Uint8Array.from(train.y)), bytes(Uint8Array.from(test.y))]));
  return { file, train: train.y.length, test: test.y.length, features, classes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(exportSplit());
}
