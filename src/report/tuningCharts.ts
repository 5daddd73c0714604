// The tuning half of the report: the dev metric against each hyperparameter, on the axis the
// search sampled it on (log10 α for logUniform, log10(1 − β) for oneMinusLogUniform), points
// coloured by coarse-to-fine round; the rounds in trial order; successive halving's rungs as one
// line per trial.
import type { HalvingResult, HalvingTrial } from '../tuning/successiveHalving';
import type { SearchResult } from '../tuning/randomSearch';
import type { Dimension, Space } from '../tuning/space';
import type { TrialRecord } from '../tuning/trials';
import { escapeHtml, table } from './html';
import { chartSpec, formatNumber, scaleFor, type Chart } from './specs';

export type TuningResult = SearchResult<unknown> | HalvingResult<unknown>;

export function isHalvingResult(result: TuningResult): result is HalvingResult<unknown> {
  return Array.isArray((result as HalvingResult<unknown>).rungs);
}

const finished = <T extends { devMetric: number }>(trials: readonly T[]) => trials.filter((t) => Number.isFinite(t.devMetric));

/** A config's value of one hyperparameter. */
function valueOf(trial: TrialRecord<unknown>, name: string): unknown {
  const config = trial.config;
  return config !== null && typeof config === 'object' ? (config as Record<string, unknown>)[name] : undefined;
}

/**
 * Without the space (a successiveHalving result does not keep it), each hyperparameter is read
 * from the configs: numbers on a linear axis, anything else as categories.
 */
export function spaceFromConfigs(trials: readonly TrialRecord<unknown>[]): Space {
  const space: Record<string, Dimension> = {};
  const first = trials[0]?.config;
  if (first === null || typeof first !== 'object') return space;
  for (const name of Object.keys(first)) {
    const values = trials.map((t) => valueOf(t, name));
    if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      const numbers = values as number[];
      const lo = numbers.reduce((a, b) => Math.min(a, b), Infinity);
      const hi = numbers.reduce((a, b) => Math.max(a, b), -Infinity);
      if (lo < hi) space[name] = { kind: 'uniform', lo, hi };
    } else {
      space[name] = { kind: 'choice', values: [...new Set(values)] };
    }
  }
  return space;
}

/** How one dimension is plotted: the value shown, the axis title and scale. */
function axisOf(name: string, d: Dimension): { shown: (v: unknown) => unknown; title: string; type: 'quantitative' | 'nominal'; scale: object; log: boolean } {
  switch (d.kind) {
    case 'logUniform':
      return { shown: (v) => v, title: `${name} (log scale)`, type: 'quantitative', scale: { type: 'log' }, log: true };
    case 'oneMinusLogUniform':
      // Sampled as 1 − 10^r: the axis is log(1 − value), so 0.9, 0.99, 0.999 are evenly spaced.
      return { shown: (v) => 1 - (v as number), title: `1 − ${name} (log scale)`, type: 'quantitative', scale: { type: 'log' }, log: true };
    case 'choice':
      return { shown: (v) => (typeof v === 'string' ? v : JSON.stringify(v)), title: name, type: 'nominal', scale: {}, log: false };
    default:
      return { shown: (v) => v, title: name, type: 'quantitative', scale: { zero: false }, log: false };
  }
}

/** What colours a trial: its round (random search) or the epochs it trained (successive halving). */
function groupOf(result: TuningResult, trial: TrialRecord<unknown>): number {
  return isHalvingResult(result) ? (trial as HalvingTrial<unknown>).epochs ?? 0 : trial.round;
}

function groupTitle(result: TuningResult): string {
  return isHalvingResult(result) ? 'epochs trained' : 'round';
}

/** Numbers on an ordinal scale sort as numbers: round 0, 1, 2; 1, 3, 9 epochs. */
function groupColor(title: string): object {
  return { field: 'group', type: 'ordinal', title, scale: { scheme: 'viridis' } };
}

function hyperparameterChart(result: TuningResult, name: string, d: Dimension, metricName: string): Chart {
  const axis = axisOf(name, d);
  const rows = finished(result.trials).map((t) => ({ x: axis.shown(valueOf(t, name)), devMetric: t.devMetric, group: groupOf(result, t) }));
  const note = isHalvingResult(result)
    ? `Each trial's ${metricName} at the last rung it reached, coloured by the epochs it trained.`
    : `Coloured by coarse-to-fine round: later rounds sample a range zoomed around the best trials so far.`;
  return {
    name: `hyperparameter-${name}`,
    title: `${metricName} against ${name}`,
    spec: chartSpec(
      {
        data: { values: rows },
        mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
        encoding: {
          x: { field: 'x', type: axis.type, title: axis.title, scale: axis.scale },
          y: { field: 'devMetric', type: 'quantitative', title: metricName, scale: { zero: false } },
          color: groupColor(groupTitle(result)),
        },
      },
      { width: 340, height: 220 },
    ),
    note: `${axis.log ? 'Log axis: the search sampled this hyperparameter on a log scale. ' : ''}${note}`,
  };
}

function roundsChart(result: SearchResult<unknown>, metricName: string): Chart {
  const rows = finished(result.trials).map((t) => ({ trial: t.index, devMetric: t.devMetric, group: t.round }));
  return {
    name: 'rounds',
    title: `${metricName} per trial, by round`,
    spec: chartSpec({
      data: { values: rows },
      mark: { type: 'point', filled: true, size: 50 },
      encoding: {
        x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1 } },
        y: { field: 'devMetric', type: 'quantitative', title: metricName, scale: { zero: false } },
        color: groupColor('round'),
      },
    }),
    note: 'Trials in the order they were drawn; each round samples the space zoomed around the best trials of the rounds before.',
  };
}

function rungsChart(result: HalvingResult<unknown>, metricName: string): Chart {
  const rows: { trial: number; epochs: number; devMetric: number; outcome: string }[] = [];
  for (const t of result.trials) {
    const outcome = t.stopped ? 'stopped early' : 'ran every rung';
    for (const h of t.history) if (Number.isFinite(h.devMetric)) rows.push({ trial: t.index, epochs: h.epochs, devMetric: h.devMetric, outcome });
  }
  const encoding = {
    x: { field: 'epochs', type: 'quantitative', title: 'epochs trained (rung budget)', scale: scaleFor(result.rungs, 4), axis: { values: result.rungs } },
    y: { field: 'devMetric', type: 'quantitative', title: metricName, scale: { zero: false } },
    color: { field: 'outcome', type: 'nominal', title: null, scale: { domain: ['stopped early', 'ran every rung'], range: ['#afb8c1', '#cf222e'] } },
  };
  return {
    name: 'rungs',
    title: `Successive halving: ${metricName} per rung`,
    spec: chartSpec({
      data: { values: rows },
      layer: [
        { mark: { type: 'line', opacity: 0.7 }, encoding: { ...encoding, detail: { field: 'trial', type: 'nominal' } } },
        { mark: { type: 'point', filled: true, size: 30 }, encoding },
      ],
    }),
    note: `One line per trial; rungs at ${result.rungs.join(', ')} epochs. At each rung only the best trials go on.`,
  };
}

/** The charts of a tuning result, given the space its configs were drawn from. */
export function tuningCharts(result: TuningResult, space: Space, metricName: string): Chart[] {
  const charts = Object.entries(space).map(([name, d]) => hyperparameterChart(result, name, d, metricName));
  charts.push(isHalvingResult(result) ? rungsChart(result, metricName) : roundsChart(result, metricName));
  return charts;
}

function shownValue(v: unknown): string {
  return typeof v === 'number' ? formatNumber(v) : typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}

/** Best configuration, the top trials, failures and (random search) each round's space. */
export function tuningSummaryHtml(result: TuningResult, space: Space, metricName: string, top = 10): string {
  const names = Object.keys(space);
  const ok = finished(result.trials);
  const parts = [
    `<p>${result.trials.length} trials, ${result.trials.length - ok.length} failed, ${result.seconds.toFixed(1)} s. Best: trial ${result.best.index} with ${escapeHtml(metricName)} ${escapeHtml(formatNumber(result.best.devMetric))}.</p>`,
  ];
  const ranked = [...ok].sort((a, b) => b.devMetric - a.devMetric || a.index - b.index).slice(0, top);
  const group = isHalvingResult(result) ? 'epochs' : 'round';
  parts.push(
    table(
      ['trial', group, metricName, ...names],
      ranked.map((t) => [String(t.index), isHalvingResult(result) ? String(t.epochs ?? '') : String(t.round), formatNumber(t.devMetric), ...names.map((n) => shownValue(valueOf(t, n)))]),
    ),
  );
  if (!isHalvingResult(result) && result.spaces.length > 1) {
    const range = (d: Dimension) => (d.kind === 'choice' ? d.values.map(shownValue).join(' | ') : `${formatNumber(d.lo)} to ${formatNumber(d.hi)}`);
    parts.push('<p>Space sampled by each round:</p>', table(['round', ...names], result.spaces.map((s, r) => [String(r), ...names.map((n) => (s[n] ? range(s[n]) : ''))])));
  }
  return parts.join('\n');
}
