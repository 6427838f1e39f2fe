/**
 * Check (d): nothing left on the volume. Scripts write temp files next to their targets
 * (`mktemp nodes.conf.XXXXXX`, `*.tmp`) and must remove them on every exit path.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** A temp-file name: a mktemp-style `.XXXXXX` suffix or `.tmp` anywhere in the name. */
export const TEMP_FILE_PATTERN = /\.[A-Za-z0-9]{6}$|\.tmp/;

export function isTempFileName(name: string): boolean {
  return TEMP_FILE_PATTERN.test(name);
}

/** Every temp file (recursively) under the given data dirs, as paths. */
export function findTempFiles(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        continue;
      }
      if (isTempFileName(n)) out.push(p);
      if (isDir) walk(p);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}
