/**
 * Writes a set of files so that a failed run changes nothing.
 *
 * 1. Stage: every new content goes to a temp file beside its target. A failure here removes the
 *    temp files; no target was touched.
 * 2. Commit: each existing target is hard-linked to a backup, then the temp file is renamed over
 *    it (rename is atomic per file). If any rename or delete fails, every target already replaced
 *    is restored from its backup (or removed, if it did not exist before).
 */
import { existsSync, linkSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface FileChange {
  /** Absolute path. */
  readonly file: string;
  /** New content, or null to delete the file. */
  readonly content: string | null;
}

function sibling(file: string, tag: string, i: number): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}-${process.pid}-${i}`);
}

export function writeFilesAtomically(changes: readonly FileChange[]): void {
  const staged: { tmp: string | null; file: string; backup: string | null }[] = [];
  try {
    changes.forEach((c, i) => {
      if (c.content === null) {
        staged.push({ tmp: null, file: c.file, backup: null });
        return;
      }
      mkdirSync(path.dirname(c.file), { recursive: true });
      const tmp = sibling(c.file, 'tmp', i);
      staged.push({ tmp, file: c.file, backup: null });
      writeFileSync(tmp, c.content);
    });
  } catch (err) {
    for (const s of staged) if (s.tmp) rmSync(s.tmp, { force: true });
    throw err;
  }
  const done: typeof staged = [];
  try {
    staged.forEach((s, i) => {
      if (existsSync(s.file)) {
        s.backup = sibling(s.file, 'bak', i);
        linkSync(s.file, s.backup);
      }
      done.push(s);
      if (s.tmp) renameSync(s.tmp, s.file);
      else rmSync(s.file, { force: true });
    });
  } catch (err) {
    for (const s of done.reverse()) {
      if (s.backup) renameSync(s.backup, s.file);
      else rmSync(s.file, { force: true });
    }
    for (const s of staged) if (s.tmp) rmSync(s.tmp, { force: true });
    throw err;
  }
  for (const s of staged) if (s.backup) rmSync(s.backup, { force: true });
}
