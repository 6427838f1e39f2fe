import preset from '../../jest.preset.js';

/** Tests of the bench's pure parts and of the docs' figures and file references (tools/bench/test). */
export default { ...preset };
