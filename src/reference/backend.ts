/**
 * The pure-TypeScript backend: the same contract as the native addon (src/backend.ts), computed
 * by the reference network. Option parsing and defaults follow the binding
 * (crates/node/src/network.rs). As a checker of the native side, it accepts and refuses the same
 * calls, and its messages name the same argument first; the rest of each message is its own.
 * See ./spec.ts and ./validate.ts.
 */
import type { Backend } from '../backend';
import { ReferenceDataset, ReferenceNetwork } from './handle';

export const referenceBackend: Backend = {
  name: 'reference',
  /** Refuses the options the native side refuses (the message names the argument), then builds the layers from the seed. */
  createNetwork: (options, optimizer) => new ReferenceNetwork(options, optimizer),
  /** Zero-filled f32 storage for `rows` examples, written in chunks, checked by seal(). */
  createDataset: (rows, inputs, outputs) => new ReferenceDataset(rows, inputs, outputs),
};
