// computeMetrics: each name gives what the standalone function gives, predictions and the class
// count come from probabilities when left out, the registry is the one list of metrics, and bad
// names or data are refused naming the function and the argument before anything is computed.
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  computeMetrics,
  confusionMatrix,
  meanAbsoluteError,
  meanSquaredError,
  METRICS,
  precisionRecallF1,
  r2Score,
  rootMeanSquaredError,
  topKAccuracy,
} from '../../src/metrics';

const probabilities = Float32Array.from([
  [0.5, 0.2, 0.2, 0.1],
  [0.3, 0.4, 0.2, 0.1],
  [0.2, 0.4, 0.3, 0.1],
  [0.7, 0.2, 0.05, 0.05],
  [0.1, 0.1, 0.1, 0.7],
].flat());
const yTrue = Int32Array.from([0, 1, 2, 2, 3]);
const argmax = [0, 1, 1, 0, 3];

describe('computeMetrics', () => {
  it('gives, for every classification name, what the standalone function gives', () => {
    const names = ['accuracy', 'topK:2', 'precision', 'recall:weighted', 'f1:micro', 'f1:none', 'confusionMatrix'];
    const r = computeMetrics(names, { yTrue, yPred: argmax, probabilities, classes: 4 });
    expect(Object.keys(r)).toEqual(names);
    expect(r.accuracy).toBe(accuracy(yTrue, argmax));
    expect(r['topK:2']).toBe(topKAccuracy(probabilities, yTrue, 2));
    expect(r.precision).toBe(precisionRecallF1(yTrue, argmax, { classes: 4, average: 'macro' }).precision);
    expect(r['recall:weighted']).toBe(precisionRecallF1(yTrue, argmax, { classes: 4, average: 'weighted' }).recall);
    expect(r['f1:micro']).toBe(precisionRecallF1(yTrue, argmax, { classes: 4, average: 'micro' }).f1);
    expect(r['f1:none']).toEqual(precisionRecallF1(yTrue, argmax, { classes: 4 }).perClass.f1);
    expect(r.confusionMatrix).toEqual(confusionMatrix(yTrue, argmax, { classes: 4 }));
    expect(r.accuracy).toBe(0.6);
    expect(r['topK:2']).toBe(0.8);
  });

  it('takes predictions (row argmax, first on ties) and the class count from probabilities', () => {
    const r = computeMetrics(['accuracy', 'f1', 'topK:1'], { yTrue, probabilities });
    expect(r.accuracy).toBe(0.6);
    expect(r.f1).toBe(precisionRecallF1(yTrue, argmax, { classes: 4, average: 'macro' }).f1);
    expect(r['topK:1']).toBe(0.6);
    // A tie takes the first maximum: row [0.5, 0.5] predicts class 0.
    expect(computeMetrics(['accuracy'], { yTrue: [0, 1], probabilities: [[0.5, 0.5], [0.5, 0.5]] }).accuracy).toBe(0.5);
    // yPred wins over probabilities when both are given.
    expect(computeMetrics(['accuracy'], { yTrue, yPred: Array.from(yTrue), probabilities }).accuracy).toBe(1);
  });

  it('gives, for every regression name, what the standalone function gives, on [m] and [m, k]', () => {
    const t = [3, -0.5, 2, 7];
    const p = [2.5, 0, 2, 8];
    const r = computeMetrics(['mae', 'mse', 'rmse', 'r2'], { yTrue: t, yPred: p });
    expect(r).toEqual({ mae: meanAbsoluteError(t, p), mse: meanSquaredError(t, p), rmse: rootMeanSquaredError(t, p), r2: r2Score(t, p) });
    const t2 = [0.5, 1, -1, 1, 7, -6];
    const p2 = [0, 2, -1, 2, 8, -5];
    expect(computeMetrics(['r2'], { yTrue: t2, yPred: p2, outputs: 2 }).r2).toBe(r2Score(t2, p2, { outputs: 2 }));
    expect(computeMetrics(['r2'], { yTrue: [[0.5, 1], [-1, 1], [7, -6]], yPred: [[0, 2], [-1, 2], [8, -5]] }).r2).toBe(r2Score(t2, p2, { outputs: 2 }));
  });

  it('the registry is the one list: every entry has a kind, a summary and a compute, and every name is computable', () => {
    const kinds = new Set<string>();
    for (const [name, definition] of Object.entries(METRICS)) {
      expect(['classification', 'regression']).toContain(definition.kind);
      expect(typeof definition.summary).toBe('string');
      expect(typeof definition.compute).toBe('function');
      kinds.add(definition.kind);
      const metric = name === 'topK' ? 'topK:3' : name;
      const value =
        definition.kind === 'classification'
          ? computeMetrics([metric], { yTrue, probabilities })[metric]
          : computeMetrics([metric], { yTrue: [1, 2, 4], yPred: [1, 3, 3] })[metric];
      expect(value).toBeDefined();
    }
    expect(Object.keys(METRICS).sort()).toEqual(['accuracy', 'confusionMatrix', 'f1', 'mae', 'mse', 'precision', 'r2', 'recall', 'rmse', 'topK']);
    expect(kinds.size).toBe(2);
  });

  describe('bad names and data name the function and the argument', () => {
    const c = { yTrue, probabilities };
    const reg = { yTrue: [1, 2], yPred: [1, 3] };
    it.each([
      ['names not an array', () => computeMetrics('accuracy' as never, c), /^computeMetrics: names: expected an array of metric names .*, got the string 'accuracy'$/],
      ['names empty', () => computeMetrics([], c), /^computeMetrics: names: is empty; list at least one metric \(known: accuracy, topK, precision, recall, f1, confusionMatrix, mae, mse, rmse, r2\)$/],
      ['a name not a string', () => computeMetrics(['accuracy', 3] as never, c), /^computeMetrics: names\[1\]: expected a metric name, got 3$/],
      ['unknown metric, close', () => computeMetrics(['acuracy'], c), /^computeMetrics: names\[0\]: unknown metric 'acuracy' \(did you mean 'accuracy'\?\)$/],
      ['unknown metric, far', () => computeMetrics(['auc'], c), /^computeMetrics: names\[0\]: unknown metric 'auc' \(known metrics: accuracy, topK, .*r2\)$/],
      ['a prototype key', () => computeMetrics(['toString'], c), /^computeMetrics: names\[0\]: unknown metric 'toString'/],
      ['listed twice', () => computeMetrics(['mae', 'mae'], reg), /^computeMetrics: names\[1\]: 'mae' is listed twice$/],
      ['kinds mixed', () => computeMetrics(['accuracy', 'mae'], c), /^computeMetrics: names: 'accuracy' is a classification metric and 'mae' a regression one; one call evaluates one kind of target$/],
      ['parameter on mae', () => computeMetrics(['mae:2'], reg), /^computeMetrics: names\[0\]: 'mae' takes no parameter, got 'mae:2'$/],
      ['parameter on accuracy', () => computeMetrics(['accuracy:1'], c), /^computeMetrics: names\[0\]: 'accuracy' takes no parameter, got 'accuracy:1'$/],
      ['topK without k', () => computeMetrics(['topK'], c), /^computeMetrics: names\[0\] \('topK'\): top-k accuracy needs k, as 'topK:5'$/],
      ['topK:0', () => computeMetrics(['topK:0'], c), /^computeMetrics: names\[0\] \('topK:0'\): must be an integer in \[1, 4\] \(the number of classes\), got 0$/],
      ['topK:5 of 4 classes', () => computeMetrics(['topK:5'], c), /^computeMetrics: names\[0\] \('topK:5'\): must be an integer in \[1, 4\] \(the number of classes\), got 5$/],
      ['topK:x', () => computeMetrics(['topK:1.5'], c), /^computeMetrics: names\[0\] \('topK:1\.5'\): k must be a whole number, got '1\.5'$/],
      ['topK without probabilities', () => computeMetrics(['accuracy', 'topK:2'], { yTrue, yPred: argmax, classes: 4 }), /^computeMetrics: probabilities: required by 'topK:2' \(it ranks the scores\), got undefined$/],
      ['bad average', () => computeMetrics(['f1:macor'], c), /^computeMetrics: names\[0\] \('f1:macor'\): expected 'none' \| 'macro' \| 'weighted' \| 'micro', got the string 'macor' \(did you mean 'macro'\?\)$/],
      ['data not an object', () => computeMetrics(['accuracy'], [yTrue] as never), /^computeMetrics: data: expected an object \{ yTrue, yPred, probabilities\?, classes\?, outputs\? \}, got an array of 1$/],
      ['unknown data key', () => computeMetrics(['accuracy'], { ytrue: yTrue, probabilities } as never), /^computeMetrics data: unknown option 'ytrue' \(did you mean 'yTrue'\?\)$/],
      ['classes nor probabilities', () => computeMetrics(['accuracy'], { yTrue, yPred: argmax }), /^computeMetrics: classes: expected the number of classes \(or probabilities, whose row width gives it\), got undefined$/],
      ['yPred nor probabilities', () => computeMetrics(['accuracy'], { yTrue, classes: 4 }), /^computeMetrics: yPred: expected the predicted class indices .*, got undefined$/],
      ['yTrue missing', () => computeMetrics(['accuracy'], { probabilities } as never), /^computeMetrics: yTrue: expected class indices .*, got undefined$/],
      ['yTrue out of range (classes given)', () => computeMetrics(['accuracy'], { yTrue: [0, 4], yPred: [0, 1], classes: 4 }), /^computeMetrics: yTrue: element 1 is 4, expected a class index in \[0, 3\]$/],
      ['yTrue out of range (from probabilities)', () => computeMetrics(['accuracy'], { yTrue: [0, 2], probabilities: [[1, 0], [0, 1]] }), /^computeMetrics: yTrue: element 1 is 2, expected a class index in \[0, 1\] \(probabilities has 2 columns\)$/],
      ['yPred length', () => computeMetrics(['accuracy'], { yTrue, yPred: [0], classes: 4 }), /^computeMetrics: yPred: has 1 entries but yTrue has 5/],
      ['probabilities width ≠ classes', () => computeMetrics(['accuracy'], { yTrue, probabilities, classes: 5 }), /^computeMetrics: probabilities: has 20 values, expected 25 \(shape \[5, 5\]: one row of 5 per example\)$/],
      ['probabilities NaN', () => computeMetrics(['accuracy'], { yTrue: [0], probabilities: [NaN, 1] }), /^computeMetrics: probabilities: element 0 \(row 0, column 0\) is NaN, expected a finite number$/],
      ['outputs with classification', () => computeMetrics(['accuracy'], { ...c, outputs: 2 }), /^computeMetrics: outputs: is for regression metrics; 'accuracy' is a classification metric$/],
      ['classes with regression', () => computeMetrics(['mae', 'r2'], { ...reg, classes: 2 }), /^computeMetrics: classes: is for classification metrics; 'mae', 'r2' are regression metrics$/],
      ['regression yPred missing', () => computeMetrics(['mae'], { yTrue: [1] }), /^computeMetrics: yPred: expected the predicted values, got undefined$/],
      ['regression shapes differ', () => computeMetrics(['mse'], { yTrue: [1, 2], yPred: [1, 2, 3] }), /^computeMetrics: yPred: has 3 values, expected 2 \(shape \[2, 1\]: one row of 1 per example\)$/],
      ['regression r2 of one example', () => computeMetrics(['mae', 'r2'], { yTrue: [1], yPred: [1] }), /^computeMetrics: yTrue: has 1 example; R² needs at least 2/],
      ['regression outputs 0', () => computeMetrics(['mae'], { ...reg, outputs: 0 }), /^computeMetrics: outputs: must be an integer in \[1, 1000000000\], got 0$/],
    ])('%s', (_label, call, message) => {
      expect(call).toThrow(message);
    });
  });
});
