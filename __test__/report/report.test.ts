// writeReport (issue 10, "Looking"): the HTML written for a fit History (learning curves,
// diagnosis, confusion matrices or predicted-vs-true) and for tuning results (dev metric per
// hyperparameter on the axis it was sampled on, rounds, rungs), read back from the file.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense, relu, sequential, type HalvingResult, type SearchResult } from '../../src';
import { blobs } from '../model/helpers';
import { writeReport } from '../../src/report';
import { spaceFromConfigs, tuningCharts } from '../../src/report/tuningCharts';
import { classificationRun, halvingRun, regressionRun, searchRun, SPACE, type FitRun } from './fixtures';
import { axisLabels, dataMarks, figures, svgOf } from './parse';

let dir: string;
let classification: FitRun;
let regression: FitRun;
let search: SearchResult<any>;
let halving: HalvingResult<any>;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-report-'));
  [classification, regression, search, halving] = await Promise.all([classificationRun(), regressionRun(), searchRun(), halvingRun()]);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function written(name: string, result: Parameters<typeof writeReport>[0], options?: Parameters<typeof writeReport>[2]): Promise<string> {
  const file = path.join(dir, name);
  await writeReport(result, file, options);
  return fs.readFile(file, 'utf8');
}

/**
 * Nothing the page would fetch: no URL at all, no script, stylesheet link, image, frame, CSS
 * import, or url() other than a reference within the page (vega's gradient legend: url(#…)).
 */
function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  const found = (re: RegExp) => [...html.matchAll(re)].map((m) => m[0]);
  expect(found(/https?:\/\//gi)).toEqual([]);
  expect(found(/<(script|link|img|iframe|object|embed|image)\b/gi)).toEqual([]);
  expect(found(/\s(src|href|xlink:href)\s*=/gi)).toEqual([]);
  expect(found(/@import|url\((?!#)/gi)).toEqual([]);
}

/** Every figure holds one inline SVG with drawn data marks. */
function expectDrawn(charts: Map<string, string>): void {
  for (const [name, figure] of charts) {
    expect((figure.match(/<svg\b/g) ?? []).length, name).toBe(1);
    const marks = Object.values(dataMarks(svgOf(figure))).flat();
    expect(marks.length, `${name} has no drawn marks`).toBeGreaterThan(0);
  }
}

/** Counts written in a confusion matrix's cells, by (true, predicted), from the marks' labels. */
function cellCounts(figure: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const text of dataMarks(svgOf(figure)).text ?? []) {
    const m = /aria-label="predicted class: (\w+); true class: (\w+); count: (\d+)"/.exec(text);
    if (m) out.set(`${m[2]}→${m[1]}`, Number(m[3]));
  }
  return out;
}

describe('writeReport: a classification fit', () => {
  let html: string;
  beforeAll(async () => {
    const { history, model, dev, test } = classification;
    html = await written('classification.html', history, { model, dev, test, title: 'Blobs <3 classes>' });
  });

  it('is one self-contained page whose every chart is an inline SVG with marks', () => {
    expectSelfContained(html);
    const charts = figures(html);
    expect([...charts.keys()]).toEqual(['loss', 'accuracy', 'learningRate', 'gradientNorms', 'errors', 'confusion-dev', 'confusion-test']);
    expectDrawn(charts);
  });

  it('draws one loss and one accuracy point per epoch for train and for dev', () => {
    const epochs = classification.history.epochs.length;
    const charts = figures(html);
    for (const name of ['loss', 'accuracy']) {
      const marks = dataMarks(svgOf(charts.get(name)!));
      expect(marks.line, name).toHaveLength(2); // train and dev
      expect(marks.symbol, name).toHaveLength(2 * epochs);
    }
  });

  it('draws the gradient norms of the layers with parameters only, on a log axis', () => {
    const figure = figures(html).get('gradientNorms')!;
    expect(dataMarks(svgOf(figure)).line).toHaveLength(2); // dense 16 and dense 3, not the relu
    expect(figure).toContain('0: dense 16');
    expect(figure).toContain('2: dense 3');
    expect(figure).not.toContain('1: activation');
  });

  it('puts the counts of model.evaluate’s confusion matrix in the cells, for dev and test', async () => {
    const { model, dev, test } = classification;
    for (const [set, data] of [['dev', dev], ['test', test]] as const) {
      const expected = (await model.evaluate(data.x, data.y, { metrics: ['confusionMatrix'] })).metrics!.confusionMatrix as { matrix: Int32Array };
      const cells = cellCounts(figures(html).get(`confusion-${set}`)!);
      expect(cells.size).toBe(9);
      for (let t = 0; t < 3; t++) for (let p = 0; p < 3; p++) expect(cells.get(`${t}→${p}`), `${set} ${t}→${p}`).toBe(expected.matrix[t * 3 + p]);
      expect([...cells.values()].reduce((a, b) => a + b, 0)).toBe(data.y.length);
    }
    // The blobs overlap: the matrix is not all diagonal, so the check above is not trivially 0s.
    const offDiagonal = [...cellCounts(figures(html).get('confusion-dev')!)].filter(([k, v]) => k[0] !== k[2] && v > 0);
    expect(offDiagonal.length).toBeGreaterThan(0);
  });

  it('states the diagnosis and every piece of its advice, and escapes the title', () => {
    const d = classification.history.diagnosis!;
    expect(html).toContain(`Verdict: ${d.verdict}`);
    for (const advice of d.advice) expect(html).toContain(advice.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
    expect(html).toContain(`${(100 * d.trainError).toFixed(2)}%`);
    expect(html).toContain('<title>Blobs &lt;3 classes&gt;</title>');
    expect(html).not.toContain('<3 classes>');
  });

  it('names the class axes with classNames when given', async () => {
    const { history, model, dev } = classification;
    const named = await written('named.html', history, { model, dev, classNames: ['setosa', 'versicolor', 'virginica'] });
    const cells = cellCounts(figures(named).get('confusion-dev')!);
    expect([...cells.keys()]).toContain('virginica→virginica');
  });
});

describe('writeReport: other fits', () => {
  it('without a dev set: train curves only, and says why there is no diagnosis', async () => {
    const data = blobs(3, 40, 2, 3);
    const model = sequential({ inputSize: 3, seed: 1, layers: [dense(4), relu(), dense(2)] });
    const history = await model.fit(data.x, data.y, { epochs: 4, verbose: 0 });
    const html = await written('no-dev.html', history);
    const charts = figures(html);
    expect([...charts.keys()]).toEqual(['loss', 'accuracy', 'learningRate', 'gradientNorms']);
    expect(dataMarks(svgOf(charts.get('loss')!)).line).toHaveLength(1);
    expect(html).toContain('No diagnosis: it needs a dev set');
  });

  it('a binary sigmoid model: a 2 × 2 confusion matrix', async () => {
    const data = blobs(4, 40, 2, 3);
    const model = sequential({ inputSize: 3, seed: 1, layers: [dense(4), relu(), dense(1)], output: 'sigmoid' });
    const history = await model.fit(data.x, data.y, { epochs: 3, validation: data, verbose: 0 });
    const html = await written('binary.html', history, { model, dev: data });
    const cells = cellCounts(figures(html).get('confusion-dev')!);
    expect(cells.size).toBe(4);
    expect([...cells.values()].reduce((a, b) => a + b, 0)).toBe(80);
  });
});

describe('writeReport: a regression fit', () => {
  let html: string;
  beforeAll(async () => {
    const { history, model, test } = regression;
    html = await written('regression.html', history, { model, test });
  });

  it('draws predicted against true for every test example, with the y = x line', () => {
    expectSelfContained(html);
    const charts = figures(html);
    expect([...charts.keys()]).toEqual(['loss', 'learningRate', 'gradientNorms', 'errors', 'scatter-test']);
    expectDrawn(charts);
    const marks = dataMarks(svgOf(charts.get('scatter-test')!));
    expect(marks.symbol).toHaveLength(regression.test.y.length);
    expect(marks.line).toHaveLength(1); // y = x
    expect(charts.get('scatter-test')).toMatch(/RMSE [\d.]+, MAE [\d.]+, R² 0\.9\d*/);
  });

  it('marks the best epoch early stopping restored', () => {
    const { history } = regression;
    expect(history.stoppedEarly).toBe(true);
    const loss = figures(html).get('loss')!;
    expect(dataMarks(svgOf(loss)).rule).toHaveLength(1);
    expect(loss).toContain(`the best epoch (${history.bestEpoch! + 1})`);
  });
});

describe('writeReport: tuning results', () => {
  it('random search: one chart per hyperparameter, log axes where sampled on a log scale, the rounds', async () => {
    const html = await written('search.html', search);
    expectSelfContained(html);
    const charts = figures(html);
    expect([...charts.keys()]).toEqual([...Object.keys(SPACE).map((k) => `hyperparameter-${k}`), 'rounds']);
    expectDrawn(charts);
    // Every trial drawn once in each hyperparameter chart, coloured by its round.
    for (const name of Object.keys(SPACE)) expect(dataMarks(svgOf(charts.get(`hyperparameter-${name}`)!)).symbol, name).toHaveLength(search.trials.length);
    expect(charts.get('rounds')).toMatch(/round<\/text>/);
    // Decades sit at equal distances on a log axis (and could not on a linear one).
    for (const name of ['learningRate', 'beta1']) {
      const labels = new Map(axisLabels(svgOf(charts.get(`hyperparameter-${name}`)!)));
      const xs = ['0.001', '0.01', '0.1'].map((t) => labels.get(t));
      expect(xs.every((x) => x !== undefined), `${name} decade labels ${[...labels.keys()]}`).toBe(true);
      const [a, b, c] = xs as number[];
      expect(b - a).toBeGreaterThan(10);
      expect(Math.abs(c - b - (b - a))).toBeLessThan(0.5);
    }
    const keepProb = new Map(axisLabels(svgOf(charts.get('hyperparameter-keepProb')!)));
    expect(keepProb.has('0.01')).toBe(false);
    expect(charts.get('hyperparameter-beta1')).toContain('1 − beta1 (log scale)');
  });

  it('plots 1 − β for oneMinusLogUniform and the value itself for the others', () => {
    const charts = tuningCharts(search, search.spaces[0], 'dev metric');
    const byName = new Map(charts.map((c) => [c.name, c.spec as any]));
    const scaleType = (name: string) => byName.get(`hyperparameter-${name}`).encoding.x.scale.type;
    expect([scaleType('learningRate'), scaleType('beta1'), scaleType('keepProb')]).toEqual(['log', 'log', undefined]);
    expect(byName.get('hyperparameter-activation').encoding.x.type).toBe('nominal');
    const xs = byName.get('hyperparameter-beta1').data.values.map((r: { x: number }) => r.x);
    expect(xs).toEqual(search.trials.map((t) => 1 - t.config.beta1));
    const lr = byName.get('hyperparameter-learningRate').data.values.map((r: { x: number }) => r.x);
    expect(lr).toEqual(search.trials.map((t) => t.config.learningRate));
  });

  it('successive halving: one line per trial across its rungs', async () => {
    const html = await written('halving.html', halving, { space: SPACE, metricName: 'dev accuracy' });
    expectSelfContained(html);
    const charts = figures(html);
    expect([...charts.keys()]).toEqual([...Object.keys(SPACE).map((k) => `hyperparameter-${k}`), 'rungs']);
    expectDrawn(charts);
    const marks = dataMarks(svgOf(charts.get('rungs')!));
    expect(marks.line).toHaveLength(halving.trials.length);
    expect(marks.symbol).toHaveLength(halving.trials.reduce((s, t) => s + t.history.length, 0));
    expect(charts.get('hyperparameter-learningRate')).toContain('dev accuracy');
  });

  it('successive halving without its space: numbers on linear axes, the rest as categories', async () => {
    const space = spaceFromConfigs(halving.trials);
    expect(Object.fromEntries(Object.entries(space).map(([k, d]) => [k, d.kind]))).toEqual({
      learningRate: 'uniform',
      beta1: 'uniform',
      keepProb: 'uniform',
      activation: 'choice',
    });
    const html = await written('halving-no-space.html', halving);
    expect([...figures(html).keys()]).toEqual([...Object.keys(SPACE).map((k) => `hyperparameter-${k}`), 'rungs']);
    expect(html).toContain('>learningRate</text>');
    expect(html).not.toContain('(log scale)');
  });
});

describe('writeReport: arguments', () => {
  const file = () => path.join(dir, 'bad.html');

  it('refuses unknown options with a suggestion, per kind of result', async () => {
    const { history, model } = classification;
    await expect(writeReport(history, file(), { modle: model } as never)).rejects.toThrow(/^writeReport options: unknown option 'modle' \(did you mean 'model'\?\)$/);
    await expect(writeReport(history, file(), { space: SPACE } as never)).rejects.toThrow(/^writeReport options: unknown option 'space'/);
    await expect(writeReport(search, file(), { space: SPACE } as never)).rejects.toThrow(/^writeReport options: unknown option 'space'/);
    await expect(writeReport(halving, file(), { metric: 'x' } as never)).rejects.toThrow(/did you mean 'metricName'/);
  });

  it('names the argument that is wrong', async () => {
    const { history, model, dev } = classification;
    await expect(writeReport({ epochs: 3 } as never, file())).rejects.toThrow(/^writeReport: result: expected a fit History/);
    await expect(writeReport(null as never, file())).rejects.toThrow(/^writeReport: result: /);
    await expect(writeReport(history, '' as never)).rejects.toThrow(/^writeReport: path: expected a non-empty string/);
    await expect(writeReport(history, file(), { dev })).rejects.toThrow(/^writeReport: model: needed to predict dev/);
    await expect(writeReport(history, file(), { model: {} as never, dev })).rejects.toThrow(/^writeReport: model: expected the model/);
    await expect(writeReport(history, file(), { model, dev: { x: dev.x } as never })).rejects.toThrow(/^writeReport: dev: expected an object \{ x, y \}/);
    await expect(writeReport(history, file(), { model, test: { x: dev.x, y: dev.y.slice(1) } })).rejects.toThrow(/^writeReport: test\.y: /);
    await expect(writeReport(history, file(), { classNames: [1, 2] as never })).rejects.toThrow(/^writeReport: classNames: expected an array of strings/);
    await expect(writeReport(halving, file(), { space: { lr: { kind: 'log' } } as never })).rejects.toThrow(/^writeReport: space\.lr: /);
    await expect(fs.stat(file())).rejects.toThrow(/ENOENT/); // nothing written by a refused call
  });

  it('replaces an existing report atomically, leaving no temporary file', async () => {
    const target = path.join(dir, 'replaced', 'report.html');
    await fs.mkdir(path.dirname(target));
    await fs.writeFile(target, 'old');
    await writeReport(search, target);
    expect(await fs.readFile(target, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    expect(await fs.readdir(path.dirname(target))).toEqual(['report.html']);
  });
});
