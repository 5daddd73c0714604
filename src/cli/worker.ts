// `tunenet worker`: runs the trials of queueExecutor searches on this host until stopped (SIGINT or
// SIGTERM: it finishes the trials it is running, then exits). Objective modules are imported only
// from --modules, by the file name a job gives.
import { startWorker } from '../tuning/worker';
import { describeConnection } from '../tuning/redis';

export interface WorkerCommandOptions {
  redis: string;
  queue: string;
  modules: string;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
  connectTimeout: number;
}

/** Starts the worker, logs a line per trial on stderr, and resolves once a signal has closed it. */
export async function worker(options: WorkerCommandOptions): Promise<void> {
  const log = (line: string) => process.stderr.write(`tunenet worker: ${line}\n`);
  const running = await startWorker({
    connection: options.redis,
    queue: options.queue,
    modules: options.modules,
    concurrency: options.concurrency,
    lockDuration: options.lockDuration,
    stalledInterval: options.stalledInterval,
    connectTimeout: options.connectTimeout,
    log,
  });
  process.stdout.write(
    `tunenet worker ${running.name}: queue '${options.queue}' at ${describeConnection(options.redis)}, modules ${options.modules}, ${options.concurrency} at once\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}: finishing the running trials`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      running.close().then(resolve, (e) => {
        log(`closing failed: ${e instanceof Error ? e.message : String(e)}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stdout.write(`tunenet worker ${running.name}: stopped after ${running.finished} trials\n`);
}
