/**
 * ESM-only packages the tests load (Jest's module system cannot require ESM without
 * --experimental-vm-modules): compiled like our code. The trackers' SDKs (src/integrations/trackers.ts)
 * and their ESM dependencies are among them (content-type/dist: @octokit/request's own ESM copy), and
 * Lighthouse's median-run helper (src/domain/lab-runs.ts; lighthouse/core/lib).
 */
const ESM_PACKAGES = ['lighthouse/core/lib', 'eventsource-parser', '@octokit', 'universal-user-agent', 'before-after-hook', 'json-with-bigint', 'jira\\.js', '@linear/sdk', 'content-type/dist'];
const swc = ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': swc,
    [`/node_modules/(?:${ESM_PACKAGES.join('|')})/.+\\.m?js$`]: swc,
  },
  transformIgnorePatterns: [`/node_modules/(?!(?:${ESM_PACKAGES.join('|')})/)`],
  // jira.js exports only an "import" condition, which Jest's CommonJS resolver does not try.
  moduleNameMapper: { '^jira\\.js$': '<rootDir>/node_modules/jira.js/dist/index.js' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Fails the run if any process it started is still alive (and kills it).
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  // Longest files first, from a recorded run where Jest has no cache (a fresh clone).
  testSequencer: '<rootDir>/test/support/sequencer.js',
  // Temporal servers and fixture sites are per file; two workers fit two cores.
  maxWorkers: 2,
};
