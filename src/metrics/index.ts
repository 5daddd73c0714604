// Metrics on plain arrays, usable without a model (issue 9 "Metrics"): confusion matrix,
// accuracy, precision/recall/F1, top-k accuracy, MAE/MSE/RMSE/R², and computeMetrics, which
// looks metrics up by name for evaluate.
export { confusionMatrix, MAX_CONFUSION_CLASSES, type ConfusionMatrix, type ConfusionMatrixOptions } from './confusion';
export {
  accuracy,
  precisionRecallF1,
  METRIC_AVERAGES,
  type MetricAverage,
  type AccuracyOptions,
  type PrecisionRecallF1Options,
  type PrecisionRecallF1Result,
  type PerClassScores,
  type AveragedScores,
} from './classification';
export { topKAccuracy } from './topK';
export { meanAbsoluteError, meanSquaredError, rootMeanSquaredError, r2Score, type RegressionOptions } from './regression';
export {
  computeMetrics,
  METRICS,
  type MetricName,
  type MetricKind,
  type MetricValue,
  type MetricData,
  type MetricDefinition,
  type ClassificationData,
  type RegressionData,
} from './registry';
export { MAX_CLASSES, type ClassIndices, type RealValues, type RealMatrix } from './inputs';
