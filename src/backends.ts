// Picks a backend by name: the native addon (default) or the pure-TS reference.
import type { Backend, DatasetHandle, NetworkHandle } from './backend';
import native from './native';
import { referenceBackend } from './reference/backend';

export const nativeBackend: Backend = {
  name: 'native',
  createNetwork: (options, optimizer) => new native.NativeNetwork(options, optimizer) as unknown as NetworkHandle,
  createDataset: (rows, inputs, outputs) => new native.NativeDataset(rows, inputs, outputs) as unknown as DatasetHandle,
};

export type BackendName = 'native' | 'reference';

export function backendByName(name: BackendName | undefined): Backend {
  if (name === undefined || name === 'native') return nativeBackend;
  if (name === 'reference') return referenceBackend;
  throw new RangeError(`backend: expected 'native' or 'reference', got '${String(name)}'`);
}
