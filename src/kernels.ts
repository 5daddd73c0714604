// The native kernels as typed functions (Float32Array in, new Float32Array out). Shapes are
// explicit; every shape, range or finiteness problem throws an Error naming the argument.
import native from './native';

export const {
  gemm,
  gemmF64,
  addBias,
  biasGrad,
  activationForward,
  activationBackward,
  softmax,
  softmaxCrossEntropy,
  sigmoidBinaryCrossEntropy,
  batchNormForwardTrain,
  batchNormBackward,
  batchNormForwardInference,
  batchNormUpdateRunning,
  dropoutForward,
  dropoutBackward,
  regularizationGrad,
  regularizationCost,
  optimizerStep,
  rngU32,
  rngNormal,
  initWeights,
  augmentImages,
  transformImage,
} = native;
