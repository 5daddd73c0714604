// exportTorch, checked without torch: torch_layout_check.py (safetensors + numpy in the test venv)
// reads the file as PyTorch would, applies torch.nn's formulas in PyTorch's layout to the
// nn.Sequential this test expects for each case of ./cases.ts, and must land within 1e-5 of
// model.predict. The key set, shapes and dtypes must be exactly that Sequential's state_dict.
// The real torch check is bench/torch-export-check.mjs (torch is too large for CI).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activationParameter, type ActivationKind } from '../../src/reference/activation';
import type { LayerOptions } from '../../src/backend';
import { batchNorm, dense, relu, sequential, Normalizer } from '../../src';
import { exportTorch } from '../../src/io/torch';
import { runPythonJson } from '../helpers/python';
import { EXPORT_CASES, maxDifference, predicted, TOLERANCE, trainCase, type ExportCase } from './cases';

const dir = mkdtempSync(join(tmpdir(), 'tunenet-torch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHECK = join(__dirname, 'torch_layout_check.py');

/** torch.nn's class for each tunenet activation, and the keyword its parameter becomes. */
const TORCH_ACTIVATION: Record<ActivationKind, { type: string; parameter?: string }> = {
  identity: { type: 'Identity' },
  relu: { type: 'ReLU' },
  leakyRelu: { type: 'LeakyReLU', parameter: 'negative_slope' },
  tanh: { type: 'Tanh' },
  sigmoid: { type: 'Sigmoid' },
  softplus: { type: 'Softplus' },
  swish: { type: 'SiLU' },
  selu: { type: 'SELU' },
  elu: { type: 'ELU', parameter: 'alpha' },
  gelu: { type: 'GELU' },
};

type Module = Record<string, string | number | boolean>;

/** The nn.Sequential this test expects for a layer list (tunenet's defaults: bias off before batch norm, ε 1e-3). */
function expectedModules(c: ExportCase): Module[] {
  let width = c.inputSize;
  return c.layers.map((layer: LayerOptions, i): Module => {
    switch (layer.kind) {
      case 'dense': {
        const inputs = width;
        width = layer.units as number;
        return { type: 'Linear', in: inputs, out: width, bias: layer.useBias ?? c.layers[i + 1]?.kind !== 'batchNorm' };
      }
      case 'batchNorm':
        return { type: 'BatchNorm1d', features: width, eps: layer.epsilon ?? 1e-3 };
      case 'dropout':
        return { type: 'Dropout' };
      default: {
        const kind = layer.activation as ActivationKind;
        const { type, parameter } = TORCH_ACTIVATION[kind];
        const own = activationParameter(kind);
        return parameter && own ? { type, [parameter]: (layer as unknown as Record<string, number>)[own[0]] ?? own[1] } : { type };
      }
    }
  });
}

/** The state_dict of those modules: name → [numpy dtype, shape]. */
function expectedKeys(modules: Module[]): Record<string, [string, number[]]> {
  const keys: Record<string, [string, number[]]> = {};
  modules.forEach((m, i) => {
    if (m.type === 'Linear') {
      keys[`${i}.weight`] = ['float32', [m.out as number, m.in as number]];
      if (m.bias) keys[`${i}.bias`] = ['float32', [m.out as number]];
    } else if (m.type === 'BatchNorm1d') {
      const n = [m.features as number];
      for (const name of ['weight', 'bias', 'running_mean', 'running_var']) keys[`${i}.${name}`] = ['float32', n];
      keys[`${i}.num_batches_tracked`] = ['int64', []];
    }
  });
  return keys;
}

interface CheckResult {
  keys: Record<string, [string, number[]]>;
  outputs: number[];
  normalizer: boolean;
}

function rowsOf(x: Float32Array, width: number): number[][] {
  return Array.from({ length: x.length / width }, (_, i) => Array.from(x.subarray(i * width, (i + 1) * width)));
}

function check(weights: string, c: ExportCase, x: Float32Array, name: string): CheckResult {
  const caseFile = join(dir, `${name}.json`);
  writeFileSync(caseFile, JSON.stringify({ modules: expectedModules(c), output: c.output, x: rowsOf(x, c.inputSize) }));
  return runPythonJson<CheckResult>(CHECK, [weights, caseFile]);
}

describe("exportTorch's file, read with PyTorch's layout and formulas (numpy), matches predict", () => {
  EXPORT_CASES.forEach((c, i) => {
    it(c.name, async () => {
      const { model, raw, x } = await trainCase(c);
      const weights = join(dir, `case${i}.safetensors`);
      await exportTorch(model, weights);
      // With a normalizer, the file carries it: the check starts from raw features.
      const result = check(weights, c, c.normalizer ? raw : x, `case${i}`);
      expect(result.keys).toEqual(expectedKeys(expectedModules(c)));
      expect(result.normalizer).toBe(Boolean(c.normalizer));
      expect(maxDifference(result.outputs, await predicted(model, x))).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('num_batches_tracked holds the optimizer steps taken', async () => {
    const c = EXPORT_CASES.find((k) => k.layers.some((l) => l.kind === 'batchNorm')) as ExportCase;
    const { model } = await trainCase(c);
    const weights = join(dir, 'steps.safetensors');
    await exportTorch(model, weights);
    const bytes = readFileSync(weights);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8'));
    const layer = c.layers.findIndex((l) => l.kind === 'batchNorm');
    const [begin] = header[`${layer}.num_batches_tracked`].data_offsets;
    const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
    expect(header[`${layer}.num_batches_tracked`].dtype).toBe('I64');
    expect(bytes.readBigInt64LE(dataStart + begin)).toBe(BigInt((await model.exportState()).step));
    expect((await model.exportState()).step).toBeGreaterThan(0);
  });
});

describe('exportTorch snippet and paths', () => {
  const model = sequential({ inputSize: 4, layers: [dense(3), batchNorm({ momentum: 0.95, epsilon: 0.01 }), relu(), dense(2)] });

  it('writes the Python beside the weights by default and returns both paths', async () => {
    const weights = join(dir, 'paths.safetensors');
    const written = await exportTorch(model, weights);
    expect(written).toEqual({ weights, snippet: join(dir, 'paths.py') });
    const source = readFileSync(written.snippet, 'utf8');
    // The modules in order, BatchNorm1d's momentum converted (PyTorch weighs the new batch).
    expect(source).toMatch(/nn\.Linear\(4, 3, bias=False\),\s+# 0[\s\S]*nn\.BatchNorm1d\(3, eps=0\.01, momentum=1 - 0\.95\),\s+# 1[\s\S]*nn\.ReLU\(\),\s+# 2[\s\S]*nn\.Linear\(3, 2\),\s+# 3/);
    expect(source).toContain("os.path.dirname(os.path.abspath(__file__)), \"paths.safetensors\")");
    expect(source).toContain('torch.softmax(z, dim=1)');
    expect(source).not.toContain('normalizer');
  });

  it('a snippet elsewhere finds the weights relative to itself; a normalizer is applied in it', async () => {
    const m = sequential({ inputSize: 2, layers: [dense(1)], output: 'linear' });
    m.normalizer = Normalizer.fit([[1, 2], [3, 5]], 2);
    const written = await exportTorch(m, join(dir, 'w.bin'), { snippet: join(dir, 'sub', '..', 'loader.py') });
    expect(written.snippet).toBe(join(dir, 'sub', '..', 'loader.py'));
    const source = readFileSync(join(dir, 'loader.py'), 'utf8');
    expect(source).toContain('"w.bin"');
    expect(source).toContain("x = ((x.double() - self.mean) / self.scale).float()");
    expect(source).toMatch(/return z\n/);
    const without = await exportTorch(m, join(dir, 'plain.safetensors'), { normalizer: false });
    expect(readFileSync(without.snippet, 'utf8')).not.toContain('self.mean');
  });

  it('refuses bad arguments, naming them', async () => {
    await expect(exportTorch('model', join(dir, 'x.safetensors'))).rejects.toThrow(/^exportTorch: model: expected a tunenet model/);
    await expect(exportTorch(model, 42 as never)).rejects.toThrow(/^exportTorch: file: expected a non-empty path string/);
    await expect(exportTorch(model, join(dir, 'x.safetensors'), { snipet: 'a.py' } as never)).rejects.toThrow(/exportTorch options: unknown option 'snipet' \(did you mean 'snippet'\?\)/);
    await expect(exportTorch(model, join(dir, 'x.py'), { snippet: join(dir, 'x.py') })).rejects.toThrow(/^exportTorch: snippet: is the weights file itself/);
    await expect(exportTorch(model, join(dir, 'missing', 'x.safetensors'))).rejects.toThrow(/^exportTorch: cannot write .*missing/);
  });
});
