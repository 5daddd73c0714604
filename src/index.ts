// tunenet: train and improve neural networks server-side, with a Rust SIMD core.
export {
  sequential,
  Sequential,
  type ModelOptions,
  type Architecture,
  type Evaluation,
  type ClassificationEvaluation,
  type RegressionEvaluation,
  type EvaluateOptions,
  type Prediction,
  type ClassPrediction,
  type RegressionPrediction,
  type OutputKind,
  type RegressionLoss,
  type TrainStepOptions,
  type TrainStepResult,
} from './model';
export type { ModelState, TrainingState, NamedTensor } from './modelState';
export * from './layers';
export { gd, momentum, nesterov, rmsprop, adam, adamw, type OptimizerConfig } from './optimizers';
export {
  constant,
  inverseTimeDecay,
  exponentialDecay,
  sqrtDecay,
  stepDecay,
  cosineDecay,
  linearWarmup,
  reduceOnPlateau,
  type Schedule,
  type ScheduleContext,
} from './schedules';
export type { FitOptions, History, EpochLog, StepLog, TrainingControl } from './training/fit';
export type { FitCallback } from './training/callbacks';
export type { AugmentOptions } from './training/augment';
export type { EarlyStoppingOptions, Monitor } from './training/earlyStopping';
export { gradientCheck, compareGradients, relativeDifference, verdictFor, type GradientCheckReport, type Verdict } from './gradcheck';
export { saveModel, loadModel, type LoadOptions } from './io/modelFile';
export { split, DEFAULT_FRACTIONS, type SplitFractions, type SplitOptions, type Part } from './data/split';
export { toMatrix, toLabelMatrix, argmaxRows, type Matrix, type Labels } from './data/arrays';
export { Normalizer, type NormalizerJSON } from './data/normalizer';
export { miniBatches, type MiniBatch, type MiniBatchOptions, type BatchLabels } from './data/batches';
export {
  diagnose,
  DEFAULT_TOLERANCE,
  DEFAULT_LOSS_TOLERANCE,
  type ErrorScale,
  BIAS_ADVICE,
  VARIANCE_ADVICE,
  type Diagnosis,
  type DiagnoseOptions,
  type BiasVarianceVerdict,
} from './diagnosis/biasVariance';
export { gradientWarnings, GRADIENT_THRESHOLDS, type GradientWarning, type GradientHealthOptions } from './diagnosis/gradientHealth';
export { ewa, ewaSeries, type Ewa, type EwaOptions } from './diagnosis/ewa';
export * from './kernels';
export * as reference from './reference';
export type { Backend, NetworkHandle, DatasetHandle } from './backend';
// Hyperparameter tuning (issue 4): search spaces, random search, successive halving, parallel trials, babysitting.
export * from './tuning';
// Metrics on plain arrays (issue 9): confusion matrix, precision/recall/F1, top-k, MAE/RMSE/R².
export * from './metrics';
// Callback helpers (issue 10): modelCheckpoint, csvLogger, jsonLogger.
export * from './training/callbacks/index';
// TensorBoard event files (issue 10, Recording): the tensorBoard(logDir) fit callback and its writer.
export { tensorBoard, type TensorBoardOptions } from './training/callbacks/tensorBoard';
export { EventFileWriter, histogramOf, type Histogram } from './io/tensorboard';
// HTML reports (issue 10): writeReport(history | tuningResult, path, options).
export * from './report/index';
// Export to ONNX (opset 17, onnxruntime-checked) and to a PyTorch nn.Sequential state_dict (issue 10, Shipping).
export { exportOnnx, ONNX_OPSET, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, type ExportOnnxOptions } from './io/onnx';
export { exportTorch, type ExportTorchOptions, type TorchExport } from './io/torch';
