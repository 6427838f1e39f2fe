/**
 * Writes a set of files so that a failed run changes nothing: every new content goes to a temp file
 * first; only when all temp files are written are they renamed into place (rename is atomic per
 * file on POSIX). On any failure before the renames, the temp files are removed and the tree is as it was.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FileChange {
  /** Absolute path. */
  readonly file: string;
  /** New content, or null to delete the file. */
  readonly content: string | null;
}

export function writeFilesAtomically(changes: readonly FileChange[]): void {
  const staged: { tmp: string; file: string }[] = [];
  try {
    for (const c of changes) {
      if (c.content === null) continue;
      mkdirSync(path.dirname(c.file), { recursive: true });
      const tmp = path.join(path.dirname(c.file), `.${path.basename(c.file)}.tmp-${process.pid}-${staged.length}`);
      staged.push({ tmp, file: c.file });
      writeFileSync(tmp, c.content);
    }
  } catch (err) {
    for (const s of staged) rmSync(s.tmp, { force: true });
    throw err;
  }
  for (const s of staged) renameSync(s.tmp, s.file);
  for (const c of changes) if (c.content === null) rmSync(c.file, { force: true });
}
