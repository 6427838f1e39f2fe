import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The Redis binaries the testkit runs. They come from Debian packages, never from mocks. */
export type RedisBinary = 'redis-server' | 'redis-cli' | 'redis-sentinel';

const SETUP_HINT = 'run `bash tools/setup.sh` (or `npm run setup`) from the repository root: it installs the Debian packages redis-server, redis-sentinel and redis-tools';

/** Directories searched for binaries: PATH, then the Debian locations (jest may run with a thin PATH). */
function searchDirs(): string[] {
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...new Set([...fromPath, '/usr/bin', '/usr/local/bin', '/bin'])];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of a Redis binary. Throws a message that names the binary, where it was
 * looked for and tools/setup.sh when it is missing: behaviour tests must fail loudly, never skip.
 */
export function redisBinary(name: RedisBinary): string {
  const dirs = searchDirs();
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  throw new Error(`redis-testkit: ${name} is not installed (looked in ${dirs.join(', ')}); ${SETUP_HINT}`);
}

/** Checks every binary at once and reports all that are missing in one error. */
export function requireRedisBinaries(names: readonly RedisBinary[] = ['redis-server', 'redis-cli']): Record<RedisBinary, string> {
  const found: Partial<Record<RedisBinary, string>> = {};
  const missing: string[] = [];
  for (const name of names) {
    try {
      found[name] = redisBinary(name);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new Error(`redis-testkit: missing ${missing.join(', ')} (looked in ${searchDirs().join(', ')}); ${SETUP_HINT}`);
  }
  return found as Record<RedisBinary, string>;
}
