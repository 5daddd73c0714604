// `tunenet train` (issue 10, "A command line") on a CSV no one here wrote: seattle-weather.csv of
// the `vega-datasets` package (1461 days of Seattle weather, 2012–2015). The command runs as a user
// runs it (node bin/tunenet.js, which loads dist/): it exits 0, prints the data summary and the
// test metrics, and writes a model that loadModel reads back and that predicts on a row encoded
// by hand with the printed rules. --help lists every flag; bad inputs exit 2 with one line on
// stderr and no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src';
import { encodeRows, type Encoding } from '../../src/cli/table';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin/tunenet.js');
const csv = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunenet-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tunenet(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TUNENET_VERBOSE: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The first row of the file: 2012-01-01,0.0,12.8,5.0,4.7,drizzle
const FIRST = { date: '2012-01-01', precipitation: 0, temp_max: 12.8, temp_min: 5, wind: 4.7, weather: 'drizzle' };

describe('tunenet train on seattle-weather.csv', () => {
  it('classifies the weather: summary, metrics, a model that loads and predicts', async () => {
    const out = path.join(tmp, 'weather', 'model.safetensors');
    const r = tunenet('train', csv, '--label', 'weather', '--drop', 'date', '--epochs', '3', '--verbose', '0', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1461 rows, 6 columns');
    expect(r.stdout).toContain('label: weather, classification, 5 classes: 0=drizzle 1=fog 2=rain 3=snow 4=sun');
    expect(r.stdout).toContain('split: train 1023, dev 219, test 219 (seed 0, stratified)');
    expect(r.stdout).toMatch(/diagnosis: /);
    expect(r.stdout).toMatch(/test \(219 rows\): loss [\d.]+, accuracy [\d.]+, macro F1 [\d.]+/);
    expect(r.stdout).toContain('confusion matrix (rows true, columns predicted):');
    expect(r.stdout).toContain(`model written to ${out}`);
    expect(r.stdout).toContain(`ONNX export (normalizer included, opset 17) to ${path.join(tmp, 'weather', 'model.onnx')}; report to ${path.join(tmp, 'weather', 'model.report.html')}`);

    const encoding = JSON.parse(readFileSync(path.join(tmp, 'weather', 'model.encoding.json'), 'utf8')) as Encoding;
    expect(encoding.featureNames).toEqual(['precipitation', 'temp_max', 'temp_min', 'wind']);
    expect(encoding.classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    const model = await loadModel(out);
    expect(model.normalizer).toBeDefined();
    const row = new Float32Array([FIRST.precipitation, FIRST.temp_max, FIRST.temp_min, FIRST.wind]);
    expect(encodeRows(encoding, [FIRST])).toEqual(row);
    const { probabilities, classes } = (await model.predict(model.normalizer!.transform(row))) as { probabilities: Float32Array; classes: Int32Array };
    expect(probabilities.length).toBe(5);
    expect(probabilities.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(classes[0]).toBeGreaterThanOrEqual(0);
    expect(classes[0]).toBeLessThan(5);

    // The ONNX export takes the encoded row as it is (its normalizer inside) and gives predict's probabilities.
    const session = await ort.InferenceSession.create(path.join(tmp, 'weather', 'model.onnx'));
    const result = await session.run({ input: new ort.Tensor('float32', row, [1, 4]) });
    const onnx = result.output.data as Float32Array;
    expect(onnx.length).toBe(5);
    onnx.forEach((p, i) => expect(Math.abs(p - probabilities[i])).toBeLessThan(1e-5));
    // The report: self-contained HTML with the confusion matrices of dev and test, named by class.
    const html = readFileSync(path.join(tmp, 'weather', 'model.report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('drizzle');
    expect(html).not.toMatch(/(src|href)="https?:/);
  });

  it('regresses temp_max: RMSE, MAE, R² and the mean predictor; one-hot weather', async () => {
    const out = path.join(tmp, 'temp.safetensors');
    const r = tunenet('train', csv, '--label', 'temp_max', '--drop', 'date', '--epochs', '3', '--verbose', '0', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('label: temp_max, regression');
    expect(r.stdout).toContain('weather: one-hot, 5 categories (drizzle, fog, rain, snow, sun)');
    expect(r.stdout).toMatch(/test \(219 rows\): RMSE [\d.]+, MAE [\d.]+, R² -?[\d.]+; predicting the train mean \([\d.]+\): RMSE [\d.]+/);

    const encoding = JSON.parse(readFileSync(path.join(tmp, 'temp.encoding.json'), 'utf8')) as Encoding;
    expect(encoding.featureNames).toEqual(['precipitation', 'temp_min', 'wind', 'weather=drizzle', 'weather=fog', 'weather=rain', 'weather=snow', 'weather=sun']);
    const row = new Float32Array([FIRST.precipitation, FIRST.temp_min, FIRST.wind, 1, 0, 0, 0, 0]);
    expect(encodeRows(encoding, [FIRST])).toEqual(row);
    // A category never seen in training encodes as all zeros.
    expect(encodeRows(encoding, [{ ...FIRST, weather: 'hail' }])).toEqual(new Float32Array([0, 5, 4.7, 0, 0, 0, 0, 0]));
    const model = await loadModel(out);
    const { values } = (await model.predict(model.normalizer!.transform(row))) as unknown as { values: Float32Array };
    expect(values.length).toBe(1);
    expect(Number.isFinite(values[0])).toBe(true);
  });

  it('drops rows with missing values and says how many; a numeric label with few integers is classification', () => {
    const file = path.join(tmp, 'small.csv');
    const lines = ['a,b,c,label'];
    for (let i = 0; i < 40; i++) lines.push(`${i},${i % 3 === 0 ? 'x' : 'y'},${i === 5 ? 'NA' : i === 7 ? '' : i / 2},${i % 2}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = tunenet('train', file, '--label', 'label', '--epochs', '1', '--verbose', '0', '--out', path.join(tmp, 'small.safetensors'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dropped 2 rows with missing values');
    expect(r.stdout).toContain('label: label, classification, 2 classes: 0=0 1=1');
    expect(r.stdout).toContain('b: one-hot, 2 categories (x, y)');
  });
});

describe('tunenet --help', () => {
  const FLAGS = ['--label', '--task', '--drop', '--epochs', '--patience', '--batch-size', '--learning-rate', '--seed', '--base-error', '--split', '--hidden', '--out', '--verbose'];

  it.each([[['--help']], [['train', '--help']], [['help', 'train']]])('%j exits 0 listing every flag', (args) => {
    const r = tunenet(...args);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const flag of FLAGS) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('<out name>.onnx');
    expect(r.stdout).toContain('<out name>.report.html');
  });
});

describe('tunenet errors: one line on stderr, exit 2', () => {
  const oneClass = path.join(tmp, 'one-class.csv');
  writeFileSync(oneClass, 'x,y\n1,a\n2,a\n3,a\n4,a\n');
  const cases: Array<[string, string[], RegExp]> = [
    ['a missing file', ['train', path.join(tmp, 'nope.csv'), '--label', 'x'], /nope\.csv: no such file/],
    ['an unknown label column', ['train', csv, '--label', 'wether'], /--label: no column 'wether' \(did you mean 'weather'\?\)/],
    ['an unknown --drop column', ['train', csv, '--label', 'weather', '--drop', 'dte'], /--drop: no column 'dte' \(did you mean 'date'\?\)/],
    ['a label with one class', ['train', oneClass, '--label', 'y'], /label 'y' has one class \('a'\)/],
    ['no --label', ['train', csv], /required option '--label <column>'/],
    ['a bad --epochs', ['train', csv, '--label', 'weather', '--epochs', 'abc'], /--epochs.*expected a positive integer/],
    ['a bad --split', ['train', csv, '--label', 'weather', '--split', '0.5,0.5'], /--split/],
    ['a --split not summing to 1', ['train', csv, '--label', 'weather', '--split', '0.5,0.3,0.3'], /sum to 1/],
    ['a bad --hidden', ['train', csv, '--label', 'weather', '--hidden', '64,x'], /--hidden/],
    ['a bad --task', ['train', csv, '--label', 'weather', '--task', 'clustering'], /--task.*auto, classification, regression/],
    ['a bad --base-error', ['train', csv, '--label', 'weather', '--base-error', '-0.1'], /--base-error.*non-negative/],
    ['a --base-error above 1 for classification', ['train', csv, '--label', 'weather', '--base-error', '2'], /--base-error: a classification error rate must be in \[0, 1\], got 2/],
    ['a bad --verbose', ['train', csv, '--label', 'weather', '--verbose', '3'], /--verbose/],
    ['a non-numeric label for regression', ['train', csv, '--label', 'weather', '--task', 'regression'], /label 'weather' is not numeric/],
    ['an unknown flag', ['train', csv, '--label', 'weather', '--epoch', '3'], /unknown option '--epoch'.*--epochs/],
    ['an unknown command', ['trian', csv], /unknown command 'trian'/],
  ];
  it.each(cases)('%s', (_, args, message) => {
    const r = tunenet(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^tunenet: /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
