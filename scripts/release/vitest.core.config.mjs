// The test suite's core cases (kernels, models, regression), runnable against any built binding:
// no globalSetup (no Python, chromium or redis), so the release jobs can run it on every platform,
// and under NAPI_RS_NATIVE_LIBRARY_PATH / NAPI_RS_FORCE_WASI against a binary from artifacts/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['__test__/kernels/**/*.test.ts', '__test__/model/**/*.test.ts', '__test__/regression/**/*.test.ts'],
    testTimeout: 300000,
    env: { TUNENET_VERBOSE: '0' },
  },
});
