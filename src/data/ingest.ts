// Moving a data set into a backend without blocking the event loop: x and y are converted and
// written in chunks of about 256k values, yielding to the event loop between chunks
// (a 60,000 × 784 set is ~180 chunks of well under 1 ms), and the backend checks the copy off the main
// thread (`seal`). Training never reads the user's arrays after this returns.
import type { Backend, DatasetHandle } from '../backend';
import { copyRows, labelLayout, labelRows, matrixRows, type Labels, type Matrix, type Targets } from './arrays';

/** Values per chunk: 1 MiB of f32 — first writes into fresh pages fault them in, so a chunk can cost several ms. */
const CHUNK_VALUES = 1 << 18;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Passed as y for a prediction set: x only. */
export const NO_LABELS = Symbol('no labels');

/**
 * x [m, inputs] and y (class indices or [m, outputs]; NO_LABELS for prediction) into a sealed
 * backend data set. Errors start with `where: ` and name the argument (`fit: validation.x: …`).
 */
export async function ingestDataset(
  backend: Backend,
  where: string,
  x: Matrix,
  labels: Labels | typeof NO_LABELS,
  inputs: number,
  outputs: number,
  targets: Targets,
  names: { x: string; y: string } = { x: 'x', y: 'y' },
  weights: Float32Array | null = null,
): Promise<DatasetHandle> {
  const xName = `${where}: ${names.x}`;
  const yName = `${where}: ${names.y}`;
  // Shapes first, before any allocation or copy.
  const m = matrixRows(xName, x, inputs);
  const y = labels === NO_LABELS ? null : labels;
  const layout = labels === NO_LABELS ? null : labelLayout(yName, labels, m, outputs, targets);
  let data;
  try {
    data = backend.createDataset(m, inputs, y === null ? 0 : outputs);
  } catch (e) {
    throw new RangeError(`${where}: ${(e as Error).message}`);
  }
  const rowsPerChunk = (cols: number) => Math.max(1, Math.floor(CHUNK_VALUES / Math.max(cols, 1)));
  // Only inputs that are not a Float32Array need converting, through one chunk-sized buffer.
  const scratch = x instanceof Float32Array ? null : new Float32Array(Math.min(m, rowsPerChunk(inputs)) * inputs);
  for (let start = 0; start < m; start += rowsPerChunk(inputs)) {
    const end = Math.min(m, start + rowsPerChunk(inputs));
    // A Float32Array chunk goes straight to the backend (it copies); others convert into scratch.
    const chunk = x instanceof Float32Array ? x.subarray(start * inputs, end * inputs) : copyRows(xName, x, inputs, start, end, scratch!.subarray(0, (end - start) * inputs));
    data.writeX(start, chunk);
    if (end < m) await nextTurn();
  }
  if (y !== null && layout !== null) {
    for (let start = 0; start < m; start += rowsPerChunk(outputs)) {
      const end = Math.min(m, start + rowsPerChunk(outputs));
      data.writeY(start, labelRows(yName, y, layout, outputs, targets, start, end));
      if (end < m) await nextTurn();
    }
  }
  if (weights !== null) {
    for (let start = 0; start < m; start += CHUNK_VALUES) {
      data.writeWeights(start, weights.subarray(start, Math.min(m, start + CHUNK_VALUES)));
      if (start + CHUNK_VALUES < m) await nextTurn();
    }
  }
  try {
    await data.seal();
  } catch (e) {
    // The backend checks the copy (finite values): name the user's argument.
    const message = (e as Error).message.replace(/^x: /, `${names.x}: `).replace(/^y: /, `${names.y}: `);
    throw new RangeError(`${where}: ${message}`);
  }
  return data;
}
