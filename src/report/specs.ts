// Building blocks of the report's vega-lite specs: the chart record, sizes, and when an axis is
// logarithmic. The charts themselves live in fitCharts.ts and tuningCharts.ts.
import type { ChartSpec } from './vega';

/** A chart before rendering: what the page shows around it, and its vega-lite spec. */
export interface Chart {
  /** Stable id (`loss`, `hyperparameter-learningRate`). */
  name: string;
  title: string;
  spec: ChartSpec;
  note?: string;
}

export const WIDTH = 400;
export const HEIGHT = 240;

/** Every chart: fixed size, no title inside the SVG (the page's heading names it), quiet view border. */
export function chartSpec(body: ChartSpec, size: { width?: number; height?: number } = {}): ChartSpec {
  return {
    width: size.width ?? WIDTH,
    height: size.height ?? HEIGHT,
    config: { view: { stroke: '#d0d7de' }, axis: { labelFontSize: 11, titleFontSize: 12 }, axisDiscrete: { labelAngle: 0 }, legend: { labelFontSize: 11, titleFontSize: 12 } },
    ...body,
  };
}

/** Positive, finite values only: what a log axis can show. */
export function positive(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v) && v > 0);
}

/**
 * A log scale when the values are positive and span at least a factor `ratio` (a learning rate
 * decayed 100×), else a linear one that need not include zero.
 */
export function scaleFor(values: readonly number[], ratio = 10): { type: 'log' } | { zero: false } {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || finite.some((v) => v <= 0)) return { zero: false };
  // A loop, not Math.min(...values): a spread of a million epochs would overflow the stack.
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  return hi / lo >= ratio ? { type: 'log' } : { zero: false };
}

/** Every k-th row, so that at most `limit` remain (a scatter of 60 000 points is 6 MB of SVG). */
export function thin<T>(rows: readonly T[], limit: number): T[] {
  if (rows.length <= limit) return [...rows];
  const stride = Math.ceil(rows.length / limit);
  return rows.filter((_, i) => i % stride === 0);
}

/** A number for axis notes and tables: 4 significant digits, exponent form when tiny or huge. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 1e-3 || a >= 1e5 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
