/**
 * The CLI's cache folder: node_modules/.cache/redis-gitops (where build tools keep caches), beside
 * the node_modules the CLI's dependencies are installed in. What is kept there is derived and keyed
 * by its inputs (compiled JSON-schema validators, helm's version per binary), so deleting the folder
 * only costs the next run the work it saves.
 *
 * REDIS_GITOPS_CACHE=off turns it off; REDIS_GITOPS_CACHE=<dir> puts it elsewhere.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const setting = env.REDIS_GITOPS_CACHE;
  if (setting === 'off') return undefined;
  if (setting) return path.resolve(setting);
  let dir = path.dirname(require.resolve('ajv'));
  while (path.basename(dir) !== 'node_modules') {
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return path.join(dir, '.cache', 'redis-gitops');
}

/**
 * Writes one cache entry whole (a temporary file beside it, then a rename), so a concurrent run
 * never reads half of it. A failure is ignored: an entry that cannot be written only costs the
 * next run the work it would have saved.
 */
export function writeCacheEntry(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}
