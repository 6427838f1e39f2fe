import preset from '../../../jest.preset.js';

/**
 * Chart tests: render tests (*.test.ts here) and behaviour tests on real Redis (behaviour/).
 * Two workers: the behaviour files mostly wait (cluster-node-timeout, replication, probes), so two
 * at a time roughly halve the wall time on a 2-core machine; each sandbox has its own loopback /24.
 */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'], maxWorkers: 2 };
