// exportOnnx, proven with onnxruntime-node (CPU): for every case of ./cases.ts the ONNX model's
// output equals model.predict within 1e-5 (absolute below 1, relative above).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { dense, relu, sequential } from '../../src';
import { exportOnnx, ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME } from '../../src/io/onnx';
import { EXPORT_CASES, maxDifference, predicted, ROWS, TOLERANCE, trainCase } from './cases';

const dir = mkdtempSync(join(tmpdir(), 'tunenet-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runOnnx(file: string, x: Float32Array, features: number): Promise<{ output: Float32Array; dims: readonly number[]; session: ort.InferenceSession }> {
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'] });
  const result = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', x, [x.length / features, features]) });
  const out = result[ONNX_OUTPUT_NAME];
  return { output: out.data as Float32Array, dims: out.dims, session };
}

describe('exportOnnx matches predict in onnxruntime', () => {
  EXPORT_CASES.forEach((c, i) => {
    it(c.name, async () => {
      const { model, raw, x } = await trainCase(c);
      const file = join(dir, `case${i}.onnx`);
      await exportOnnx(model, file);
      // With a normalizer, the exported graph takes raw features and normalizes them itself.
      const { output, dims, session } = await runOnnx(file, c.normalizer ? raw : x, c.inputSize);
      expect(session.inputNames).toEqual([ONNX_INPUT_NAME]);
      expect(session.outputNames).toEqual([ONNX_OUTPUT_NAME]);
      expect(dims).toEqual([ROWS, c.outputs]);
      const expected = await predicted(model, x);
      expect(maxDifference(output, expected)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('the batch norm cases run on running statistics that training moved', async () => {
    for (const c of EXPORT_CASES.filter((k) => k.layers.some((l) => l.kind === 'batchNorm'))) {
      const { model } = await trainCase(c);
      const layer = c.layers.findIndex((l) => l.kind === 'batchNorm');
      const mean = model.getTensor(layer, 'runningMean');
      const variance = model.getTensor(layer, 'runningVar');
      // The mean in running standard deviations, as the scale before batch norm follows the init's
      // (after a dense layer without bias on normalized features it stays near 0 by construction).
      expect(Math.max(...mean.map((m, i) => Math.abs(m) / Math.sqrt(variance[i]))), c.name).toBeGreaterThan(0.01);
      expect(Math.max(...variance.map((v) => Math.abs(v - 1))), c.name).toBeGreaterThan(0.05);
    }
  });

  it('normalizer: false leaves the normalizer out: the graph takes normalized features', async () => {
    const c = EXPORT_CASES.find((k) => k.normalizer) as (typeof EXPORT_CASES)[number];
    const { model, raw, x } = await trainCase(c);
    const file = join(dir, 'without-normalizer.onnx');
    await exportOnnx(model, file, { normalizer: false });
    const expected = await predicted(model, x);
    expect(maxDifference((await runOnnx(file, x, c.inputSize)).output, expected)).toBeLessThanOrEqual(TOLERANCE);
    // Fed raw features it is far off: the normalizer really is not in the graph.
    expect(maxDifference((await runOnnx(file, raw, c.inputSize)).output, expected)).toBeGreaterThan(1e-2);
  });

  it('takes any batch size (the batch dimension is symbolic)', async () => {
    const c = EXPORT_CASES.find((k) => k.name === 'softmax classification') as (typeof EXPORT_CASES)[number];
    const { model, x } = await trainCase(c);
    const file = join(dir, 'batch.onnx');
    await exportOnnx(model, file);
    for (const rows of [1, 3]) {
      const part = x.subarray(0, rows * c.inputSize);
      const { output, dims } = await runOnnx(file, part, c.inputSize);
      expect(dims).toEqual([rows, c.outputs]);
      expect(maxDifference(output, await predicted(model, part))).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});

describe('exportOnnx file', () => {
  it(`declares opset ${ONNX_OPSET} of the default domain and names tunenet as producer`, async () => {
    const file = join(dir, 'header.onnx');
    await exportOnnx(sequential({ inputSize: 3, layers: [dense(2)] }), file);
    const bytes = readFileSync(file);
    // ModelProto field 8 (opset_import) holds OperatorSetIdProto { version (field 2) = 17 }:
    // tag 0x42, length 2, then tag 0x10 and the varint 17.
    expect(bytes.includes(Buffer.from([0x42, 0x02, 0x10, ONNX_OPSET]))).toBe(true);
    expect(bytes.includes(Buffer.from('tunenet'))).toBe(true);
    const session = await ort.InferenceSession.create(file);
    expect(session.inputNames).toEqual(['input']);
  });

  it('replaces an existing file whole', async () => {
    const file = join(dir, 'replace.onnx');
    const small = sequential({ inputSize: 2, layers: [dense(1)], output: 'linear' });
    const large = sequential({ inputSize: 40, layers: [dense(30), relu(), dense(1)], output: 'linear' });
    await exportOnnx(large, file);
    await exportOnnx(small, file);
    const { output } = await runOnnx(file, Float32Array.of(1, 2), 2);
    expect(maxDifference(output, await predicted(small, Float32Array.of(1, 2)))).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('exportOnnx arguments', () => {
  const model = sequential({ inputSize: 3, layers: [dense(2)] });

  it('refuses what is not a model, naming the argument', async () => {
    await expect(exportOnnx({}, join(dir, 'x.onnx'))).rejects.toThrow(/^exportOnnx: model: expected a tunenet model/);
  });

  it('refuses a missing path', async () => {
    await expect(exportOnnx(model, '' as string)).rejects.toThrow(/^exportOnnx: file: expected a non-empty path string/);
  });

  it('refuses unknown options with a suggestion', async () => {
    await expect(exportOnnx(model, join(dir, 'x.onnx'), { normaliser: true } as never)).rejects.toThrow(/exportOnnx options: unknown option 'normaliser' \(did you mean 'normalizer'\?\)/);
    await expect(exportOnnx(model, join(dir, 'x.onnx'), { normalizer: 'yes' } as never)).rejects.toThrow(/^exportOnnx: normalizer: /);
  });

  it('says which file it could not write', async () => {
    await expect(exportOnnx(model, join(dir, 'no-such-dir', 'x.onnx'))).rejects.toThrow(/^exportOnnx: file: cannot write .*no-such-dir/);
  });

  it('refuses a normalizer fitted on another width, naming it', async () => {
    const m = sequential({ inputSize: 3, layers: [dense(2)] });
    const { Normalizer } = await import('../../src');
    m.normalizer = Normalizer.fit([[1, 2], [3, 5]], 2);
    await expect(exportOnnx(m, join(dir, 'x.onnx'))).rejects.toThrow(/^exportOnnx: model\.normalizer: was fitted on 2 features, but the model's input has 3/);
  });
});
