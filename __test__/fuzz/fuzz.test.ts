// Issue 8, "Nothing lost": a fuzz test of the whole public API through the built library (dist/).
//
// Random small models (1–6 inputs, 1–3 dense layers of 1–8 units, optional batch norm, dropout
// and activations, softmax or sigmoid, every optimizer, the native backend mostly and the
// reference one sometimes, sometimes trained an epoch first) get calls with valid structure and
// hostile values: NaN/±∞ inside arrays, wrong lengths, out-of-range numbers, wrong types,
// unknown option keys, SharedArrayBuffer-backed and detached buffers, corrupted copies of saved
// files, and concurrent calls on one model during a fit. Builders, schedules, data, diagnosis,
// tuning helpers and the low-level kernels get the same treatment. See child.mjs for the cases.
//
// Every call runs in a child process (a native abort cannot take vitest down). The children
// print a JSON line before and after each call; a child that dies (signal, nonzero exit) or
// goes silent for HANG_MS during a call counts a crash for that call, and the parent restarts
// the rest of its cases in a new child. Asserted: no crash, every rejection is clear (names the
// function and the argument, no leaked conversion errors), and a rejected call leaves the
// model's saved state byte-identical (read-only calls never change it).
//
//   FUZZ_CALLS=40000 npx vitest run __test__/fuzz      more calls (default 6000)
//   FUZZ_SEED=7 npx vitest run __test__/fuzz           another case list (default 1)
//   FUZZ_ABORT_AT=5 npx vitest run __test__/fuzz       self-test: case 5 aborts its child (1 crash expected)
//   node __test__/fuzz/child.mjs --seed 1 --start 17 --stride 1000000 --end 18 --verbose
//                                                      one case, every call printed
// The full report is written to $TMPDIR/tunenet-fuzz-report.json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';

const CHILD = path.resolve(__dirname, 'child.mjs');
const DIST = path.resolve(__dirname, '../../dist/index.js');
const CALLS_PER_CASE = 10; // as child.mjs
const TOTAL_CALLS = Number(process.env.FUZZ_CALLS ?? 6000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const CHILDREN = Math.min(4, Math.max(2, os.cpus().length));
/** A call that prints nothing for this long is a hang (a loop without end): killed, counted as a crash. */
const HANG_MS = 10_000;
/** Address space of a child, in KiB: an allocation too large for the machine fails instead of summoning the OOM killer. */
const MEMORY_KIB = 8_000_000;

interface Done {
  t: 'done';
  case: number;
  call: number;
  fn: string;
  desc: string;
  outcome: 'resolved' | 'rejected';
  message?: string;
  unclear?: string;
  changed?: string;
  wrongArg?: string;
  stack?: string;
}

interface Failure {
  case: number;
  call?: number;
  fn?: string;
  desc?: string;
  message?: string;
  why?: string;
  stack?: string;
}

interface Totals {
  calls: number;
  resolved: number;
  rejected: number;
  crashes: Failure[];
  unclear: Failure[];
  changed: Failure[];
  wrongArg: Failure[];
  setupErrors: Failure[];
  byFn: Record<string, { calls: number; rejected: number }>;
}

/** Runs cases start, start + stride, … < end in children, restarting after each crash. */
async function runSlice(start: number, stride: number, end: number, tmp: string, totals: Totals): Promise<void> {
  let next = start;
  while (next < end) {
    const resumeAt = await new Promise<number>((resolve) => {
      const child = spawn('bash', ['-c', `ulimit -v ${MEMORY_KIB}; exec "$0" "$@"`, process.execPath, CHILD, '--seed', String(SEED), '--start', String(next), '--stride', String(stride), '--end', String(end), '--tmp', tmp, ...(process.env.FUZZ_ABORT_AT ? ['--abort-at', process.env.FUZZ_ABORT_AT] : [])], {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Hostile paths such as 'abc' are relative: they land in the temp directory, not the repository.
        cwd: tmp,
        env: { ...process.env, TUNENET_DIST: DIST },
      });
      let inFlight: { case: number; call: number; fn: string; desc: string } | null = null;
      let lastCase = next - stride;
      let exited = false;
      let buffer = '';
      let stderr = '';
      let watchdog: NodeJS.Timeout | undefined;
      let hung = false;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          hung = true;
          child.kill('SIGKILL');
        }, HANG_MS);
      };
      arm();
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => {
        stderr = (stderr + s).slice(-4000);
      });
      child.stdout.on('data', (s: string) => {
        arm();
        buffer += s;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith('@@fuzz ')) continue;
          const record = JSON.parse(line.slice(7));
          if (record.t === 'case') lastCase = record.case;
          else if (record.t === 'start') inFlight = record;
          else if (record.t === 'setup-error') totals.setupErrors.push({ case: record.case, call: record.call, message: record.message });
          else if (record.t === 'exit') exited = true;
          else if (record.t === 'done') {
            const d = record as Done;
            inFlight = null;
            totals.calls++;
            totals[d.outcome]++;
            const f = (totals.byFn[d.fn] ??= { calls: 0, rejected: 0 });
            f.calls++;
            if (d.outcome === 'rejected') f.rejected++;
            const failure = { case: d.case, call: d.call, fn: d.fn, desc: d.desc, message: d.message };
            if (d.unclear) totals.unclear.push({ ...failure, why: d.unclear, stack: d.stack });
            if (d.changed) totals.changed.push({ ...failure, why: d.changed });
            if (d.wrongArg) totals.wrongArg.push({ ...failure, why: d.wrongArg });
          }
        }
      });
      child.on('close', (code, signal) => {
        clearTimeout(watchdog);
        if (exited && code === 0) return resolve(end);
        const why = hung ? `no progress for ${HANG_MS / 1000} s (killed)` : `child died: ${signal ? `signal ${signal}` : `exit code ${code}`}`;
        if (inFlight) {
          totals.calls++;
          totals.crashes.push({ case: inFlight.case, call: inFlight.call, fn: inFlight.fn, desc: inFlight.desc, why, message: stderr.trim().split('\n').slice(-6).join('\n') });
        } else {
          totals.crashes.push({ case: lastCase, why: `${why} between calls`, message: stderr.trim().split('\n').slice(-6).join('\n') });
        }
        // Resume after the case that was running (its remaining calls are lost).
        // A child that died before its first case skips that case (no endless restarts).
        resolve(Math.max(lastCase, next) + stride);
      });
    });
    next = resumeAt;
  }
}

function list(title: string, failures: Failure[], limit = 40): string {
  if (failures.length === 0) return '';
  const lines = failures.slice(0, limit).map((f) => `  [case ${f.case}${f.call === undefined ? '' : ` call ${f.call}`}] ${f.desc ?? ''}\n      → ${f.why ?? ''}${f.message ? `: ${f.message.split('\n').join('\n        ')}` : ''}`);
  return `${title} (${failures.length}):\n${lines.join('\n')}${failures.length > limit ? `\n  … ${failures.length - limit} more in the report` : ''}\n`;
}

it(
  `fuzz: ${TOTAL_CALLS} hostile calls on random small models, each in a child process`,
  async () => {
    expect(fs.existsSync(DIST), `${DIST} is missing: build the library first (npm run build:ts)`).toBe(true);
    const started = Date.now();
    const cases = Math.ceil(TOTAL_CALLS / CALLS_PER_CASE);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunenet-fuzz-'));
    const totals: Totals = { calls: 0, resolved: 0, rejected: 0, crashes: [], unclear: [], changed: [], wrongArg: [], setupErrors: [], byFn: {} };
    try {
      await Promise.all(Array.from({ length: CHILDREN }, (_, k) => runSlice(k, CHILDREN, cases, tmp, totals)));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const seconds = (Date.now() - started) / 1000;
    const report = path.join(os.tmpdir(), 'tunenet-fuzz-report.json');
    fs.writeFileSync(report, JSON.stringify({ seed: SEED, cases, seconds, ...totals }, null, 2));
    const summary = `fuzz: ${totals.calls} calls, ${totals.crashes.length} crashes, ${totals.unclear.length} unclear errors, ${totals.changed.length} state changed`;
    console.log(
      [
        `${summary} (${totals.resolved} resolved, ${totals.rejected} rejected; seed ${SEED}, ${cases} cases, ${CHILDREN} children, ${seconds.toFixed(1)} s; report ${report})`,
        totals.crashes.length + totals.unclear.length + totals.changed.length > 0
          ? `reproduce one case: node __test__/fuzz/child.mjs --seed ${SEED} --start <case> --end <case + 1> --verbose\n`
          : '',
        list('crashes', totals.crashes),
        list('unclear errors', totals.unclear),
        list('state changed', totals.changed),
        list('rejections naming another argument than the one made hostile (informational)', totals.wrongArg, 10),
        list('fuzzer setup errors', totals.setupErrors, 10),
      ]
        .filter(Boolean)
        .join('\n'),
    );
    expect(totals.setupErrors, 'the fuzzer itself failed to set cases up').toEqual([]);
    expect({ crashes: totals.crashes.length, unclear: totals.unclear.length, changed: totals.changed.length }).toEqual({ crashes: 0, unclear: 0, changed: 0 });
    expect(totals.calls).toBeGreaterThanOrEqual(Math.min(2000, TOTAL_CALLS));
  },
  600_000,
);
