/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Snapshots live in the top-level __snapshots__/ folder.
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  testTimeout: 120000,
  // RSA keys for the stores tests set up come from a pool made once, before the test files run (see the files).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // age-encryption is an ES module: the global setup bundles it for Jest's CommonJS runtime.
  moduleNameMapper: { '^age-encryption$': '<rootDir>/.build/age-encryption.cjs' },
  setupFiles: ['<rootDir>/test/support/key-pool.ts', '<rootDir>/test/support/no-ci.ts'],
  // Both cores: the slowest files (interrupted synths, the packed library) mostly wait on child processes.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
