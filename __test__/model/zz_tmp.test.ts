import { it } from 'vitest';
import { batchNorm, dense, dropout, gradientCheck, leakyRelu, relu, sequential, sigmoid, tanh, identity } from '../../src';
import { normals } from './helpers';
it('x', () => {
  const x = normals(11, 20);
  const variants: Record<string, any[]> = {
    full: [dense(5), batchNorm(), relu(), dense(5), leakyRelu(0.1), dense(3)],
    noBN: [dense(5), relu(), dense(5), leakyRelu(0.1), dense(3)],
    bnrelu2: [dense(5), batchNorm(), relu(), dense(5), relu(), dense(3)],
  };
  for (const [name, layers] of Object.entries(variants)) {
    const out: string[] = [];
    for (const seed of [3, 8, 4, 5, 6, 7, 9, 10, 11, 12]) {
      const model = sequential({ inputSize: 4, seed, threads: 1, layers });
      let k = 100;
      for (const t of model.tensors()) if (t.name === 'b' || t.name === 'beta') model.setTensor(t.layer, t.name, normals(seed * 31 + k++, t.shape[0], 0.5));
      const r = gradientCheck(model, x, [0, 1, 2, 1, 0]);
      out.push(`${r.relativeDifference.toExponential(1)}:${r.parameters[0].layer}.${r.parameters[0].name}`);
    }
    console.log(name, out.join(' '));
  }
});
