/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
    // ESM-only packages the tests load (Jest's module system cannot require ESM): compiled like our code.
    '/node_modules/eventsource-parser/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!eventsource-parser/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Fails the run if any process it started is still alive (and kills it).
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Temporal servers and fixture sites are per file; two workers fit two cores.
  maxWorkers: 2,
};
