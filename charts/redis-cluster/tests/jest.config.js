import preset from '../../../jest.preset.js';

/** Chart tests: render tests (*.test.ts here) and behaviour tests on real Redis (behaviour/). */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'] };
