// The whole state of a model as bytes (what saveModel would write: every tensor, the optimizer,
// step, random streams, normalizer and training state), for "nothing changed" assertions.
import type { Sequential } from '../../src';

export async function stateBytes(model: Sequential, options: { training?: boolean } = {}): Promise<Buffer> {
  const state = await model.exportState();
  const { tensors, ...rest } = state;
  if (options.training === false) delete rest.training;
  const parts = [Buffer.from(JSON.stringify(rest))];
  for (const t of tensors) parts.push(Buffer.from(t.name), Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength));
  return Buffer.concat(parts);
}

/** True when every value of every tensor is finite. */
export async function allFinite(model: Sequential): Promise<boolean> {
  const state = await model.exportState();
  return state.tensors.every((t) => t.values.every((v) => Number.isFinite(v)));
}
