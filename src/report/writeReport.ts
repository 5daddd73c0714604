// writeReport(history | tuningResult, 'report.html', options): one self-contained HTML file
// (inline SVG charts and styles, nothing fetched), written atomically.
//
//   const history = await model.fit(train.x, train.y, { validation: dev, … });
//   await writeReport(history, 'report.html', { model, dev, test });
//
//   const result = await randomSearch({ space, … });
//   await writeReport(result, 'tuning.html');
import { Sequential, type OutputKind } from '../model';
import type { History } from '../training/fit';
import type { Space } from '../tuning/space';
import { validateSpace } from '../tuning/space';
import { writeFileAtomic } from '../io/atomicFile';
import * as check from '../validation/args';
import { diagnosisHtml, errorChart, fitSummaryHtml, learningCurves } from './fitCharts';
import { renderPage, type Page, type PageSection, type RenderedChart } from './html';
import { predictionChart, type LabeledData } from './predictions';
import type { Chart } from './specs';
import { isHalvingResult, spaceFromConfigs, tuningCharts, tuningSummaryHtml, type TuningResult } from './tuningCharts';
import { renderSvg } from './vega';

const WHERE = 'writeReport';

export interface FitReportOptions {
  /** Page title (default 'Training report'). */
  title?: string;
  /** The model the history trained: names the layers, and predicts dev/test for the last section. */
  model?: Sequential<OutputKind>;
  /** Held-out data (a part from split() or any { x, y }): a confusion matrix or a predicted-vs-true plot each. */
  dev?: LabeledData;
  test?: LabeledData;
  /** Names of the classes, by index, for the confusion matrix's axes (default the indices). */
  classNames?: string[];
}

export interface TuningReportOptions {
  /** Page title (default 'Tuning report'). */
  title?: string;
  /** What the objective's devMetric is, for axis titles (default 'dev metric'). */
  metricName?: string;
  /**
   * The space the configs were drawn from, for log axes where it sampled on a log scale. A
   * randomSearch result carries its own; without one, a successiveHalving result's axes are linear.
   */
  space?: Space;
}

export type ReportOptions = FitReportOptions | TuningReportOptions;

const FIT_KEYS = ['title', 'model', 'dev', 'test', 'classNames'] as const;
const SEARCH_KEYS = ['title', 'metricName'] as const;
const HALVING_KEYS = ['title', 'metricName', 'space'] as const;

function isHistory(value: Record<string, unknown>): boolean {
  return Array.isArray(value.epochs) && typeof value.stoppedEarly === 'boolean';
}

function isTuningResult(value: Record<string, unknown>): boolean {
  return Array.isArray(value.trials) && (Array.isArray(value.spaces) || Array.isArray(value.rungs)) && check.isPlainObject(value.best);
}

async function renderCharts(charts: readonly Chart[]): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = [];
  // One at a time: each render is synchronous work in vega, nothing to overlap.
  for (const c of charts) rendered.push({ name: c.name, title: c.title, note: c.note, svg: await renderSvg(c.spec) });
  return rendered;
}

function labeledData(where: string, value: unknown): LabeledData {
  // A data object, not options: a part from split() carries its indices too.
  if (value === null || typeof value !== 'object' || !('x' in value) || !('y' in value)) throw check.typeError(where, 'an object { x, y } (e.g. a part from split())', value);
  return value as LabeledData;
}

function layerNames(model: Sequential<OutputKind> | undefined): string[] {
  if (!model) return [];
  return model.architecture.layers.map((l, i) => {
    const layer = l as unknown as Record<string, unknown>;
    const detail = l.kind === 'dense' ? ` ${String(layer.units)}` : l.kind === 'activation' ? ` ${String(layer.activation)}` : '';
    return `${i}: ${l.kind}${detail}`;
  });
}

async function fitPage(history: History, options: unknown): Promise<Page> {
  const o = check.options(`${WHERE} options`, options, FIT_KEYS);
  const title = check.optional(o.title, 'Training report', (v) => check.nonEmptyString(`${WHERE}: title`, v));
  const model = check.optional(o.model, undefined as Sequential<OutputKind> | undefined, (v) => {
    if (!(v instanceof Sequential)) throw check.typeError(`${WHERE}: model`, 'the model the history trained (a Sequential)', v);
    return v;
  });
  const sets = (['dev', 'test'] as const).filter((set) => o[set] !== undefined).map((set) => ({ set, data: labeledData(`${WHERE}: ${set}`, o[set]) }));
  if (sets.length > 0 && !model) throw new TypeError(`${WHERE}: model: needed to predict ${sets.map((s) => s.set).join(' and ')}; pass { model, ${sets[0].set} }`);
  const classNames = check.optional(o.classNames, undefined as string[] | undefined, (v) => {
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'string')) throw check.typeError(`${WHERE}: classNames`, 'an array of strings', v);
    return v as string[];
  });

  const predictions: Chart[] = [];
  for (const { set, data } of sets) {
    const chart = await predictionChart(`${WHERE}: ${set}`, set, model!, data, classNames);
    if (chart) predictions.push(chart);
  }
  const sections: PageSection[] = [
    { title: 'Learning curves', html: fitSummaryHtml(history), charts: await renderCharts(learningCurves(history, layerNames(model))) },
    { title: 'Bias and variance', html: diagnosisHtml(history), charts: await renderCharts(history.diagnosis ? [errorChart(history.diagnosis)] : []) },
  ];
  if (sets.length > 0) {
    const html = predictions.length === 0 ? '<p>A multi-label sigmoid model has no single class per example: no confusion matrix.</p>' : undefined;
    sections.push({ title: model!.architecture.output === 'linear' ? 'Predictions' : 'Confusion matrices', html, charts: await renderCharts(predictions) });
  }
  const epochs = history.epochs.length;
  return { title, subtitle: `${epochs} epoch${epochs === 1 ? '' : 's'}${history.diagnosis ? ` · ${history.diagnosis.verdict}` : ''} · written ${new Date().toISOString()}`, sections };
}

async function tuningPage(result: TuningResult, options: unknown): Promise<Page> {
  const halving = isHalvingResult(result);
  const o = check.options(`${WHERE} options`, options, halving ? HALVING_KEYS : SEARCH_KEYS) as Partial<Record<(typeof HALVING_KEYS)[number], unknown>>;
  const title = check.optional(o.title, 'Tuning report', (v) => check.nonEmptyString(`${WHERE}: title`, v));
  const metricName = check.optional(o.metricName, 'dev metric', (v) => check.nonEmptyString(`${WHERE}: metricName`, v));
  let space: Space;
  if (o.space !== undefined) {
    validateSpace(o.space, `${WHERE}: space`);
    space = o.space as Space;
  } else {
    space = halving ? spaceFromConfigs(result.trials) : (result as { spaces: Space[] }).spaces[0];
  }
  const kind = halving ? 'successive halving' : `random search, ${(result as { spaces: Space[] }).spaces.length} round(s)`;
  return {
    title,
    subtitle: `${kind} · ${result.trials.length} trials · written ${new Date().toISOString()}`,
    sections: [
      { title: 'Trials', html: tuningSummaryHtml(result, space, metricName), charts: [] },
      { title: 'Hyperparameters', charts: await renderCharts(tuningCharts(result, space, metricName)) },
    ],
  };
}

/**
 * Writes an HTML report of a fit (its History) or of a tuning result (randomSearch,
 * successiveHalving) to `path`, atomically. vega and vega-lite are loaded on the first call.
 */
export async function writeReport(result: History | TuningResult, path: string, options?: ReportOptions): Promise<void> {
  if (!check.isPlainObject(result)) throw check.typeError(`${WHERE}: result`, 'a fit History or a tuning result (randomSearch, successiveHalving)', result);
  const target = check.nonEmptyString(`${WHERE}: path`, path);
  let page: Page;
  if (isHistory(result)) page = await fitPage(result as unknown as History, options);
  else if (isTuningResult(result)) page = await tuningPage(result as unknown as TuningResult, options);
  else throw check.typeError(`${WHERE}: result`, 'a fit History ({ epochs, stoppedEarly, … }) or a tuning result ({ trials, best, spaces | rungs })', result);
  const html = renderPage(page);
  await writeFileAtomic(target, Promise.resolve(html), async (handle, text) => {
    await handle.writeFile(text, 'utf8');
  });
}
