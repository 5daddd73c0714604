// Picks a backend by name. The reference is loaded lazily so the native path never pays for it.
import type { Backend, DatasetHandle, NetworkHandle } from './backend';
import native from './native';

export const nativeBackend: Backend = {
  name: 'native',
  createNetwork: (options, optimizer) => new native.NativeNetwork(options, optimizer) as unknown as NetworkHandle,
  createDataset: (x, y, inputs, outputs) => new native.NativeDataset(x, y, inputs, outputs) as DatasetHandle,
};

export type BackendName = 'native' | 'reference';

export function backendByName(name: BackendName | undefined): Backend {
  if (name === undefined || name === 'native') return nativeBackend;
  if (name === 'reference') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./reference/backend') as { referenceBackend: Backend }).referenceBackend;
  }
  throw new RangeError(`backend: expected 'native' or 'reference', got '${String(name)}'`);
}
