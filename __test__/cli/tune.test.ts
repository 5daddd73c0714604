// `tunenet tune` (issue 10, "A command line"): random search over the usual hyperparameters on
// seattle-weather.csv, run as a user runs it (node bin/tunenet.js, from dist/). It prints a line
// per trial and the trials best first, keeps the best trial's model, and that model — loaded back
// — scores on the test part exactly what was printed. Same seed, same search.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel, type Sequential } from '../../src';
import { loadData } from '../../src/cli/dataset';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin/tunenet.js');
const csv = path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tunenet-tune-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tunenet(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, TUNENET_VERBOSE: '0' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The results table's rows (trial … devMetric epochs), without the seconds column. */
function tableRows(stdout: string): string[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.startsWith('trial  round'));
  const rows: string[] = [];
  for (let i = header + 1; i < lines.length && /^\s+\*?\d+\s/.test(lines[i]); i++) rows.push(lines[i].replace(/\s+[\d.]+$/, ''));
  return rows;
}

describe('tunenet tune on seattle-weather.csv', () => {
  const base = ['--drop', 'date', '--trials', '4', '--rounds', '2', '--epochs', '8', '--patience', '3'];

  it('classification: a line per trial, the table best first, and the best model written as scored', async () => {
    const out = path.join(tmp, 'weather.safetensors');
    const r = tunenet('tune', csv, '--label', 'weather', ...base, '--out', out, '--verbose', '2');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const trialLines = r.stdout.split('\n').filter((l) => /^trials \d\/4  trial \d  devMetric [\d.]+  .*best [\d.]+ \(trial \d\)/.test(l));
    expect(trialLines).toHaveLength(4);
    const rows = tableRows(r.stdout);
    expect(rows).toHaveLength(4);
    const metrics = rows.map((row) => Number(row.trim().split(/\s+/).at(-2)));
    expect(metrics).toEqual([...metrics].sort((a, b) => b - a)); // best first
    const bestIndex = Number(/^\s+\*(\d+)/.exec(rows[0])![1]);
    expect(r.stdout).toContain(`best: trial ${bestIndex}: 4 → `);

    // The written model is the best trial's: loaded back, it scores what was printed on the test part.
    const printed = /test \(219 rows\): loss ([\d.]+), accuracy ([\d.]+)/.exec(r.stdout)!;
    const model = (await loadModel(out)) as Sequential<'softmax'>;
    const data = loadData(csv, { label: 'weather', task: 'auto', drop: ['date'], split: [0.7, 0.15, 0.15], seed: 0 }, () => {});
    const ev = await model.evaluate(data.test.x, data.test.y);
    expect(ev.accuracy.toPrecision(4)).toBe(Number(printed[2]).toPrecision(4));
    expect(model.normalizer).toBeDefined();
    // Beside it: the ONNX export and the search's report (a chart per hyperparameter).
    expect(statSync(path.join(tmp, 'weather.onnx')).size).toBeGreaterThan(1000);
    const html = readFileSync(path.join(tmp, 'weather.report.html'), 'utf8');
    for (const name of ['learningRate', 'l2', 'keepProb', 'hidden', 'batchSize']) expect(html).toContain(name);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(5);
  });

  it('regression: scored by dev RMSE; the same seed gives the same search', () => {
    const run = (seed: string) => tunenet('tune', csv, '--label', 'temp_max', ...base, '--seed', seed, '--out', path.join(tmp, `temp${seed}.safetensors`));
    const [a, b, c] = [run('3'), run('3'), run('4')];
    for (const r of [a, b, c]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).not.toMatch(/^trials /m); // TUNENET_VERBOSE=0
      expect(r.stdout).toMatch(/test \(219 rows\): RMSE [\d.]+, MAE [\d.]+, R² [\d.-]+/);
    }
    expect(tableRows(a.stdout)).toHaveLength(4);
    expect(tableRows(a.stdout)).toEqual(tableRows(b.stdout));
    expect(tableRows(a.stdout)).not.toEqual(tableRows(c.stdout));
  });

  it('rejects a budget smaller than the rounds, and documents its flags', () => {
    const r = tunenet('tune', csv, '--label', 'weather', '--trials', '1', '--rounds', '2');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('tunenet: --trials: 1 trials cannot cover --rounds 2 (need trials ≥ rounds)\n');
    const help = tunenet('--help');
    for (const flag of ['--trials', '--rounds', '--concurrency', '--patience', '--label', '--split']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toContain('Usage: tunenet tune');
  });
});
