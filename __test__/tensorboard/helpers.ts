// Shared helpers for the TensorBoard tests (not a test file itself): read a log directory with
// TensorBoard's own EventAccumulator (read_events.py) and compare it with what fit returned.
import { readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { EpochLog, Histogram } from '../../src';
import { runPythonJson } from '../helpers/python';

/** A histogram as TensorBoard's reader returns it, at its step. */
export interface HistogramRead extends Histogram {
  step: number;
}

export interface RunRead {
  files: { name: string; firstKind: string | null; firstFileVersion: string | null; events: number }[];
  fileVersion: number | null;
  /** [step, wallTime, value] per event. */
  scalars: Record<string, [number, number, number][]>;
  histograms: Record<string, HistogramRead[]>;
}

const script = path.join(__dirname, 'read_events.py');

export function readLogDir(dir: string): Record<string, RunRead> {
  return runPythonJson<Record<string, RunRead>>(script, [dir]);
}

/** Expected scalars of one run: tag → the epoch log's value it records. */
export type ScalarTable = Record<string, (e: EpochLog) => number | undefined>;

/**
 * The run holds exactly the table's tags, each with one value per epoch (steps = epoch indices,
 * in order), equal to the epoch log's value rounded to float32, written between `since` and now.
 */
export function expectScalars(run: RunRead, table: ScalarTable, epochs: EpochLog[], since: number): void {
  expect(Object.keys(run.scalars).sort()).toEqual(Object.keys(table).sort());
  const now = Date.now() / 1000;
  for (const [tag, valueOf] of Object.entries(table)) {
    const events = run.scalars[tag];
    expect(events.map(([step]) => step), tag).toEqual(epochs.map((e) => e.epoch));
    events.forEach(([step, wallTime, value], i) => {
      const expected = valueOf(epochs[i]);
      expect(expected, `${tag} at ${step}`).toBeTypeOf('number');
      expect(value, `${tag} at ${step}`).toBe(Math.fround(expected as number));
      expect(wallTime).toBeGreaterThanOrEqual(since - 1e-3);
      expect(wallTime).toBeLessThanOrEqual(now + 1e-3);
    });
  }
}

/** Every weight tensor of the model, with its model-file name. */
export function weightTensors(model: { getTensor(layer: number, name: string): Float32Array }, names: string[]): { tag: string; values: Float32Array }[] {
  return names.map((tag) => {
    const [, layer, name] = /^layers\.(\d+)\.(.+)$/.exec(tag) as RegExpExecArray;
    return { tag, values: model.getTensor(Number(layer), name) };
  });
}

/** A histogram read back describes `values`: count, extremes, sums, and the count in every bucket. */
export function expectHistogramOf(h: HistogramRead, values: Float32Array, tag: string): void {
  const list = Array.from(values);
  const sum = list.reduce((a, b) => a + b, 0);
  const magnitude = list.reduce((a, b) => a + Math.abs(b), 1);
  expect(h.num, tag).toBe(list.length);
  expect(h.min, tag).toBe(Math.min(...list));
  expect(h.max, tag).toBe(Math.max(...list));
  expect(Math.abs(h.sum - sum), tag).toBeLessThanOrEqual(1e-12 * magnitude);
  expect(Math.abs(h.sumSquares - list.reduce((a, b) => a + b * b, 0)), tag).toBeLessThanOrEqual(1e-12 * magnitude * magnitude);
  const edges = [h.min, ...h.bucketLimit];
  const last = h.bucketLimit.length - 1;
  const counts = h.bucketLimit.map((_, i) => list.filter((v) => v >= edges[i] && (i === last ? v <= edges[i + 1] : v < edges[i + 1])).length);
  expect(h.bucket, tag).toEqual(counts);
  expect(h.bucketLimit.length, tag).toBe(h.min === h.max ? 1 : 30);
}

/** File names as TensorFlow's EventFileWriter makes them, from this process. */
export function expectEventFileNames(run: RunRead): void {
  for (const f of run.files) {
    expect(f.name.startsWith(`events.out.tfevents.`)).toBe(true);
    expect(f.name).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${escapeRegExp(os.hostname())}\\.${process.pid}\\.\\d+$`));
    expect(f.firstKind).toBe('file_version');
    expect(f.firstFileVersion).toBe('brain.Event:2');
  }
}

/** `text` as a literal inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Paths of this process's open file descriptors under `root`. */
export function openFilesUnder(root: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(root) ? [target] : [];
    } catch {
      return []; // closed meanwhile (the descriptor readdir itself used)
    }
  });
}
