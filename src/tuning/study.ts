// The study record: everything a search learned, as plain JSON — each trial's config, dev
// metric, state, per-epoch numbers, rungs, attempts, host and times — and its export in Optuna's
// journal-file format (optuna.storages.journal.JournalFileBackend: one JSON operation per line),
// so that `optuna-dashboard study.log` or `optuna.load_study(storage=JournalStorage(…))` opens a
// tunenet study.
//
// Mapping to Optuna: one study, direction maximize (devMetric: higher is better); one trial per
// tunenet trial, numbered by trial index; a trial run to the end is COMPLETE with its dev metric,
// one that successive halving stopped early is PRUNED (with the metric of its last rung), a
// failed one FAIL. Intermediate values: the dev metric of each rung at its epoch budget, or, in a
// random search, the reported epochs' `devMetric` (options.intermediate names another key).
// Distributions come from the space: uniform → FloatDistribution, logUniform → FloatDistribution
// with log, integer → IntDistribution, choice → CategoricalDistribution; oneMinusLogUniform has
// no Optuna twin and is exported as a linear FloatDistribution over its bounds. Keys with no
// dimension (configs given by hand) get a distribution over the values the trials took.
import { oneOf, optional, options as strict, typeError } from '../validation/args';
import { writeFileAtomic } from '../io/atomicFile';
import type { HalvingResult, HalvingTrial } from './successiveHalving';
import type { SearchResult } from './randomSearch';
import type { Dimension, Space } from './space';
import type { EpochReport, TrialRecord } from './trials';

export type StudyState = 'complete' | 'stopped' | 'failed';

export interface StudyRung {
  rung: number;
  epochs: number;
  /** null when the rung failed. */
  devMetric: number | null;
  seconds: number;
  attempts: number;
  host: string;
  startedAt: number;
  endedAt: number;
  error?: string;
}

export interface StudyTrial {
  index: number;
  round: number;
  state: StudyState;
  config: Record<string, unknown>;
  /** null when the trial failed (JSON has no NaN). */
  devMetric: number | null;
  error?: string;
  epochs?: number;
  seconds: number;
  attempts: number;
  host: string;
  startedAt: number;
  endedAt: number;
  epochLog: EpochReport[];
  /** Successive halving: the highest rung run and one entry per rung. */
  rung?: number;
  rungs?: StudyRung[];
}

export interface StudyRecord {
  format: 'tunenet-study';
  version: 1;
  algorithm: 'randomSearch' | 'successiveHalving';
  seed: number;
  executor: string;
  /** The space searched (random search: the first round's), undefined when configs were given. */
  space?: Space;
  /** Random search: each round's space (coarse to fine). */
  spaces?: Space[];
  fixed?: Record<string, unknown>;
  /** Successive halving: the epoch budget of each rung. */
  rungBudgets?: number[];
  best: number;
  seconds: number;
  trials: StudyTrial[];
}

type AnyResult = SearchResult<Record<string, unknown>> | HalvingResult<Record<string, unknown>>;

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function isHalving(result: AnyResult): result is HalvingResult<Record<string, unknown>> {
  return Array.isArray((result as HalvingResult<unknown>).rungs);
}

/** The study record of a randomSearch or successiveHalving result (plain data, JSON-ready). */
export function studyRecord(result: SearchResult<object> | HalvingResult<object>): StudyRecord {
  const r = checkResult('studyRecord: result', result);
  const halving = isHalving(r);
  const last = halving ? r.rungs.length - 1 : 0;
  const trials = (r.trials as TrialRecord<Record<string, unknown>>[]).map((t): StudyTrial => {
    const h = halving ? (t as HalvingTrial<Record<string, unknown>>) : undefined;
    const failed = !Number.isFinite(t.devMetric);
    const trial: StudyTrial = {
      index: t.index,
      round: t.round,
      state: failed ? 'failed' : h && h.rung < last ? 'stopped' : 'complete',
      config: t.config,
      devMetric: finiteOrNull(t.devMetric),
      error: t.error,
      epochs: t.epochs,
      seconds: t.seconds,
      attempts: t.attempts,
      host: t.host,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      epochLog: t.epochLog,
    };
    if (h) {
      trial.rung = h.rung;
      trial.rungs = h.history.map((x) => ({
        rung: x.rung,
        epochs: x.epochs,
        devMetric: finiteOrNull(x.devMetric),
        seconds: x.seconds,
        attempts: x.attempts,
        host: x.host,
        startedAt: x.startedAt,
        endedAt: x.endedAt,
        error: x.error,
      }));
    }
    return trial;
  });
  return {
    format: 'tunenet-study',
    version: 1,
    algorithm: halving ? 'successiveHalving' : 'randomSearch',
    seed: r.seed,
    executor: r.executor,
    space: halving ? r.space : r.spaces[0],
    spaces: halving ? undefined : r.spaces,
    fixed: halving ? undefined : r.fixed,
    rungBudgets: halving ? r.rungs : undefined,
    best: r.best.index,
    seconds: r.seconds,
    trials,
  };
}

function checkResult(where: string, result: unknown): AnyResult {
  const r = result as Partial<SearchResult<unknown>>;
  if (result === null || typeof result !== 'object' || !Array.isArray(r.trials) || r.best === undefined || typeof r.seed !== 'number') {
    throw typeError(where, 'the result of randomSearch or successiveHalving', result);
  }
  return result as AnyResult;
}

export interface ExportStudyOptions {
  /** 'json' (default): the study record; 'optuna': Optuna's journal file (JournalFileBackend). */
  format?: 'json' | 'optuna';
  /** The Optuna study name (default 'tunenet'). */
  studyName?: string;
  /** The epoch-log key whose values become Optuna's intermediate values in a random search (default 'devMetric'). */
  intermediate?: string;
}

/** Writes the study of a search result to `path` (atomically) as JSON or as an Optuna journal file. */
export async function exportStudy(result: SearchResult<object> | HalvingResult<object>, path: string, options: ExportStudyOptions = {}): Promise<void> {
  const record = studyRecord(result);
  if (typeof path !== 'string' || path === '') throw typeError('exportStudy: path', 'a file path', path);
  const o = strict('exportStudy options', options, ['format', 'studyName', 'intermediate'] as const);
  const format = optional(o.format, 'json', (v) => oneOf('exportStudy: format', v, ['json', 'optuna'] as const));
  const studyName = optional(o.studyName, 'tunenet', (v) => nonEmpty('exportStudy: studyName', v));
  const intermediate = optional(o.intermediate, 'devMetric', (v) => nonEmpty('exportStudy: intermediate', v));
  const text = format === 'json' ? `${JSON.stringify(record, null, 1)}\n` : optunaJournal(record, studyName, intermediate);
  await writeFileAtomic(path, Promise.resolve(text), (handle, content) => handle.writeFile(content));
}

function nonEmpty(where: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw typeError(where, 'a non-empty string', v);
  return v;
}

// Optuna's journal operations (optuna/storages/journal/_storage.py, JournalOperation) and enums.
const CREATE_STUDY = 0;
const SET_STUDY_USER_ATTR = 2;
const CREATE_TRIAL = 4;
const MAXIMIZE = 2;
const TRIAL_STATE: Record<StudyState, number> = { complete: 1, stopped: 2, failed: 3 }; // COMPLETE, PRUNED, FAIL
const WORKER_ID = 'tunenet-export';

/** A value Optuna can hold as a categorical choice (None, bool, int, float, str); anything else as its JSON text. */
const choiceValue = (v: unknown) => (v === null || ['boolean', 'number', 'string'].includes(typeof v) ? v : JSON.stringify(v));

interface OptunaDistribution {
  /** distribution_to_json's text. */
  json: string;
  /** A config value → Optuna's internal representation. */
  internal: (v: unknown) => unknown;
}

function distributionOf(d: Dimension): OptunaDistribution {
  switch (d.kind) {
    case 'uniform':
    case 'oneMinusLogUniform':
    case 'logUniform':
      return floatDistribution(d.lo, d.hi, d.kind === 'logUniform');
    case 'integer':
      return intDistribution(d.lo, d.hi);
    case 'choice':
      return categorical(d.values);
  }
}

const floatDistribution = (low: number, high: number, log: boolean): OptunaDistribution => ({
  json: JSON.stringify({ name: 'FloatDistribution', attributes: { step: null, low, high, log } }),
  internal: (v) => v,
});

const intDistribution = (low: number, high: number): OptunaDistribution => ({
  json: JSON.stringify({ name: 'IntDistribution', attributes: { log: false, step: 1, low, high } }),
  internal: (v) => v,
});

function categorical(values: readonly unknown[]): OptunaDistribution {
  const choices = values.map(choiceValue);
  return {
    json: JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices } }),
    internal: (v) => choices.indexOf(choiceValue(v)),
  };
}

/** A distribution over the values the trials took, for a key with no dimension. */
function inferred(values: unknown[]): OptunaDistribution {
  if (values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const numbers = values as number[];
    const low = numbers.reduce((a, b) => Math.min(a, b));
    const high = numbers.reduce((a, b) => Math.max(a, b));
    return numbers.every(Number.isSafeInteger) ? intDistribution(low, high) : floatDistribution(low, high, false);
  }
  return categorical([...new Set(values.map(choiceValue))]);
}

const isoTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

/** The journal lines of one study holding every trial, each created whole (Optuna's own path for a finished trial). */
function optunaJournal(record: StudyRecord, studyName: string, intermediate: string): string {
  const fixed = new Set(Object.keys(record.fixed ?? {}));
  const keys = [...new Set(record.trials.flatMap((t) => Object.keys(t.config)))].filter((k) => !fixed.has(k));
  const distributions = new Map<string, OptunaDistribution>();
  for (const key of keys) {
    const dimension = record.space?.[key];
    distributions.set(key, dimension ? distributionOf(dimension) : inferred(record.trials.filter((t) => key in t.config).map((t) => t.config[key])));
  }
  const ops: Record<string, unknown>[] = [{ op_code: CREATE_STUDY, worker_id: WORKER_ID, study_name: studyName, directions: [MAXIMIZE] }];
  const studyAttrs: Record<string, unknown> = { algorithm: record.algorithm, seed: record.seed, executor: record.executor, fixed: record.fixed, rungBudgets: record.rungBudgets };
  for (const [name, value] of Object.entries(studyAttrs)) {
    if (value !== undefined) ops.push({ op_code: SET_STUDY_USER_ATTR, worker_id: WORKER_ID, study_id: 0, user_attr: { [name]: value } });
  }
  for (const t of record.trials) {
    const present = keys.filter((k) => k in t.config);
    const intermediateValues: Record<string, number> = {};
    if (t.rungs) for (const r of t.rungs) if (r.devMetric !== null) intermediateValues[r.epochs] = r.devMetric;
    if (!t.rungs) {
      t.epochLog.forEach((log, i) => {
        const v = log[intermediate];
        if (Number.isFinite(v)) intermediateValues[Number.isInteger(log.epoch) ? log.epoch : i] = v;
      });
    }
    const userAttrs: Record<string, unknown> = { round: t.round, attempts: t.attempts, host: t.host, seconds: t.seconds, epochLog: t.epochLog };
    if (t.epochs !== undefined) userAttrs.epochs = t.epochs;
    if (t.rung !== undefined) userAttrs.rung = t.rung;
    if (t.rungs !== undefined) userAttrs.rungs = t.rungs;
    if (t.error !== undefined) userAttrs.error = t.error;
    ops.push({
      op_code: CREATE_TRIAL,
      worker_id: WORKER_ID,
      study_id: 0,
      state: TRIAL_STATE[t.state],
      value: null,
      values: t.devMetric === null ? null : [t.devMetric],
      datetime_start: isoTime(t.startedAt),
      datetime_complete: isoTime(t.endedAt),
      distributions: Object.fromEntries(present.map((k) => [k, (distributions.get(k) as OptunaDistribution).json])),
      params: Object.fromEntries(present.map((k) => [k, (distributions.get(k) as OptunaDistribution).internal(t.config[k])])),
      user_attrs: userAttrs,
      system_attrs: {},
      intermediate_values: intermediateValues,
    });
  }
  return ops.map((op) => `${JSON.stringify(op)}\n`).join('');
}
