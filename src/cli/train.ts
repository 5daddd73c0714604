// `tunenet train <file.csv> --label <column>`: loads and encodes the data (src/cli/dataset.ts),
// trains the default network (src/cli/network.ts: dense(hidden…) + relu, softmax or linear/mse
// output) with Adam and early stopping on devLoss (best weights restored), prints the diagnosis
// and the test metrics, and writes the model, its encoding, its ONNX export and the report
// (src/cli/output.ts).
import type { OutputKind, Sequential } from '../model';
import type { History } from '../training/fit';
import { adam } from '../optimizers';
import { CliError } from './errors';
import { loadData, type DataOptions, type PreparedData, type Print } from './dataset';
import { defaultNetwork, describeNetwork } from './network';
import { fmt, printTestMetrics } from './testMetrics';
import type { Task } from './table';
import { prepareOutput, writeOutputs } from './output';

export interface TrainOptions extends DataOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  /** fit's baseError, for the diagnosis (default 0). */
  baseError?: number;
  hidden: number[];
  out: string;
  verbose?: 0 | 1 | 2;
}

const stdout: Print = (l) => process.stdout.write(`${l}\n`);

export async function train(file: string, o: TrainOptions, print: Print = stdout): Promise<void> {
  prepareOutput(o.out);
  const data = loadData(file, o, print, (task) => checkBaseError(task, o.baseError));
  const classes = data.classes?.length ?? 0;
  const model = defaultNetwork(data.task, data.features, classes, { hidden: o.hidden }, o.seed);
  print(`model: ${describeNetwork(data.task, data.features, classes, o.hidden)}, adam lr ${o.learningRate}, batch ${o.batchSize}, up to ${o.epochs} epochs, early stopping on dev loss (patience ${o.patience})`);
  const history = await fitWithEarlyStopping(model, data, o);
  printTraining(history, print);
  await printTestMetrics(model, data, print);
  await writeOutputs(model, data, o.out, { history }, print);
}

export function checkBaseError(task: Task, baseError: number | undefined): void {
  if (task === 'classification' && (baseError ?? 0) > 1) {
    throw new CliError(`--base-error: a classification error rate must be in [0, 1], got ${baseError}`);
  }
}

/** Adam, dev set, early stopping on the dev loss with the best weights restored. */
export function fitWithEarlyStopping(
  model: Sequential<OutputKind>,
  data: PreparedData,
  o: { epochs: number; batchSize: number; learningRate: number; patience: number; baseError?: number; verbose?: 0 | 1 | 2 },
): Promise<History> {
  return model.fit(data.train.x, data.train.y, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    optimizer: adam({ learningRate: o.learningRate }),
    validation: { x: data.dev.x, y: data.dev.y },
    earlyStopping: { monitor: 'devLoss', patience: o.patience, restoreBest: true },
    baseError: o.baseError ?? 0,
    ...(o.verbose === undefined ? {} : { verbose: o.verbose }),
  });
}

/** The epochs trained, the weights kept, the diagnosis and any gradient warning. */
export function printTraining(history: History, print: Print): void {
  const kept = history.epochs.find((e) => e.epoch === history.bestEpoch) ?? history.epochs[history.epochs.length - 1];
  const stopped = history.stoppedEarly ? `, stopped early; weights of epoch ${kept.epoch + 1} restored` : '';
  print(`trained ${history.epochs.length} epochs${stopped} (epoch ${kept.epoch + 1}: train loss ${fmt(kept.trainLoss)}, dev loss ${fmt(kept.devLoss ?? NaN)})`);
  const d = history.diagnosis;
  if (d) {
    const unit = d.scale === 'rate' ? 'error' : 'loss';
    print(`diagnosis: ${d.verdict} (train ${unit} ${fmt(d.trainError)}, dev ${unit} ${fmt(d.devError)}; avoidable bias ${fmt(d.avoidableBias)}, variance ${fmt(d.variance)})`);
    if (d.advice.length) print(`  next: ${d.advice.join('; ')}`);
  }
  for (const w of history.gradientWarnings ?? []) print(`gradient warning: ${JSON.stringify(w)}`);
}
