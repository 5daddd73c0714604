// writeReport from the built package (dist/, CommonJS from tsc, plus the ESM entry), in fresh
// Node processes: requiring or importing tunenet loads neither vega nor vega-lite (checked in
// the CommonJS cache and with an ES-module resolve hook that reports every module resolved);
// the first writeReport loads them (the positive control: the hook does see them) through the
// import() that must survive compilation. Then the examples write their reports with --report.
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectResolvedUrls } from '../helpers/resolvedUrls';
import { dataMarks, figures, svgOf } from './parse';

const root = path.resolve(__dirname, '../..');
const dist = path.join(root, 'dist', 'index.js');
let dir: string;

beforeAll(async () => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build:ts\` first (npm test builds before testing)`);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tunenet-report-dist-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/**
 * A script that loads tunenet (`require` or `import`), lists the vega modules loaded by then,
 * trains a tiny model, writes its report and lists them again; prints JSON.
 */
function probeScript(load: 'require' | 'import', report: string): string {
  const entry = load === 'require' ? `require(${JSON.stringify(dist)})` : `await import(${JSON.stringify(path.join(root, 'dist', 'index.mjs'))})`;
  return `
${collectResolvedUrls('commonjs')}const isVega = (s) => /node_modules[\\\\/]vega(-lite)?[\\\\/]/.test(s);
const loaded = () => [...Object.keys(require.cache), ...resolved].filter(isVega);
const settle = () => new Promise((r) => setTimeout(r, 200)); // the hook's messages arrive asynchronously
(async () => {
  const tunenet = ${entry};
  await settle();
  const afterLoad = loaded();
  const model = tunenet.sequential({ inputSize: 2, seed: 1, layers: [tunenet.dense(4), tunenet.relu(), tunenet.dense(2)] });
  const x = new Float32Array([0, 0, 1, 1, 0, 1, 1, 0, 0.1, 0.2, 0.9, 0.8]);
  const y = new Int32Array([0, 1, 0, 0, 0, 1]);
  const history = await model.fit(x, y, { epochs: 3, validation: { x, y }, verbose: 0 });
  await tunenet.writeReport(history, ${JSON.stringify(report)}, { model, dev: { x, y } });
  await settle();
  console.log(JSON.stringify({ afterLoad, afterReport: loaded(), hooked: resolved.length }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
}

function run(args: string[], timeout = 60_000) {
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout });
}

describe('writeReport from the built package', () => {
  it.each(['require', 'import'] as const)('%s(tunenet) loads no vega; the first report does, and writes the charts', async (load) => {
    const report = path.join(dir, `${load}.html`);
    const script = path.join(dir, `${load}.cjs`);
    await fs.writeFile(script, probeScript(load, report));
    const r = run([script]);
    expect(r.status, r.stderr).toBe(0);
    // No ExperimentalWarning: outside a test runner's vm the ordinary import() is the one taken.
    expect(r.stderr).toBe('');
    const probe = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(probe.afterLoad).toEqual([]);
    expect(probe.hooked).toBeGreaterThan(0); // the hook saw modules (tunenet's own ESM entry, vega)
    expect(probe.afterReport.some((u: string) => /node_modules[\\/]vega[\\/]/.test(u))).toBe(true);
    expect(probe.afterReport.some((u: string) => /node_modules[\\/]vega-lite[\\/]/.test(u))).toBe(true);
    const charts = figures(await fs.readFile(report, 'utf8'));
    expect([...charts.keys()]).toEqual(['loss', 'accuracy', 'learningRate', 'gradientNorms', 'errors', 'confusion-dev']);
    for (const [name, figure] of charts) expect(Object.values(dataMarks(svgOf(figure))).flat().length, name).toBeGreaterThan(0);
  });
});

describe('the examples write their report with --report', () => {
  it('regression: curves, diagnosis and predicted-vs-true for dev and test', async () => {
    const report = path.join(dir, 'cars.html');
    const r = run(['examples/regression/train.mjs', '--epochs', '20', '--report', report]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report: ${report}`);
    const charts = figures(await fs.readFile(report, 'utf8'));
    expect([...charts.keys()]).toEqual(['loss', 'learningRate', 'gradientNorms', 'errors', 'scatter-dev', 'scatter-test']);
    // 392 usable cars, 20% each for dev and test.
    expect(dataMarks(svgOf(charts.get('scatter-test')!)).symbol!.length).toBeGreaterThan(70);
  });

  it('mnist: curves, diagnosis and the two 10-class confusion matrices', async () => {
    const report = path.join(dir, 'mnist.html');
    const r = run(['examples/mnist/train.mjs', '--epochs', '1', '--no-augment', '--report', report], 120_000);
    expect(r.status, r.stderr).toBe(0);
    const charts = figures(await fs.readFile(report, 'utf8'));
    expect([...charts.keys()]).toEqual(['loss', 'accuracy', 'learningRate', 'gradientNorms', 'errors', 'confusion-dev', 'confusion-test']);
    const cells = dataMarks(svgOf(charts.get('confusion-test')!));
    expect(cells.rect).toHaveLength(100);
    expect(cells.text).toHaveLength(100);
  });

  it('tune-mnist: the dev accuracy against each of its 4 hyperparameters, and the rounds', async () => {
    const report = path.join(dir, 'tuning.html');
    const r = run(['examples/tune-mnist/tune.mjs', '--trials', '4', '--rounds', '2', '--epochs', '1', '--workers', '2', '--report', report], 120_000);
    expect(r.status, r.stderr).toBe(0);
    const html = await fs.readFile(report, 'utf8');
    expect([...figures(html).keys()]).toEqual(['hyperparameter-learningRate', 'hyperparameter-beta1', 'hyperparameter-l2', 'hyperparameter-keepProb', 'rounds']);
    expect(html).toContain('1 − beta1 (log scale)');
    expect(html).toContain('l2 (log scale)');
    expect(html).not.toContain('keepProb (log scale)');
  });

  it('--report takes only an .html path, checked before any data is loaded', () => {
    const r = run(['examples/regression/train.mjs', '--report', 'cars.txt']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("train.mjs: --report: expected a file path ending in .html, got 'cars.txt'\n");
  });
});
