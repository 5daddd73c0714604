// ONNX export (issue 10, Shipping): exportOnnx and the graph's documented names and opset.
export { exportOnnx, type ExportOnnxOptions } from './export';
export { ONNX_OPSET, INPUT_NAME as ONNX_INPUT_NAME, OUTPUT_NAME as ONNX_OUTPUT_NAME } from './graph';
