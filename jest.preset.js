/** Shared jest settings: ESM (kubernetes-models is ESM only) with swc, tests in test/. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Tests run the CLI in-process or as one-off processes: no background CLI server (src/io/server.ts)
// outlives them. packages/cli/test/server.test.ts turns it on for its own processes.
process.env.REDIS_GITOPS_SERVER = 'off';

export default {
  reporters: ['default', path.join(here, 'tools', 'jest-results-reporter.js')],
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  testTimeout: 60000,
};
