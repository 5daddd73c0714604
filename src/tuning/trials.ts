// Trials: what an objective receives and returns, how one call is timed and checked, how trials
// are ranked (higher dev metric first), and the results table.
import { integer, oneOf, optional, options as strict, typeError } from '../validation/args';

export interface TrialContext {
  /** 0-based index of the trial in its search. */
  trial: number;
  /** 0-based round of a coarse-to-fine random search (0 in successive halving). */
  round: number;
  /** The search's seed, the same for every trial: trials differ by their config only. Seed the model with it. */
  seed: number;
  /** This trial's native thread budget: pass it as the model's `threads`. */
  threads: number;
  /**
   * Reports one epoch's numbers (e.g. fit's `onEpochEnd: (log) => context.report?.(log)`): they
   * are recorded in the study (`TrialRecord.epochLog`) and reach the executor's watchers. Returns
   * false once the search has asked this trial to stop. Absent when the objective is called by hand.
   */
  report?: (log: object) => boolean;
  /** Aborted when the search asks this trial to stop (it was closed, or failed): stop training early. */
  signal?: AbortSignal;
}

/** One epoch as an objective reported it: the numeric fields of its log (`epoch`, `devAccuracy`, …). */
export type EpochReport = Record<string, number>;

/** The numeric fields of a log: what a report keeps (and what can cross threads and hosts). */
export function epochReportOf(log: unknown): EpochReport {
  const out: EpochReport = {};
  if (log !== null && typeof log === 'object') {
    for (const [k, v] of Object.entries(log)) if (typeof v === 'number') out[k] = v;
  }
  return out;
}

/** What an objective resolves with. Anything else it returns is kept in `TrialRecord.result`. */
export interface ObjectiveResult {
  /** Higher is better (e.g. dev accuracy; return −loss for a loss). NaN marks a failed trial. */
  devMetric: number;
  /** Epochs the trial trained (shown in the table). */
  epochs?: number;
  [key: string]: unknown;
}

export type Objective<C, X extends TrialContext = TrialContext> = (config: C, context: X) => ObjectiveResult | Promise<ObjectiveResult>;

/** An objective that runs on worker threads: `module` (absolute path) exports `exportName` (default 'objective'). */
export interface ObjectiveModule {
  module: string;
  exportName?: string;
}

export interface TrialRecord<C> {
  index: number;
  round: number;
  config: C;
  /** The objective's dev metric; NaN when the trial failed (see `error`). */
  devMetric: number;
  epochs?: number;
  /** Wall time of the objective call. */
  seconds: number;
  result?: ObjectiveResult;
  /** Why the trial failed (thrown error, missing or non-finite devMetric). */
  error?: string;
  /** Every epoch the objective reported with `context.report`, in order (all rungs of a halving trial). */
  epochLog: EpochReport[];
  /** Times the trial was started: 1, or more when an executor re-ran it after losing its worker. */
  attempts: number;
  /** Host name of the machine that ran it (its last run). */
  host: string;
  /** When its (last) objective call started and ended, in ms since 1970 (Date.now()). */
  startedAt: number;
  endedAt: number;
}

export interface Outcome {
  devMetric: number;
  seconds: number;
  result?: ObjectiveResult;
  error?: string;
}

/** Calls the objective once, timing it; a throw or a bad result becomes a failed outcome, not an exception. */
export async function callObjective<C, X>(fn: (config: C, context: X) => unknown, config: C, context: X): Promise<Outcome> {
  const started = performance.now();
  try {
    const result = (await fn(config, context)) as ObjectiveResult;
    const seconds = (performance.now() - started) / 1000;
    if (result === null || typeof result !== 'object' || typeof result.devMetric !== 'number') {
      return { devMetric: NaN, seconds, error: `objective: must resolve to { devMetric: number, … }, got ${result === null ? 'null' : typeof result}` };
    }
    if (!Number.isFinite(result.devMetric)) return { devMetric: NaN, seconds, result, error: `objective: devMetric is ${result.devMetric}` };
    return { devMetric: result.devMetric, seconds, result };
  } catch (e) {
    return { devMetric: NaN, seconds: (performance.now() - started) / 1000, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Best first: higher devMetric, failed (NaN) trials last, ties broken by the lower index. */
export function compareTrials(a: { devMetric: number; index: number }, b: { devMetric: number; index: number }): number {
  const fa = Number.isFinite(a.devMetric);
  const fb = Number.isFinite(b.devMetric);
  if (fa !== fb) return fa ? -1 : 1;
  if (fa && a.devMetric !== b.devMetric) return b.devMetric - a.devMetric;
  return a.index - b.index;
}

export function rankTrials<T extends { devMetric: number; index: number }>(trials: readonly T[]): T[] {
  return [...checkTrials<T>('rankTrials: trials', trials, ['index', 'devMetric'])].sort(compareTrials);
}

/** An array of records whose listed fields are numbers (devMetric may be NaN: a failed trial). */
function checkTrials<T>(where: string, trials: unknown, numeric: readonly string[]): readonly T[] {
  if (!Array.isArray(trials)) throw typeError(where, 'an array of trial records', trials);
  trials.forEach((t, i) => {
    if (t === null || typeof t !== 'object') throw typeError(`${where}[${i}]`, 'a trial record', t);
    for (const field of numeric) {
      const v = (t as Record<string, unknown>)[field];
      if (typeof v !== 'number') throw typeError(`${where}[${i}].${field}`, 'a number', v);
    }
  });
  return trials as readonly T[];
}

function formatValue(v: unknown): string {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    if (!Number.isFinite(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export interface TableOptions {
  /** 'index' (default) or 'devMetric' (best first). */
  sortBy?: 'index' | 'devMetric';
  /** Only the first `limit` rows after sorting. */
  limit?: number;
}

/** A plain-text table of trials: index, round, the config's values, dev metric, epochs, seconds. */
export function formatTrials<C>(trials: readonly TrialRecord<C>[], options: TableOptions = {}): string {
  checkTrials('formatTrials: trials', trials, ['index', 'round', 'devMetric', 'seconds']);
  const o = strict('formatTrials options', options, ['sortBy', 'limit'] as const);
  const sortBy = optional(o.sortBy, 'index', (v) => oneOf('formatTrials: sortBy', v, ['index', 'devMetric'] as const));
  const limit = optional(o.limit, trials.length, (v) => integer('formatTrials: limit', v, 0));
  const rows = sortBy === 'devMetric' ? rankTrials(trials) : [...trials].sort((a, b) => a.index - b.index);
  const shown = rows.slice(0, limit);
  const best = rankTrials(trials)[0];
  const keys = [...new Set(trials.flatMap((t) => Object.keys((t.config ?? {}) as object)))];
  const failed = trials.some((t) => t.error !== undefined);
  const header = ['trial', 'round', ...keys, 'devMetric', keys.includes('epochs') ? 'epochsRun' : 'epochs', 'seconds', ...(failed ? ['error'] : [])];
  const body = shown.map((t) => [
    `${t === best && Number.isFinite(t.devMetric) ? '*' : ''}${t.index}`,
    String(t.round),
    ...keys.map((k) => formatValue((t.config as Record<string, unknown>)[k])),
    Number.isFinite(t.devMetric) ? t.devMetric.toFixed(4) : 'failed',
    t.epochs === undefined ? '' : String(t.epochs),
    t.seconds.toFixed(2),
    ...(failed ? [t.error ?? ''] : []),
  ]);
  const widths = header.map((h, j) => body.reduce((w, r) => Math.max(w, r[j].length), h.length)); // no spread: rows can be many
  const last = failed ? header.length - 1 : -1;
  const line = (r: string[]) => r.map((c, j) => (j === last ? c : c.padStart(widths[j]))).join('  ').trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}
