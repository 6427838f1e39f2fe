/**
 * A problem found in an input file, with everything a person needs to fix it:
 * where (file:line:col and the field path), what was expected, what was found, and a hint.
 */
export interface Diagnostic {
  /** Workspace-relative file, e.g. `environments/prod-x86/environment.yaml`. */
  readonly file: string;
  /** 1-based line; 0 when the file as a whole is at fault. */
  readonly line: number;
  /** 1-based column; 0 when unknown. */
  readonly col: number;
  /** Dotted field path, e.g. `spec.topology.shards`; empty for the whole document. */
  readonly path: string;
  /** What is wrong, e.g. `must be >= 3 (got 2)`. */
  readonly message: string;
  /** How to fix it, e.g. `Redis Cluster needs at least 3 masters`. */
  readonly hint?: string;
}

/** One line: `file:line:col path: message — hint`. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const path = d.path ? ` ${d.path}:` : '';
  const hint = d.hint ? ` — ${d.hint}` : '';
  return `${where}${path} ${d.message}${hint}`;
}

/** Orders diagnostics by file, then position, so reports are stable. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path));
}

/** Thrown by parsers when input cannot be used; carries every diagnostic found, not only the first. */
export class InputError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(sortDiagnostics(diagnostics).map(formatDiagnostic).join('\n'));
    this.name = 'InputError';
    this.diagnostics = sortDiagnostics(diagnostics);
  }
}
