// What a search prints (issue 10: "Tuning prints the same way"): `verbose` as in fit — 0 nothing,
// 1 a progress bar over the search (runs done/total, best so far, ETA), 2 a line per finished
// run; 'auto' (the default) is TUNENET_VERBOSE, else 1 on a terminal and 2 otherwise, resolved by
// fit's own verbosityOf. A run is a trial of a random search, a rung of a trial in successive
// halving. The ETA assumes the runs left take as long as the ones done so far.
import { Format, SingleBar } from 'cli-progress';
import { verboseStreamOf, verbosityOf, type VerboseStream } from '../training/verbose';

/** The best trial so far, as the display shows it. */
export interface BestSoFar {
  index: number;
  devMetric: number;
}

/** One finished run, as the display shows it. */
export interface RunEnd {
  /** `trial 3` or `trial 3 rung 1`. */
  label: string;
  devMetric: number;
  seconds: number;
  error?: string;
}

export interface TuningDisplay {
  /** A run ended: `done` of `total` (the total may grow, e.g. ASHA promoting more than planned). */
  runEnd(run: RunEnd, done: number, total: number, best: BestSoFar | undefined): void;
  close(): void;
}

/** The display `verbose` asks for on `verboseStream` (checked, `where` names the search), or none for level 0. */
export function tuningDisplay(where: string, verbose: unknown, verboseStream: unknown, unit: string, total: number): TuningDisplay | undefined {
  const stream = verboseStreamOf(`${where}: verboseStream`, verboseStream);
  const level = verbosityOf(`${where}: verbose`, verbose, stream);
  if (level === 0) return undefined;
  return level === 1 ? new BarDisplay(stream, unit, total) : new LineDisplay(stream, unit);
}

/** 4 significant digits (0.9512), or 'failed'. */
const metric = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : 'failed');

/** 3s, 42s, 2m05s, 1h10m (cli-progress's own format, as the fit bar shows it). */
const duration = (seconds: number) => Format.TimeFormat(Math.round(seconds), { autopaddingChar: '0' } as never, 0).replace(/^0(?=\d)/, '');

const bestText = (best: BestSoFar | undefined) => (best ? `best ${metric(best.devMetric)} (trial ${best.index})` : 'best —');

/** Seconds left if the remaining runs take the mean time of the finished ones (wall clock, so concurrency counts). */
function eta(elapsed: number, done: number, total: number): string {
  return done > 0 && total > done ? `ETA ${duration((elapsed * (total - done)) / done)}` : '';
}

class LineDisplay implements TuningDisplay {
  private readonly started = performance.now();

  constructor(
    private readonly stream: VerboseStream,
    private readonly unit: string,
  ) {}

  runEnd(run: RunEnd, done: number, total: number, best: BestSoFar | undefined): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const parts = [
      `${this.unit} ${done}/${total}`,
      run.label,
      `devMetric ${metric(run.devMetric)}`,
      `${run.seconds.toFixed(2)}s`,
      bestText(best),
      eta(elapsed, done, total),
      run.error === undefined ? '' : `error: ${run.error.split('\n')[0]}`,
    ];
    this.stream.write(`${parts.filter((p) => p !== '').join('  ')}\n`);
  }

  close(): void {}
}

interface BarPayload {
  best: string;
  eta: string;
}

class BarDisplay implements TuningDisplay {
  private readonly bar: SingleBar;
  private readonly started = performance.now();

  constructor(stream: VerboseStream, unit: string, total: number) {
    this.bar = new SingleBar({
      stream: stream as NodeJS.WritableStream,
      format: (options, params, payload: BarPayload) =>
        [`${unit} ${Format.BarFormat(params.progress, options)} ${params.value}/${params.total}`, payload.best, payload.eta].filter((p) => p !== '').join('  '),
      // Asked for explicitly (or on a terminal): drawn on any stream, a line per redraw when it is not a terminal.
      noTTYOutput: true,
      clearOnComplete: false,
      barCompleteChar: stream.isTTY === true ? '\u2588' : '=',
      barIncompleteChar: stream.isTTY === true ? '\u2591' : '-',
      hideCursor: false,
      barsize: 24,
      gracefulExit: false,
    });
    this.bar.start(total, 0, { best: bestText(undefined), eta: '' } satisfies BarPayload);
  }

  runEnd(_run: RunEnd, done: number, total: number, best: BestSoFar | undefined): void {
    const elapsed = (performance.now() - this.started) / 1000;
    this.bar.setTotal(total);
    this.bar.update(done, { best: bestText(best), eta: eta(elapsed, done, total) } satisfies BarPayload);
  }

  close(): void {
    this.bar.stop();
  }
}
