// Every option of the callback helpers is checked when the callback is made, with messages that
// name the function and the option.
import { describe, expect, it } from 'vitest';
import { csvLogger, jsonLogger, modelCheckpoint } from '../../src';
import { classifier, regressor } from './helpers';

describe('modelCheckpoint options', () => {
  const model = classifier();
  const cases: [string, () => unknown, RegExp | string][] = [
    ['model', () => modelCheckpoint({ path: 'm' } as never, { path: 'm' }), 'modelCheckpoint: model: expected a tunenet model (sequential(...)), got an Object'],
    ['no options', () => modelCheckpoint(model, undefined as never), /^modelCheckpoint options: expected an options object/],
    ['unknown key', () => modelCheckpoint(model, { path: 'm', saveBest: true } as never), "modelCheckpoint options: unknown option 'saveBest' (did you mean 'saveBestOnly'?)"],
    ['Keras name', () => modelCheckpoint(model, { filepath: 'm' } as never), /^modelCheckpoint options: unknown option 'filepath'/],
    ['path missing', () => modelCheckpoint(model, {} as never), 'modelCheckpoint: path: expected a non-empty string, got undefined'],
    ['path empty', () => modelCheckpoint(model, { path: '' }), "modelCheckpoint: path: expected a non-empty string, got the string ''"],
    ['path type', () => modelCheckpoint(model, { path: 3 as never }), 'modelCheckpoint: path: expected a non-empty string, got 3'],
    ['placeholder', () => modelCheckpoint(model, { path: 'm-{devLos}' }), "modelCheckpoint: path: unknown placeholder '{devLos}' (did you mean 'devLoss'?)"],
    ['Keras placeholder', () => modelCheckpoint(model, { path: 'm-{val_loss:.2f}' }), /^modelCheckpoint: path: unknown placeholder '\{val_loss:\.2f\}'/],
    ['format', () => modelCheckpoint(model, { path: 'm-{devLoss:03d}' }), "modelCheckpoint: path: '{devLoss:03d}' has an unknown format ({devLoss:.4f} is one)"],
    ['epoch format', () => modelCheckpoint(model, { path: 'm-{epoch:.2f}' }), "modelCheckpoint: path: '{epoch:.2f}' has an unknown format ({epoch:03d} is one)"],
    ['stray brace', () => modelCheckpoint(model, { path: 'm-{epoch' }), "modelCheckpoint: path: 'm-{epoch' has a brace that is not part of a placeholder ({epoch}, {devLoss:.4f}, …)"],
    ['monitor', () => modelCheckpoint(model, { path: 'm', monitor: 'val_loss' as never }), /^modelCheckpoint: monitor: expected 'devLoss' \| 'devAccuracy' \| 'trainLoss' \| 'trainAccuracy', got the string 'val_loss'/],
    ['regression monitor', () => modelCheckpoint(regressor(), { path: 'm', monitor: 'devAccuracy' }), /^modelCheckpoint: monitor: expected 'devLoss' \| 'trainLoss', got the string 'devAccuracy'/],
    ['saveBestOnly', () => modelCheckpoint(model, { path: 'm', saveBestOnly: 1 as never }), 'modelCheckpoint: saveBestOnly: expected true or false, got 1'],
    ['mode', () => modelCheckpoint(model, { path: 'm', mode: 'lower' as never }), /^modelCheckpoint: mode: expected 'min' \| 'max' \| 'auto', got the string 'lower'/],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('refuses a saved state of the wrong shape', () => {
    const cp = modelCheckpoint(model, { path: 'm' });
    expect(() => cp.setState!({ best: 'x' })).toThrow('modelCheckpoint: saved state: expected an object { monitor, lower, best }, got an Object');
    expect(() => cp.setState!(null)).toThrow('modelCheckpoint: saved state: expected an object { monitor, lower, best }, got null');
  });

  it('two checkpoints to different paths go together in one fit; the same path twice is refused', async () => {
    const a = modelCheckpoint(model, { path: 'a' });
    const b = modelCheckpoint(model, { path: 'b' });
    expect(a.stateKey).not.toBe(b.stateKey);
    await expect(model.fit(new Float32Array(4), [0], { callbacks: [a, modelCheckpoint(model, { path: 'a' })] })).rejects.toThrow("fit: callbacks[1].stateKey: 'modelCheckpoint:a' is used by two callbacks");
  });
});

describe('csvLogger and jsonLogger options', () => {
  const cases: [string, () => unknown, RegExp | string][] = [
    ['csv path', () => csvLogger(undefined as never), 'csvLogger: path: expected a non-empty string, got undefined'],
    ['csv path empty', () => csvLogger(''), "csvLogger: path: expected a non-empty string, got the string ''"],
    ['csv options type', () => csvLogger('l.csv', ',' as never), 'csvLogger options: expected an options object, got the string \',\''],
    ['csv unknown key', () => csvLogger('l.csv', { sep: ';' } as never), /^csvLogger options: unknown option 'sep'/],
    ['csv separator type', () => csvLogger('l.csv', { separator: 1 as never }), 'csvLogger: separator: expected a one-character string, got 1'],
    ['csv separator length', () => csvLogger('l.csv', { separator: ', ' }), /^csvLogger: separator: must be one character other than a letter, digit, '\.', '\+', '-', a quote or a line break, got the string ', '/],
    ['csv separator dot', () => csvLogger('l.csv', { separator: '.' }), /^csvLogger: separator: must be one character/],
    ['csv separator newline', () => csvLogger('l.csv', { separator: '\n' }), /^csvLogger: separator: must be one character/],
    ['csv append', () => csvLogger('l.csv', { append: 'yes' as never }), "csvLogger: append: expected true or false, got the string 'yes'"],
    ['json path', () => jsonLogger(3 as never), 'jsonLogger: path: expected a non-empty string, got 3'],
    ['json unknown key', () => jsonLogger('l.jsonl', { separator: ',' } as never), "jsonLogger options: unknown option 'separator' (known options: append)"],
    ['json append', () => jsonLogger('l.jsonl', { append: null as never }), 'jsonLogger: append: expected true or false, got null'],
  ];
  it.each(cases)('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('accepts the documented separators', () => {
    for (const separator of [',', ';', '\t', '|', ' ']) expect(() => csvLogger('l.csv', { separator })).not.toThrow();
  });
});
