// What `fit` prints (issue 10, "Watching"): 0 nothing, 1 a progress bar per epoch, 2 one line per
// epoch. The bar reads the epoch's progress with `handle.progress()`, which never waits for the
// model, from an unref'd timer a few times a second, so an epoch stays one native call and the
// training thread never waits on the display.
import { SingleBar, Format } from 'cli-progress';
import type { NetworkHandle } from '../backend';
import type { EpochLog } from './fit';
import * as check from '../validation/args';

export type Verbosity = 0 | 1 | 2;

/** Where verbose output goes (process.stdout by default): anything with write(text). */
export interface VerboseStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const LEVELS = '0 (silent), 1 (a progress bar), 2 (a line per epoch) or "auto"';

/** How often the bar reads the progress and redraws (5 times a second). */
const POLL_MS = 200;

/**
 * The level asked for; `undefined` / 'auto' is the environment variable TUNENET_VERBOSE when set
 * (0, 1 or 2: a test suite or a service sets it once), else 1 on a terminal and 2 otherwise (CI,
 * a log file).
 */
export function verbosityOf(where: string, value: unknown, stream: VerboseStream): Verbosity {
  if (value === undefined || value === 'auto') {
    const env = process.env.TUNENET_VERBOSE;
    if (env !== undefined && env !== '' && env !== 'auto') {
      if (env === '0' || env === '1' || env === '2') return Number(env) as Verbosity;
      throw check.rangeError('TUNENET_VERBOSE (environment)', LEVELS, env);
    }
    return stream.isTTY === true ? 1 : 2;
  }
  if (value === 0 || value === 1 || value === 2) return value;
  throw check.rangeError(where, LEVELS, value);
}

export function verboseStreamOf(where: string, value: unknown): VerboseStream {
  if (value === undefined) return process.stdout;
  if (value === null || typeof value !== 'object' || typeof (value as VerboseStream).write !== 'function') {
    throw check.typeError(where, 'a writable stream (an object with write(text))', value);
  }
  return value as VerboseStream;
}

/** What fit tells the display; every method is cheap and never throws into training. */
export interface TrainingDisplay {
  /** The epoch `epoch` (0-based) has begun (right after beginEpoch): the bar starts. */
  epochBegun(epoch: number): void;
  /** The epoch's log is complete (dev metrics, seconds): the bar's last state, or the line. */
  epochEnd(log: EpochLog): void;
  /** Stops the timer and the bar (fit ended, or failed). */
  close(): void;
}

/** The display for a fit whose epochs run up to `lastEpoch` (exclusive), or none for level 0. */
export function trainingDisplay(level: Verbosity, handle: NetworkHandle, stream: VerboseStream, lastEpoch: number): TrainingDisplay | undefined {
  if (level === 0) return undefined;
  return level === 1 ? new ProgressBarDisplay(handle, stream, lastEpoch) : new LineDisplay(handle, stream, lastEpoch);
}

/** `loss 0.1234  accuracy 0.9512  dev loss …  lr 0.001  2.31s  25974 samples/s` */
export function epochSummary(log: EpochLog, examples: number): string {
  const parts = metricsOf(log);
  parts.push(`lr ${show(log.learningRate)}`, `${log.seconds.toFixed(2)}s`, `${Math.round(examples / Math.max(log.seconds, 1e-9))} samples/s`);
  return parts.join('  ');
}

/**
 * Every train… / dev… number the log holds, in its order (train first, dev after): `trainLoss` →
 * `loss`, `devAccuracy` → `dev accuracy`, and so a metric added to EpochLog later shows too.
 */
function metricsOf(log: EpochLog): string[] {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(log)) {
    const m = /^(train|dev)([A-Z]\w*)$/.exec(key);
    if (!m || typeof value !== 'number') continue;
    parts.push(`${m[1] === 'dev' ? 'dev ' : ''}${m[2][0].toLowerCase()}${m[2].slice(1)} ${show(value)}`);
  }
  return parts;
}

/** 4 significant digits, without trailing zeros' noise (0.1235, 1.5e-7, 12350). */
function show(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
}

const epochLabel = (epoch: number, lastEpoch: number) => `epoch ${epoch + 1}/${lastEpoch}`;

class LineDisplay implements TrainingDisplay {
  constructor(
    private readonly handle: NetworkHandle,
    private readonly stream: VerboseStream,
    private readonly lastEpoch: number,
  ) {}

  epochBegun(): void {}

  epochEnd(log: EpochLog): void {
    this.stream.write(`${epochLabel(log.epoch, this.lastEpoch)}  ${epochSummary(log, this.handle.progress().examples)}\n`);
  }

  close(): void {}
}

interface BarPayload {
  label: string;
  /** The epoch's summary once it has ended; until then the running loss and speed. */
  summary?: string;
  loss?: number;
  samplesPerSecond?: number;
}

class ProgressBarDisplay implements TrainingDisplay {
  private bar: SingleBar | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private epoch = 0;
  private started = 0;

  constructor(
    private readonly handle: NetworkHandle,
    private readonly stream: VerboseStream,
    private readonly lastEpoch: number,
  ) {}

  epochBegun(epoch: number): void {
    this.stopBar();
    this.epoch = epoch;
    this.started = performance.now();
    const bar = new SingleBar({
      stream: this.stream as NodeJS.WritableStream,
      format: formatBar,
      fps: 1000 / POLL_MS,
      // Asked for explicitly (or on a terminal): drawn on any stream, a line per redraw when it is not a terminal.
      noTTYOutput: true,
      // A terminal keeps each epoch's finished bar; elsewhere the last redraw already ended its
      // line (stopping would add an empty one).
      clearOnComplete: this.stream.isTTY !== true,
      barCompleteChar: this.stream.isTTY === true ? '\u2588' : '=',
      barIncompleteChar: this.stream.isTTY === true ? '\u2591' : '-',
      hideCursor: false,
      barsize: 24,
      gracefulExit: false,
    });
    bar.start(this.handle.progress().totalSteps, 0, { label: epochLabel(epoch, this.lastEpoch) } satisfies BarPayload);
    this.bar = bar;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  private poll(): void {
    if (!this.bar) return;
    const p = this.handle.progress();
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.update(p.steps, {
      label: epochLabel(this.epoch, this.lastEpoch),
      loss: p.examples > 0 ? p.lossSum / p.examples : undefined,
      samplesPerSecond: seconds > 0 ? p.examples / seconds : undefined,
    } satisfies BarPayload);
  }

  epochEnd(log: EpochLog): void {
    if (!this.bar) return;
    const p = this.handle.progress();
    this.bar.update(p.steps, { label: epochLabel(log.epoch, this.lastEpoch), summary: epochSummary(log, p.examples) } satisfies BarPayload);
    this.stopBar();
  }

  close(): void {
    this.stopBar();
  }

  private stopBar(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** `epoch 3/40 [███░░░] 120/469 ETA 3s loss 0.2345 12345 samples/s`, or the summary at the end. */
function formatBar(options: Parameters<typeof Format.Formatter>[0], params: Parameters<typeof Format.Formatter>[1], payload: BarPayload): string {
  const head = `${payload.label} ${Format.BarFormat(params.progress, options)} ${params.value}/${params.total}`;
  if (payload.summary !== undefined) return `${head}  ${payload.summary}`;
  const parts = [head];
  if (payload.samplesPerSecond !== undefined && payload.samplesPerSecond > 0 && params.value > 0) {
    const elapsed = (Date.now() - params.startTime) / 1000;
    parts.push(`ETA ${Format.TimeFormat(Math.round((elapsed * (params.total - params.value)) / params.value), options, 5)}`);
  }
  if (payload.loss !== undefined) parts.push(`loss ${show(payload.loss)}`);
  if (payload.samplesPerSecond !== undefined) parts.push(`${Math.round(payload.samplesPerSecond)} samples/s`);
  return parts.join('  ');
}
