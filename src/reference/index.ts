/**
 * tunenet's reference kernels: plain TypeScript, one concept per file, following
 * docs/CONVENTIONS.md exactly. Property tests check the native kernels against these.
 */
export { type FloatArray } from './types';
export { Rng, RngStream, type RngState, type MutableArrayLike } from './rng';
export { gemm, type GemmShape } from './gemm';
export { addBias, biasGrad } from './bias';
export { activationForward, activationBackward, sigmoid, ACTIVATIONS, ACTIVATION_KINDS, activationParameter, type ActivationKind } from './activation';
export { softmax, softmaxCrossEntropy, sigmoidBinaryCrossEntropy, type LossResult } from './loss';
export {
  batchNormForwardTrain,
  batchNormBackward,
  batchNormForwardInference,
  batchNormUpdateRunning,
  type BatchNormTrainResult,
  type BatchNormGrads,
} from './batchNorm';
export { dropoutForward, dropoutBackward, type DropoutResult } from './dropout';
export { regularizationGrad, regularizationCost } from './regularization';
export { sgdStep, momentumStep, nesterovStep, rmspropStep, adamStep, adamwStep } from './optimizers';
export { initWeights, initStd, normalizeInit, initFromName, initParameter, INITIALIZERS, INIT_KINDS, DEFAULT_INIT, type InitKind, type InitName } from './init';
export {
  augmentImages,
  transformImage,
  augmentRow,
  transformRow,
  drawTransform,
  forkRowRng,
  parseAugmentation,
  IDENTITY_TRANSFORM,
  type Augmentation,
  type AugmentationOptions,
  type Transform,
} from './augment';
export { ReferenceNetwork, ReferenceDataset } from './handle';
export { Network, type BatchStats } from './network';
export { type Mode } from './layers';
export { compareGradients, relativeDifference } from './gradcheck';
export { type LayerSpec, type LossKind, type NetworkSpec, type OptimizerConfig, type OptimizerKind } from './spec';
export { referenceBackend } from './backend';
