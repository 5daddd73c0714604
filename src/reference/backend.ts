/**
 * The pure-TypeScript backend: the same contract as the native addon (src/backend.ts), computed
 * by the reference network. Option parsing, defaults and argument checks follow the binding
 * (crates/node/src/network.rs), so both backends accept and reject the same calls with the same
 * messages; see ./spec.ts and ./validate.ts.
 */
import type { Backend } from '../backend';
import { ReferenceDataset, ReferenceNetwork } from './handle';

export const referenceBackend: Backend = {
  name: 'reference',
  /** Validates the options like the native side (messages name the argument), then builds the layers from the seed. */
  createNetwork: (options, optimizer) => new ReferenceNetwork(options, optimizer),
  /** Zero-filled f32 storage for `rows` examples, written in chunks, checked by seal(). */
  createDataset: (rows, inputs, outputs) => new ReferenceDataset(rows, inputs, outputs),
};
