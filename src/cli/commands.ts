// The command table of `tunenet` (commander): every command, its flags, their defaults and the
// checks of their values. A bad value, an unknown flag or command, or a CliError from a command
// prints one line on stderr (`tunenet: …`) and exits with code 2; --help exits 0.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors';
import { MAX_AUTO_CLASSES } from './table';
import { train, type TrainOptions } from './train';
import { worker } from './worker';
import { tune, type TuneOptions } from './tune';
import type { DataOptions } from './dataset';

function positiveInteger(raw: string): number {
  const v = raw.trim() === raw && raw !== '' ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('expected a positive integer.');
  return v;
}

function nonNegativeInteger(raw: string): number {
  const v = raw.trim() === raw && raw !== '' ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return v;
}

function positiveNumber(raw: string): number {
  const v = raw.trim() === raw && raw !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError('expected a positive number.');
  return v;
}

function nonNegativeNumber(raw: string): number {
  const v = raw.trim() === raw && raw !== '' ? Number(raw) : NaN;
  if (!Number.isFinite(v) || v < 0) throw new InvalidArgumentError('expected a non-negative number.');
  return v;
}

function splitFractions(raw: string): [number, number, number] {
  const parts = raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InvalidArgumentError('expected three positive fractions train,dev,test (e.g. 0.7,0.15,0.15).');
  }
  if (Math.abs(parts[0] + parts[1] + parts[2] - 1) > 1e-9) throw new InvalidArgumentError('the three fractions must sum to 1.');
  return parts as [number, number, number];
}

function layerSizes(raw: string): number[] {
  if (raw.trim() === '') return [];
  const sizes = raw.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (sizes.some((v) => !Number.isSafeInteger(v) || v < 1 || v > 100_000)) {
    throw new InvalidArgumentError('expected comma-separated layer widths (positive integers, e.g. 64,32), or "" for none.');
  }
  return sizes;
}

function columnList(raw: string, previous: string[]): string[] {
  const names = raw.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('expected column names separated by commas.');
  return [...previous, ...names];
}

const ENCODING_HELP =
  "Encoding: numeric columns are used as numbers; any other column is one-hot encoded with the categories of the training rows (a category unseen in training encodes as all zeros). Rows with a missing value (empty, NA, NaN, null, ?) in a used column are dropped and counted. Classes are the label's distinct values in sorted order, mapped to 0 … k−1 (printed).";
const WRITTEN_HELP =
  'Written: the model with its normalizer (--out, safetensors; read it back with loadModel) and beside it <out name>.encoding.json (columns, categories, classes), <out name>.onnx (ONNX opset 17, the normalizer inside: feed the encoded, unnormalized features) and <out name>.report.html (a self-contained HTML report).';

/** The flags of the data side, shared by train and tune: the file, the label, the split, the output. */
function dataFlags(command: Command): Command {
  return command
    .argument('<file.csv>', 'CSV file with a header row')
    .requiredOption('--label <column>', 'the column to predict')
    .addOption(
      new Option(
        '--task <task>',
        `auto: a non-numeric label → classification; a numeric one with at most ${MAX_AUTO_CLASSES} distinct values, all integers → classification; else regression`,
      )
        .choices(['auto', 'classification', 'regression'])
        .default('auto'),
    )
    .option('--drop <columns>', 'columns to ignore, comma-separated (e.g. an id or a date); repeatable', columnList, [] as string[])
    .option('--seed <n>', 'seed of the split, the initial weights and the shuffles (and of the search)', nonNegativeInteger, 0)
    .option('--base-error <x>', "the diagnosis's base error: the best error you think reachable (classification: an error rate in [0, 1]; regression: a loss in the label's units squared, for mse)", nonNegativeNumber, 0)
    .option('--split <fractions>', 'train,dev,test fractions summing to 1', splitFractions, [0.7, 0.15, 0.15] as [number, number, number])
    .option('--out <file>', 'where to write the model (safetensors)', 'model.safetensors');
}

function dataOptions(flags: Record<string, unknown>): DataOptions & { seed: number; baseError: number; out: string } {
  return {
    label: flags.label as string,
    task: flags.task as DataOptions['task'],
    drop: flags.drop as string[],
    seed: flags.seed as number,
    baseError: flags.baseError as number,
    split: flags.split as [number, number, number],
    out: flags.out as string,
  };
}

/** The whole program; `write*` hooks let tests capture the output. */
export function program(): Command {
  const root = new Command('tunenet')
    .description(
      'Train neural networks from the command line with tunenet.\n' +
        'Commands: `tunenet train` trains one network; `tunenet tune` searches its hyperparameters; `tunenet worker` runs trials of a distributed search (queueExecutor) from a Redis queue.',
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // One line per error: commander puts its suggestion on a second line.
      outputError: (text, write) => write(`tunenet: ${text.replace(/^error: /, '').replace(/\s*\n(?=.)/g, ' ').trimEnd()}\n`),
    });

  const trainCommand = dataFlags(
    root
      .command('train')
      .summary('train a network on a CSV file and write the model')
      .description(
        [
          'Train a network on a CSV file (header row required) and write the model.',
          ENCODING_HELP,
          'The data is split (stratified for classification), a Normalizer is fitted on the training rows only, and a network dense(hidden…)+relu → softmax (classification) or linear with mse (regression) is trained with Adam and early stopping on the dev loss (best weights restored).',
          'Printed: a data summary, the training progress, the bias/variance diagnosis and the test metrics (accuracy, macro F1 and the confusion matrix; or RMSE, MAE, R² and the RMSE of predicting the training mean).',
          WRITTEN_HELP,
        ].join('\n\n'),
      ),
  )
    .option('--epochs <n>', 'most epochs to train (early stopping may end sooner)', positiveInteger, 200)
    .option('--patience <n>', 'early stopping: epochs without a better dev loss before stopping', positiveInteger, 20)
    .option('--batch-size <n>', 'examples per mini-batch', positiveInteger, 32)
    .option('--learning-rate <x>', "Adam's learning rate", positiveNumber, 1e-3)
    .option('--hidden <widths>', 'hidden layer widths, comma-separated ("" for none)', layerSizes, [64, 32])
    .addOption(
      new Option('--verbose <level>', '0 silent, 1 a progress bar per epoch, 2 a line per epoch (default: $TUNENET_VERBOSE, else 1 on a terminal and 2 otherwise)')
        .choices(['0', '1', '2']),
    )
    .action(async (file: string, flags: Record<string, unknown>) => {
      const options: TrainOptions = {
        ...dataOptions(flags),
        epochs: flags.epochs as number,
        patience: flags.patience as number,
        batchSize: flags.batchSize as number,
        learningRate: flags.learningRate as number,
        hidden: flags.hidden as number[],
        verbose: flags.verbose === undefined ? undefined : (Number(flags.verbose) as 0 | 1 | 2),
      };
      await train(file, options);
    });

  const tuneCommand = dataFlags(
    root
      .command('tune')
      .summary('random search over the usual hyperparameters on a CSV file, and write the best model')
      .description(
        [
          "Tune the network of `tunenet train` on a CSV file by random search, coarse to fine: Adam's learning rate (log scale, 1e-4 … 3e-2), the L2 λ (log scale, 1e-6 … 0.1), dropout's keep probability (0.7 … 1), the hidden widths (32 | 64 | 64,32 | 128,64 | 128,64,32) and the batch size (16, 32, 64, 128).",
          ENCODING_HELP,
          'Every trial trains with Adam and early stopping on the dev loss (best weights restored) and is scored on the dev part: accuracy for classification, RMSE for regression. Each round after the first samples around the best 3 trials so far. The configs depend only on --seed.',
          'Printed: a data summary, the search\'s progress (a bar, or a line per trial, with the best so far and the ETA), the trials best first, the best config, its diagnosis and its test metrics (the test part is used once, for the winner).',
          WRITTEN_HELP.replace('the model', "the best trial's model").replace('a self-contained HTML report', 'the search: dev metric per hyperparameter, rounds'),
        ].join('\n\n'),
      ),
  )
    .option('--trials <n>', 'trials, all rounds together', positiveInteger, 20)
    .option('--rounds <n>', 'coarse-to-fine rounds', positiveInteger, 2)
    .option('--concurrency <n>', 'trials at once (their training runs off the main thread)', positiveInteger, 2)
    .option('--epochs <n>', 'most epochs per trial (early stopping may end sooner)', positiveInteger, 200)
    .option('--patience <n>', 'early stopping: epochs without a better dev loss before stopping', positiveInteger, 20)
    .addOption(
      new Option('--verbose <level>', '0 silent, 1 a progress bar over the trials (best so far, ETA), 2 a line per trial (default: $TUNENET_VERBOSE, else 1 on a terminal and 2 otherwise)')
        .choices(['0', '1', '2']),
    )
    .action(async (file: string, flags: Record<string, unknown>) => {
      const options: TuneOptions = {
        ...dataOptions(flags),
        trials: flags.trials as number,
        rounds: flags.rounds as number,
        concurrency: flags.concurrency as number,
        epochs: flags.epochs as number,
        patience: flags.patience as number,
        verbose: flags.verbose === undefined ? undefined : (Number(flags.verbose) as 0 | 1 | 2),
      };
      if (options.trials < options.rounds) throw new CliError(`--trials: ${options.trials} trials cannot cover --rounds ${options.rounds} (need trials ≥ rounds)`);
      await tune(file, options);
    });
  const workerCommand = root
    .command('worker')
    .summary('run tuning trials from a queue (queueExecutor) on this host')
    .description(
      [
        'Run the trials of searches that use queueExecutor({ connection, queue }), until stopped (Ctrl-C or SIGTERM finish the running trials first).',
        'A job names its objective module by file name; the worker imports it only from --modules. Start as many workers as you like, on any host that reaches Redis.',
        'Never expose Redis publicly: use a password (redis://:password@host:6379) and TLS (rediss://host:6380) across hosts.',
      ].join('\n\n'),
    )
    .requiredOption('--redis <url>', 'the Redis server: redis://host:6379, redis://:password@host:6379, rediss://… for TLS')
    .requiredOption('--queue <name>', "the queue name given to the coordinator's queueExecutor")
    .requiredOption('--modules <dir>', 'the directory of the objective modules this worker may run')
    .option('--concurrency <n>', 'trials at once, one worker thread each (each gets floor(cores / n) native threads)', positiveInteger, 1)
    .option('--lock-duration <ms>', "a trial's lock without renewal: a killed worker's trial runs again elsewhere after about this long", positiveInteger, 30000)
    .option('--stalled-interval <ms>', 'time between checks for trials whose worker was lost', positiveInteger, 30000)
    .option('--connect-timeout <ms>', 'time to reach Redis before giving up', positiveInteger, 5000)
    .action(async (flags: Record<string, unknown>) => {
      await worker({
        redis: flags.redis as string,
        queue: flags.queue as string,
        modules: flags.modules as string,
        concurrency: flags.concurrency as number,
        lockDuration: flags.lockDuration as number,
        stalledInterval: flags.stalledInterval as number,
        connectTimeout: flags.connectTimeout as number,
      });
    });
  // `tunenet --help` documents every flag: the root's help ends with each command's own.
  root.addHelpText('after', () => [trainCommand, tuneCommand, workerCommand].map((c) => `\n${'─'.repeat(60)}\n${c.helpInformation()}`).join(''));
  return root;
}

/** Runs the command line; resolves to the exit code (0, or 2 for a usage or input error). */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander printed it
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`tunenet: ${message.split('\n')[0]}\n`);
    return 2;
  }
}
