// `require('tunenet')` loads only what training needs: the packages of optional features (BullMQ
// and its Redis client for the queue executor, protobufjs for TensorBoard and ONNX, vega for
// reports) are loaded on first use (src/lazy/, src/report/vega.ts). Checked in a fresh Node
// process on the built dist/, with a positive control: the first ONNX export does load protobufjs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('require cost', () => {
  it("require('tunenet') loads no bullmq, ioredis or protobufjs; exportOnnx loads protobufjs when called", () => {
    const script = `
const os = require('node:os'), path = require('node:path');
const optional = () => [...new Set(Object.keys(require.cache).map((k) => (/node_modules[\\\\/](bullmq|ioredis|protobufjs|msgpackr|luxon|vega[^\\\\/]*)[\\\\/]/.exec(k) ?? [])[1]).filter(Boolean))].sort();
const tunenet = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
const atRequire = optional();
const model = tunenet.sequential({ inputSize: 2, seed: 1, layers: [tunenet.dense(3), tunenet.relu(), tunenet.dense(2)] });
const file = path.join(os.tmpdir(), 'tunenet-require-cost-' + process.pid + '.onnx');
tunenet.exportOnnx(model, file).then(() => {
  require('node:fs').unlinkSync(file);
  console.log(JSON.stringify({ atRequire, afterExport: optional() }));
});`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const { atRequire, afterExport } = JSON.parse(r.stdout);
    expect(atRequire).toEqual([]);
    expect(afterExport).toEqual(['protobufjs']);
  });
});
