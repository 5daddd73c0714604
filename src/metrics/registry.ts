// Metrics by name, for `computeMetrics` (and the `evaluate(x, y, { metrics })` that will call
// it). One registry: a metric is one entry of METRICS — its kind, its optional parameter (the
// part after ':' in 'topK:5' or 'f1:weighted') and a compute function on data that
// computeMetrics has already checked once for all the requested metrics.
import { integer, isPlainObject, MAX_COUNT, oneOf, optional, options as strict, suggestion, typeError } from '../validation/args';
import { accuracyOf, averageScores, classCounts, METRIC_AVERAGES, type MetricAverage, perClassScores } from './classification';
import { type ConfusionMatrix, countConfusion, MAX_CONFUSION_CLASSES } from './confusion';
import { type ClassIndices, classCount, classIndices, type RealMatrix, type RealValues, realMatrix, sameLength } from './inputs';
import { maeOf, mseOf, r2Of } from './regression';
import { topKCount, topKOf } from './topK';

export type MetricKind = 'classification' | 'regression';

/** What one metric returns: a number, per-class values ('precision:none'), or a confusion matrix. */
export type MetricValue = number | Float64Array | ConfusionMatrix;

/** Checked classification data: indices in [0, classes − 1], scores [m, classes] when given. */
export interface ClassificationData {
  /** The calling function, for messages. */
  fn: string;
  yTrue: Int32Array;
  yPred: Int32Array;
  scores: Float64Array | undefined;
  classes: number;
}

/** Checked regression data: yTrue and yPred of the same [m, k] shape. */
export interface RegressionData {
  fn: string;
  yTrue: RealMatrix;
  yPred: RealMatrix;
}

export type MetricDefinition =
  | {
      kind: 'classification';
      /** One line for docs and messages. */
      summary: string;
      /** Needs `probabilities` (scores), not only predicted classes. */
      needsScores: boolean;
      /** Reads the part after ':' (undefined when absent) into the parameter, or throws naming `where`. */
      parameter?: (where: string, text: string | undefined, data: ClassificationData) => unknown;
      compute: (data: ClassificationData, parameter: unknown) => MetricValue;
    }
  | { kind: 'regression'; summary: string; compute: (data: RegressionData) => number };

/** A classification entry whose compute sees its parameter's own type. */
function classification<P = undefined>(definition: {
  summary: string;
  needsScores?: boolean;
  parameter?: (where: string, text: string | undefined, data: ClassificationData) => P;
  compute: (data: ClassificationData, parameter: P) => MetricValue;
}): MetricDefinition {
  return { kind: 'classification', needsScores: definition.needsScores ?? false, ...definition } as MetricDefinition;
}

function regression(summary: string, compute: (data: RegressionData) => number): MetricDefinition {
  return { kind: 'regression', summary, compute };
}

/** 'precision', 'recall', 'f1' take ':none' | ':macro' (default) | ':weighted' | ':micro'. */
function averageParameter(where: string, text: string | undefined): MetricAverage {
  return text === undefined ? 'macro' : oneOf(where, text, METRIC_AVERAGES);
}

/** 'topK:k', k a whole number in [1, classes]; required (Keras's default 5 is no default here). */
function kParameter(where: string, text: string | undefined, data: ClassificationData): number {
  if (text === undefined) throw new RangeError(`${where}: top-k accuracy needs k, as 'topK:5'`);
  if (!/^[0-9]+$/.test(text)) throw new RangeError(`${where}: k must be a whole number, got '${text}'`);
  return topKCount(where, Number(text), data.classes);
}

function averaged(which: 'precision' | 'recall' | 'f1') {
  return (data: ClassificationData, average: MetricAverage): number | Float64Array => {
    const counts = classCounts(data.yTrue, data.yPred, data.classes);
    const scores = perClassScores(counts);
    return average === 'none' ? scores[which] : averageScores(counts, scores, average)[which];
  };
}

export const METRICS = {
  accuracy: classification({ summary: 'fraction of examples whose predicted class is the true one', compute: (d) => accuracyOf(d.yTrue, d.yPred) }),
  topK: classification({
    summary: "'topK:k': fraction whose true class is among the k highest scores (ties count as in)",
    needsScores: true,
    parameter: kParameter,
    compute: (d, k) => topKOf(d.scores as Float64Array, d.classes, d.yTrue, k),
  }),
  precision: classification({ summary: "'precision[:none|macro|weighted|micro]', macro by default", parameter: averageParameter, compute: averaged('precision') }),
  recall: classification({ summary: "'recall[:none|macro|weighted|micro]', macro by default", parameter: averageParameter, compute: averaged('recall') }),
  f1: classification({ summary: "'f1[:none|macro|weighted|micro]', macro by default", parameter: averageParameter, compute: averaged('f1') }),
  confusionMatrix: classification({
    summary: '[classes × classes] counts, rows = true class, columns = predicted',
    compute: (d): ConfusionMatrix => {
      if (d.classes > MAX_CONFUSION_CLASSES) {
        throw new RangeError(`${d.fn}: classes: a confusion matrix takes at most ${MAX_CONFUSION_CLASSES} classes, got ${d.classes}`);
      }
      return { classes: d.classes, matrix: countConfusion(d.yTrue, d.yPred, d.classes) };
    },
  }),
  mae: regression('mean absolute error over all entries', (d) => maeOf(d.yTrue.values, d.yPred.values)),
  mse: regression('mean squared error over all entries', (d) => mseOf(d.yTrue.values, d.yPred.values)),
  rmse: regression('√mse', (d) => Math.sqrt(mseOf(d.yTrue.values, d.yPred.values))),
  r2: regression("R², scikit-learn's uniform average over outputs", (d) => r2Of(`${d.fn}: yTrue`, d.yTrue, d.yPred)),
} as const satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;

export interface MetricData {
  /** True class indices (classification) or true values, [m] or [m, k] (regression). */
  yTrue: ClassIndices | RealValues;
  /**
   * Predicted class indices, or predicted values for regression. For classification it may be
   * left out when `probabilities` is given: the prediction is then each row's highest score
   * (the first one on a tie, as numpy's argmax).
   */
  yPred?: ClassIndices | RealValues;
  /** Scores [m, classes] (row-major or one row per example), required by 'topK:k'. */
  probabilities?: RealValues;
  /** Number of classes; may be left out when `probabilities` gives it (its row width). */
  classes?: number;
  /** Regression only: k for flat [m, k] arrays (default 1), as RegressionOptions.outputs. */
  outputs?: number;
}

const DATA_KEYS = ['yTrue', 'yPred', 'probabilities', 'classes', 'outputs'] as const;

interface Request {
  name: string;
  definition: MetricDefinition;
  parameter: string | undefined;
  where: string;
}

/**
 * Computes the named metrics on one set of predictions and returns them keyed by the names as
 * given: `computeMetrics(['accuracy', 'topK:5', 'f1:weighted'], { yTrue, probabilities })`.
 * All names must be of one kind (classification or regression). The names and the data are
 * checked once, before any metric is computed; a problem throws naming computeMetrics and the
 * argument (`computeMetrics: names[1]: unknown metric 'acuracy' (did you mean 'accuracy'?)`).
 */
export function computeMetrics(names: readonly string[], data: MetricData): Record<string, MetricValue> {
  const fn = 'computeMetrics';
  const requests = parseNames(fn, names);
  if (!isPlainObject(data)) throw typeError(`${fn}: data`, 'an object { yTrue, yPred, probabilities?, classes?, outputs? }', data);
  const o = strict(`${fn} data`, data, DATA_KEYS);
  const kind = requests[0].definition.kind;
  const other = requests.find((r) => r.definition.kind !== kind);
  if (other !== undefined) {
    throw new RangeError(
      `${fn}: names: '${requests[0].name}' is a ${kind} metric and '${other.name}' a ${other.definition.kind} one; one call evaluates one kind of target`,
    );
  }
  const result: Record<string, MetricValue> = {};
  if (kind === 'regression') {
    for (const key of ['probabilities', 'classes'] as const) {
      if (o[key] !== undefined) throw new TypeError(`${fn}: ${key}: is for classification metrics; ${quoteAll(requests)} ${requests.length > 1 ? 'are regression metrics' : 'is a regression metric'}`);
    }
    if (o.yPred === undefined) throw typeError(`${fn}: yPred`, 'the predicted values', undefined);
    const outputs = optional(o.outputs, undefined, (v) => integer(`${fn}: outputs`, v, 1, MAX_COUNT));
    const yTrue = realMatrix(`${fn}: yTrue`, o.yTrue, { cols: outputs });
    const yPred = realMatrix(`${fn}: yPred`, o.yPred, { rows: yTrue.rows, cols: yTrue.cols });
    const checked: RegressionData = { fn, yTrue, yPred };
    for (const r of requests) result[r.name] = (r.definition as Extract<MetricDefinition, { kind: 'regression' }>).compute(checked);
    return result;
  }
  const checked = classificationData(fn, o, requests);
  const parameters = requests.map((r) => {
    const definition = r.definition as Extract<MetricDefinition, { kind: 'classification' }>;
    return definition.parameter === undefined ? undefined : definition.parameter(r.where, r.parameter, checked);
  });
  requests.forEach((r, i) => {
    result[r.name] = (r.definition as Extract<MetricDefinition, { kind: 'classification' }>).compute(checked, parameters[i]);
  });
  return result;
}

function parseNames(fn: string, names: unknown): Request[] {
  if (!Array.isArray(names)) throw typeError(`${fn}: names`, "an array of metric names (e.g. ['accuracy', 'f1'])", names);
  if (names.length === 0) throw new RangeError(`${fn}: names: is empty; list at least one metric (known: ${Object.keys(METRICS).join(', ')})`);
  const seen = new Set<string>();
  return names.map((name: unknown, i) => {
    const where = `${fn}: names[${i}]`;
    if (typeof name !== 'string' || name.length === 0) throw typeError(where, 'a metric name', name);
    if (seen.has(name)) throw new RangeError(`${where}: '${name}' is listed twice`);
    seen.add(name);
    const colon = name.indexOf(':');
    const base = colon < 0 ? name : name.slice(0, colon);
    if (!Object.prototype.hasOwnProperty.call(METRICS, base)) {
      const known = Object.keys(METRICS);
      throw new RangeError(`${where}: unknown metric '${base}'${suggestion(base, known).replace(' (known options:', ' (known metrics:')}`);
    }
    const definition: MetricDefinition = METRICS[base as MetricName];
    const parameter = colon < 0 ? undefined : name.slice(colon + 1);
    if (parameter !== undefined && (definition.kind === 'regression' || definition.parameter === undefined)) {
      throw new RangeError(`${where}: '${base}' takes no parameter, got '${name}'`);
    }
    return { name, definition, parameter, where: `${where} ('${name}')` };
  });
}

function quoteAll(requests: Request[]): string {
  return requests.map((r) => `'${r.name}'`).join(', ');
}

function classificationData(fn: string, o: Partial<Record<(typeof DATA_KEYS)[number], unknown>>, requests: Request[]): ClassificationData {
  if (o.outputs !== undefined) throw new TypeError(`${fn}: outputs: is for regression metrics; ${quoteAll(requests)} ${requests.length > 1 ? 'are classification metrics' : 'is a classification metric'}`);
  let classes = optional(o.classes, undefined, (v) => classCount(`${fn}: classes`, v));
  if (classes === undefined && o.probabilities === undefined) {
    throw new TypeError(`${fn}: classes: expected the number of classes (or probabilities, whose row width gives it), got undefined`);
  }
  const yTrue = classIndices(`${fn}: yTrue`, o.yTrue, classes);
  let scores: Float64Array | undefined;
  if (o.probabilities !== undefined) {
    const matrix = realMatrix(`${fn}: probabilities`, o.probabilities, { rows: yTrue.length, cols: classes });
    scores = matrix.values;
    if (classes === undefined) {
      classes = classCount(`${fn}: probabilities: row width (the number of classes)`, matrix.cols);
      for (let i = 0; i < yTrue.length; i++) {
        if (yTrue[i] >= classes) {
          throw new RangeError(`${fn}: yTrue: element ${i} is ${yTrue[i]}, expected a class index in [0, ${classes - 1}] (probabilities has ${classes} columns)`);
        }
      }
    }
  } else {
    const needing = requests.find((r) => r.definition.kind === 'classification' && r.definition.needsScores);
    if (needing !== undefined) throw new TypeError(`${fn}: probabilities: required by '${needing.name}' (it ranks the scores), got undefined`);
  }
  let yPred: Int32Array;
  if (o.yPred !== undefined) {
    yPred = classIndices(`${fn}: yPred`, o.yPred, classes);
    sameLength(fn, yTrue, 'yTrue', yPred, 'yPred');
  } else if (scores !== undefined) {
    yPred = argmaxRows(scores, classes as number);
  } else {
    throw typeError(`${fn}: yPred`, 'the predicted class indices (or probabilities, whose row maxima are the predictions)', undefined);
  }
  return { fn, yTrue, yPred, scores, classes: classes as number };
}

/** The first index of each row's maximum (numpy's argmax). */
function argmaxRows(scores: Float64Array, classes: number): Int32Array {
  const out = new Int32Array(scores.length / classes);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (scores[i * classes + j] > scores[i * classes + best]) best = j;
    out[i] = best;
  }
  return out;
}
