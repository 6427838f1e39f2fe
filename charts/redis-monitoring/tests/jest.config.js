import preset from '../../../jest.preset.js';

/** Chart tests: render tests, promtool rule checks and unit tests, and the live metric check against real exporters. */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'] };
