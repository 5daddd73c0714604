// The fit half of the report: learning curves from a History (every train/dev pair an EpochLog
// holds, the learning rate, per-layer gradient norms on a log axis) and the bias/variance
// diagnosis with its advice.
import type { Diagnosis } from '../diagnosis/biasVariance';
import type { EpochLog, History } from '../training/fit';
import { escapeHtml, list, table } from './html';
import { chartSpec, formatNumber, positive, scaleFor, type Chart } from './specs';

const SET_COLORS = { domain: ['train', 'dev'], range: ['#0969da', '#cf222e'] };

/** Epochs are shown 1-based, as fit's verbose output and the examples print them. */
const shownEpoch = (log: EpochLog) => log.epoch + 1;

/**
 * The quantities an EpochLog measures on both sets, by name: `trainLoss`/`devLoss` → 'loss',
 * `trainAccuracy`/`devAccuracy` → 'accuracy', and any pair fit logs later the same way.
 */
export function measuredPairs(epochs: readonly EpochLog[]): string[] {
  const names = new Set<string>();
  for (const log of epochs) {
    for (const [key, value] of Object.entries(log)) {
      const m = /^(?:train|dev)([A-Z]\w*)$/.exec(key);
      if (m && typeof value === 'number') names.add(m[1]);
    }
  }
  // Loss first, then the metrics in the order fit logs them.
  return [...names].sort((a, b) => (a === 'Loss' ? -1 : b === 'Loss' ? 1 : 0));
}

function bestEpochRule(history: History): object[] {
  if (history.bestEpoch === undefined) return [];
  return [
    {
      data: { values: [{ epoch: history.bestEpoch + 1 }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#57606a' },
      encoding: { x: { field: 'epoch', type: 'quantitative' } },
    },
  ];
}

function pairChart(history: History, measure: string): Chart {
  const rows: { epoch: number; value: number; set: string }[] = [];
  for (const log of history.epochs) {
    for (const set of ['train', 'dev'] as const) {
      const value = (log as unknown as Record<string, unknown>)[`${set}${measure}`];
      if (typeof value === 'number' && Number.isFinite(value)) rows.push({ epoch: shownEpoch(log), value, set });
    }
  }
  const name = measure[0].toLowerCase() + measure.slice(1);
  const line = {
    data: { values: rows },
    mark: { type: 'line', point: history.epochs.length <= 60 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      // A loss that falls by orders of magnitude gets a log axis, so the late epochs stay visible.
      y: { field: 'value', type: 'quantitative', title: name, scale: measure === 'Loss' ? scaleFor(rows.map((r) => r.value), 20) : { zero: false } },
      color: { field: 'set', type: 'nominal', title: null, scale: SET_COLORS },
    },
  };
  const notes = [
    measure !== 'Loss' ? `train ${name} is measured on the batches as they were trained (dropout on); dev ${name} in evaluation mode` : 'train loss includes regularization; dev loss does not',
    ...(history.bestEpoch !== undefined ? [`dashed line: the best epoch (${history.bestEpoch + 1}), whose weights early stopping restored`] : []),
  ];
  return { name, title: `${name[0].toUpperCase()}${name.slice(1)} per epoch`, spec: chartSpec({ layer: [line, ...bestEpochRule(history)] }), note: notes.join('; ') + '.' };
}

function learningRateChart(history: History): Chart {
  const rows = history.epochs.map((log) => ({ epoch: shownEpoch(log), learningRate: log.learningRate }));
  return {
    name: 'learningRate',
    title: 'Learning rate per epoch',
    spec: chartSpec(
      {
        data: { values: rows },
        mark: { type: 'line', point: rows.length <= 60, color: '#8250df' },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'learningRate', type: 'quantitative', title: 'learning rate', scale: scaleFor(rows.map((r) => r.learningRate)), axis: { format: '~g' } },
        },
      },
      { height: 200 },
    ),
  };
}

function gradientNormChart(history: History, layerNames: readonly string[]): Chart | undefined {
  const layers = history.epochs[0]?.gradNorms.length ?? 0;
  const rows: { epoch: number; norm: number; layer: string }[] = [];
  for (let layer = 0; layer < layers; layer++) {
    // A layer without parameters (activation, dropout) has a norm of 0 at every epoch: nothing to plot.
    if (!history.epochs.some((log) => log.gradNorms[layer] > 0)) continue;
    const name = layerNames[layer] ?? `layer ${layer}`;
    for (const log of history.epochs) {
      const norm = log.gradNorms[layer];
      if (positive([norm]).length === 1) rows.push({ epoch: shownEpoch(log), norm, layer: name });
    }
  }
  if (rows.length === 0) return undefined;
  return {
    name: 'gradientNorms',
    title: 'Gradient norm per layer (log scale)',
    spec: chartSpec({
      data: { values: rows },
      mark: { type: 'line', point: history.epochs.length <= 60 },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
        y: { field: 'norm', type: 'quantitative', title: 'mean gradient L2 norm', scale: { type: 'log' } },
        color: { field: 'layer', type: 'nominal', title: 'layer', sort: null },
      },
    }),
    note: "Each layer's gradient norm averaged over the epoch's steps; layers without parameters are left out. Norms far below the others' vanish, far above explode.",
  };
}

/** The learning curves of a fit: one chart per train/dev pair, the learning rate, the gradient norms. */
export function learningCurves(history: History, layerNames: readonly string[] = []): Chart[] {
  if (history.epochs.length === 0) return [];
  const charts = measuredPairs(history.epochs).map((measure) => pairChart(history, measure));
  charts.push(learningRateChart(history));
  const norms = gradientNormChart(history, layerNames);
  if (norms) charts.push(norms);
  return charts;
}

/** Epochs, stopping, final values and time, as a table. */
export function fitSummaryHtml(history: History): string {
  const epochs = history.epochs;
  if (epochs.length === 0) return '<p>The history holds no epochs.</p>';
  const last = epochs[epochs.length - 1];
  const held = epochs.find((e) => e.epoch === history.bestEpoch) ?? last;
  const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
  const rows: string[][] = [
    ['epochs', `${shownEpoch(epochs[0])} to ${shownEpoch(last)} (${epochs.length})`],
    ['stopped early', history.stoppedEarly ? `yes; the model holds the weights of epoch ${held.epoch + 1}` : 'no'],
    ['steps', String(epochs.reduce((s, e) => s + e.steps, 0))],
    ['time', `${seconds.toFixed(1)} s`],
  ];
  for (const measure of measuredPairs(epochs)) {
    for (const set of ['train', 'dev']) {
      const value = (held as unknown as Record<string, unknown>)[`${set}${measure}`];
      if (typeof value === 'number') rows.push([`${set} ${measure.toLowerCase()} (epoch ${held.epoch + 1})`, formatNumber(value)]);
    }
  }
  return table(null, rows);
}

function errorText(d: Diagnosis, v: number): string {
  return d.scale === 'rate' ? `${(100 * v).toFixed(2)}%` : formatNumber(v);
}

/** Base, train and dev error as bars: the two gaps the diagnosis judges, at a glance. */
export function errorChart(d: Diagnosis): Chart {
  const rows = [
    { error: 'base', value: d.baseError },
    { error: 'train', value: d.trainError },
    { error: 'dev', value: d.devError },
  ];
  const title = d.scale === 'rate' ? 'error rate' : 'loss';
  return {
    name: 'errors',
    title: `Base, train and dev ${title}`,
    spec: chartSpec(
      {
        data: { values: rows },
        layer: [
          {
            mark: { type: 'bar', color: '#54aeff' },
            encoding: {
              y: { field: 'error', type: 'nominal', title: null, sort: null },
              x: { field: 'value', type: 'quantitative', title, axis: d.scale === 'rate' ? { format: '.1%' } : {} },
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4 },
            encoding: {
              y: { field: 'error', type: 'nominal', sort: null },
              x: { field: 'value', type: 'quantitative' },
              text: { field: 'value', type: 'quantitative', format: d.scale === 'rate' ? '.2%' : '.4~g' },
            },
          },
        ],
      },
      { height: 110 },
    ),
    note: `avoidable bias = train − base = ${errorText(d, d.avoidableBias)}; variance = dev − train = ${errorText(d, d.variance)}.`,
  };
}

/** The verdict, the errors it came from and the basic recipe's next steps. */
export function diagnosisHtml(history: History): string {
  const d = history.diagnosis;
  const parts: string[] = [];
  if (!d) {
    parts.push('<p>No diagnosis: it needs a dev set (fit with <code>validation</code>).</p>');
  } else {
    const tolerance = d.scale === 'rate' ? `${(100 * d.tolerance).toFixed(1)} points` : `${(100 * d.tolerance).toFixed(0)}% of the dev loss`;
    parts.push(`<p class="verdict">Verdict: ${escapeHtml(d.verdict)}</p>`);
    parts.push(
      table(
        ['base error', 'train error', 'dev error', 'avoidable bias', 'variance', 'a gap is high above'],
        [[d.baseError, d.trainError, d.devError, d.avoidableBias, d.variance].map((v) => errorText(d, v)).concat(tolerance)],
      ),
    );
    // Both recipes suggest another architecture: list it once.
    parts.push('<p>Next steps (bias first):</p>', list([...new Set(d.advice)]));
  }
  const warnings = history.gradientWarnings ?? [];
  if (warnings.length > 0) parts.push('<p>Gradient warnings:</p>', list(warnings.map((w) => w.message)));
  return parts.join('\n');
}
