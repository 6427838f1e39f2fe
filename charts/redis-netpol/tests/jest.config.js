import preset from '../../../jest.preset.js';

/** Chart tests: render and policy tests with the real helm, the NetworkPolicy evaluator's unit tests (lib/) and the reachability proof. */
export default { ...preset, rootDir: '.', testMatch: ['<rootDir>/**/*.test.ts'] };
