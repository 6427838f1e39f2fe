import preset from '../../../jest.preset.js';

/** The library chart's tests: its named templates rendered through a probe chart with the real helm, and the links that share it. */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'] };
