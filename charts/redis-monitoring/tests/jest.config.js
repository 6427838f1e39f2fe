import preset from '../../../jest.preset.js';

/**
 * Chart tests: render tests, promtool rule checks and unit tests, the live metric check against real
 * exporters, and the end-to-end files (e2e/: real Redis, exporters and Prometheus). The e2e files
 * spend their time waiting (scrape and evaluation intervals, the alerts' `for`, failover timers),
 * not on CPU, and each owns its own loopback /24: run them side by side even on a 2-core machine,
 * so the suite takes about as long as its longest file.
 */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'], maxWorkers: 4 };
