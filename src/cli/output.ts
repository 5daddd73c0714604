// What `tunenet train` and `tunenet tune` write beside each other: the model with its normalizer
// (`<out>`, safetensors, read back with loadModel), the encoding (`<name>.encoding.json`: columns,
// categories, classes, so new rows are encoded the same way), the ONNX export (`<name>.onnx`,
// normalizer inside: it takes the encoded, unnormalized features) and the HTML report
// (`<name>.report.html`: learning curves, diagnosis, dev/test confusion matrices or
// predicted-vs-true; for tune, the search).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { OutputKind, Sequential } from '../model';
import { saveModel } from '../io/modelFile';
import { exportOnnx } from '../io/onnx';
import { writeReport } from '../report';
import type { History } from '../training/fit';
import type { TuningResult } from '../report/tuningCharts';
import { CliError } from './errors';
import type { PreparedData, Print } from './dataset';
import type { Encoding } from './table';

/** A file beside `out` with its name: `model.safetensors` → `model<suffix>`. */
function beside(out: string, suffix: string): string {
  return join(dirname(out), `${basename(out, extname(out))}${suffix}`);
}

/** Where the encoding of `out` is written: `model.safetensors` → `model.encoding.json`. */
export const encodingPath = (out: string) => beside(out, '.encoding.json');
export const onnxPath = (out: string) => beside(out, '.onnx');
export const reportPath = (out: string) => beside(out, '.report.html');

/** What the report shows: the fit of the model written, or the search that chose it. */
export type ReportSource = { history: History } | { search: TuningResult; metricName: string };

/** Fails early (before any training) when the folder of `out` cannot be made. */
export function prepareOutput(out: string): void {
  try {
    mkdirSync(dirname(out) || '.', { recursive: true });
  } catch (e) {
    throw new CliError(`--out: cannot create the folder of ${out}: ${(e as Error).message.split('\n')[0]}`);
  }
}

export async function writeOutputs(model: Sequential<OutputKind>, data: PreparedData, out: string, report: ReportSource, print: Print): Promise<void> {
  model.normalizer = data.normalizer;
  const writing = async (file: string, write: () => Promise<void> | void) => {
    try {
      await write();
    } catch (e) {
      throw new CliError(`--out: cannot write ${file}: ${(e as Error).message.split('\n')[0]}`);
    }
  };
  await writing(out, () => saveModel(model, out));
  await writing(encodingPath(out), () => writeFileSync(encodingPath(out), `${JSON.stringify(data.encoding satisfies Encoding, null, 2)}\n`));
  await writing(onnxPath(out), () => exportOnnx(model, onnxPath(out)));
  const classNames = data.classes;
  await writing(reportPath(out), () =>
    'history' in report
      ? writeReport(report.history, reportPath(out), { title: `tunenet train: ${basename(out)}`, model, dev: data.dev, test: data.test, ...(classNames ? { classNames } : {}) })
      : writeReport(report.search, reportPath(out), { title: `tunenet tune: ${basename(out)}`, metricName: report.metricName }),
  );
  print(`model written to ${out} (normalizer included); encoding to ${encodingPath(out)}`);
  print(`ONNX export (normalizer included, opset 17) to ${onnxPath(out)}; report to ${reportPath(out)}`);
}
