import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    globalSetup: ['__test__/globalSetup.ts'],
    testTimeout: 60000,
    // fit's default verbosity ('auto') prints a line per epoch when stdout is not a terminal;
    // the suite stays quiet (tests that check the output pass verbose themselves).
    env: { TUNENET_VERBOSE: '0' },
  },
});
