import preset from '../../../jest.preset.js';

/**
 * Chart tests: render tests (*.test.ts here) and behaviour tests on real Redis (behaviour/).
 * The behaviour files spend their time waiting for Sentinel timers (down-after-milliseconds,
 * the 10 s INFO period), not on CPU, and each owns its own loopback /24: run them side by side
 * even on a 2-core machine, so the suite takes as long as its longest file.
 */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'], maxWorkers: 4 };
