// Hyperparameter tuning: search spaces, random search (coarse to fine), successive halving / ASHA,
// trials in parallel on worker threads ("caviar") or on other hosts (executors), the study record
// and its exports, and babysitting one model ("panda").
export {
  uniform,
  integer,
  logUniform,
  oneMinusLogUniform,
  choice,
  sample,
  zoom,
  type Dimension,
  type NumericDimension,
  type UniformDimension,
  type IntegerDimension,
  type LogUniformDimension,
  type OneMinusLogUniformDimension,
  type ChoiceDimension,
  type Space,
  type ConfigOf,
  type SearchRng,
} from './space';
export { threadsPerTrial } from './checks';
export { formatTrials, rankTrials, type EpochReport, type TrialContext, type ObjectiveResult, type Objective, type ObjectiveModule, type TrialRecord, type TableOptions } from './trials';
export { randomSearch, type RandomSearchOptions, type SearchResult, type SearchProgress } from './randomSearch';
export {
  successiveHalving,
  rungBudgets,
  type SuccessiveHalvingOptions,
  type HalvingContext,
  type HalvingResult,
  type HalvingTrial,
  type RungResult,
} from './successiveHalving';
export { runTrialsInWorkers, TrialWorkerPool, type RunTrialsOptions, type WorkerTrial, type WorkerPoolOptions, type WorkerReply, type TrialHooks } from './parallel';
export { localWorkers, type Executor, type ExecutorSession, type LocalWorkersOptions, type TrialRequest, type TrialRun } from './executor';
export { babysit, type BabysitOptions, type BabysitDecision, type Babysitter } from './panda';
export { studyRecord, exportStudy, type StudyRecord, type StudyTrial, type StudyRung, type StudyState, type ExportStudyOptions } from './study';
export { queueExecutor, type QueueExecutorOptions } from './queue';
export { startWorker, type StartWorkerOptions, type TunenetWorker } from './worker';
export { type RedisConnection } from './redis';
