/**
 * Finds and loads the workspace: clusters.yaml, every environment spec, and chart schemas.
 * Collects every input problem (across all files) before failing.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkUniqueNames, parseClusters, parseEnvironment, parseYamlSource, type ClusterList, type ParsedEnvironment } from '@redis-gitops/spec';
import { closestMatch, InputError, type Diagnostic } from '@redis-gitops/diagnostics';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Workspace {
  readonly root: string;
  readonly clusters: ClusterList;
  /** The selected environments. */
  readonly environments: readonly ParsedEnvironment[];
  /** Every environment (workspace-wide artifacts such as the Argo CD projects depend on all of them). */
  readonly all: readonly ParsedEnvironment[];
}

/** The workspace root: `REDIS_GITOPS_ROOT`, else the nearest folder at or above `from` with environments/clusters.yaml. */
export function findRoot(from: string = process.cwd()): string {
  if (process.env.REDIS_GITOPS_ROOT) return path.resolve(process.env.REDIS_GITOPS_ROOT);
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'environments', 'clusters.yaml'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new UsageError(`no environments/clusters.yaml found in ${from} or any parent folder; run redis-gitops inside the repository`);
    dir = up;
  }
}

/** Reads a file as UTF-8, turning any failure into a Diagnostic. */
export function readInput(root: string, rel: string): { text?: string; diagnostic?: Diagnostic } {
  try {
    return { text: readFileSync(path.join(root, rel), 'utf8') };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOENT: 'file does not exist (or is a broken link)',
      EACCES: 'permission denied',
      EISDIR: 'is a directory, expected a file',
    };
    return { diagnostic: { file: rel, line: 0, col: 0, path: '', message: `cannot read: ${why[err.code ?? ''] ?? err.message}`, hint: 'make it a readable YAML file' } };
  }
}

/** Folder names under environments/ that hold an environment.yaml. */
export function listEnvironments(root: string): string[] {
  const dir = path.join(root, 'environments');
  return readdirSync(dir)
    .filter((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() && exists(path.join(p, 'environment.yaml'));
    })
    .sort();
}

/** True for files, folders and broken links alike (a broken link is reported as unreadable, not ignored). */
function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Loads clusters.yaml and the selected environments (all when `only` is empty). Throws InputError or UsageError. */
export function loadWorkspace(root: string, only: readonly string[] = []): Workspace {
  const all = listEnvironments(root);
  for (const name of only) {
    if (!all.includes(name)) {
      const guess = closestMatch(name, all);
      throw new UsageError(`unknown environment "${name}"${guess ? ` — did you mean "${guess}"?` : ''} (known: ${all.join(', ') || 'none'})`);
    }
  }
  const diagnostics: Diagnostic[] = [];
  const clustersFile = 'environments/clusters.yaml';
  const c = readInput(root, clustersFile);
  if (c.diagnostic) throw new InputError([c.diagnostic]);
  const clusters = parseClusters(c.text!, clustersFile);
  const environments: ParsedEnvironment[] = [];
  const everything: ParsedEnvironment[] = [];
  const names: { name: string; file: string; line: number; col: number }[] = [];
  // Parse every environment (not only the selected ones) so duplicate names are always caught,
  // but report only problems in the selected ones plus duplicates.
  const selected = new Set(only.length ? only : all);
  for (const name of all) {
    const file = `environments/${name}/environment.yaml`;
    const r = readInput(root, file);
    if (r.diagnostic) {
      if (selected.has(name)) diagnostics.push(r.diagnostic);
      continue;
    }
    try {
      const parsed = parseEnvironment(r.text!, file, clusters);
      names.push({ name: parsed.spec.metadata.name, file, ...parsed.source.positionOf(['metadata', 'name']) });
      everything.push(parsed);
      if (selected.has(name)) environments.push(parsed);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (selected.has(name)) diagnostics.push(...e.diagnostics);
      // Still take part in the duplicate-name check when the name itself is readable.
      const { source } = parseYamlSource(r.text!, file);
      const declared = (source?.value as { metadata?: { name?: unknown } } | undefined)?.metadata?.name;
      if (source && typeof declared === 'string') names.push({ name: declared, file, ...source.positionOf(['metadata', 'name']) });
    }
  }
  diagnostics.push(...checkUniqueNames(names));
  if (diagnostics.length) throw new InputError(diagnostics);
  return { root, clusters, environments, all: everything };
}
