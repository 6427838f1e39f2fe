/**
 * Prints the pinned helm version and checksum. Nx uses it as a runtime cache input, so every cached
 * render, lint and test is keyed on the helm binary that produced it.
 */
import { HELM_PIN } from './toolchain.ts';

console.log(`${HELM_PIN.version} ${HELM_PIN.sha256}`);
