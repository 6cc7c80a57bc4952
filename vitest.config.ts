import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/helpers/keep-failed.ts'],
    // Emulators listen on loopback: the outbound guard allows it by name for adapters built outside a config.
    env: { OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1/128' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
