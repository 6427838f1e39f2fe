/**
 * Finds and loads the workspace: clusters.yaml, every environment spec, and chart schemas.
 * Collects every input problem (across all files) before failing.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkUniqueNames, decodeSpecBytes, parseClusters, parseEnvironment, parseYamlSource, type ClusterList, type ParsedEnvironment } from '@redis-gitops/spec';
import { closestMatch, InputError, type Diagnostic } from '@redis-gitops/diagnostics';

import { UsageError } from './usage-error.ts';

export { UsageError };

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

/**
 * Reads a spec file as strict UTF-8 (a BOM dropped, CRLF read as LF: decodeSpecBytes), turning any
 * failure, bytes that are not UTF-8 included, into a Diagnostic.
 */
export function readInput(root: string, rel: string): { text?: string; diagnostic?: Diagnostic } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path.join(root, rel));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOENT: 'file does not exist (or is a broken link)',
      EACCES: 'permission denied',
      EISDIR: 'is a directory, expected a file',
    };
    return { diagnostic: { file: rel, line: 0, col: 0, path: '', message: `cannot read: ${why[err.code ?? ''] ?? err.message}`, hint: 'make it a readable YAML file' } };
  }
  const decoded = decodeSpecBytes(bytes, rel);
  return decoded.text === undefined ? { diagnostic: decoded.diagnostics[0] } : { text: decoded.text };
}

const SPEC_FILE = 'environment.yaml';

/** Folder names under environments/ that hold an environment.yaml. */
export function listEnvironments(root: string): string[] {
  const dir = path.join(root, 'environments');
  return readdirSync(dir)
    .filter((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() && exists(path.join(p, SPEC_FILE));
    })
    .sort();
}

/**
 * Files in environments/<name>/ that look like the spec but are not read: `environment.yml`, or
 * `Environment.yaml` and other case variants. Only `environment.yaml` is read, so such a file is an
 * environment that silently does not exist, or (beside environment.yaml) edits that silently do
 * nothing. Both are errors.
 */
export function misnamedSpecFiles(root: string): { name: string; diagnostic: Diagnostic }[] {
  const dir = path.join(root, 'environments');
  const out: { name: string; diagnostic: Diagnostic }[] = [];
  for (const name of readdirSync(dir).sort()) {
    const folder = path.join(dir, name);
    if (!statSync(folder).isDirectory()) continue;
    let files: string[];
    try {
      files = readdirSync(folder);
    } catch {
      continue; // an unreadable folder is reported when its environment.yaml is read
    }
    const hasSpec = files.includes(SPEC_FILE);
    for (const f of files.filter((x) => x !== SPEC_FILE && /^environment\.ya?ml$/i.test(x)).sort()) {
      const file = `environments/${name}/${f}`;
      out.push({
        name,
        diagnostic: hasSpec
          ? {
              file,
              line: 0,
              col: 0,
              path: '',
              message: `is not read: environments/${name}/${SPEC_FILE} is, and changes made here do nothing`,
              hint: `move what you need into ${SPEC_FILE} and delete ${f}`,
            }
          : {
              file,
              line: 0,
              col: 0,
              path: '',
              message: `is not read: only ${SPEC_FILE} is, so environments/${name}/ has no environment`,
              hint: `rename it to ${SPEC_FILE}`,
            },
      });
    }
  }
  return out;
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

/**
 * Parsed specs of the last load, keyed by file and by the exact texts parsing depends on (the spec
 * and clusters.yaml): a long-lived process (the CLI server) parses again only the files that
 * changed. Parsing is pure, so a hit is what a fresh parse would return; failures are not kept.
 */
let parsedBefore = new Map<string, { text: string; clusters: string; parsed: ParsedEnvironment }>();

/** Loads clusters.yaml and the selected environments (all when `only` is empty). Throws InputError or UsageError. */
export function loadWorkspace(root: string, only: readonly string[] = []): Workspace {
  const all = listEnvironments(root);
  const misnamed = misnamedSpecFiles(root);
  for (const name of only) {
    if (!all.includes(name) && !misnamed.some((m) => m.name === name)) {
      const guess = closestMatch(name, all);
      throw new UsageError(`unknown environment "${name}"${guess ? ` — did you mean "${guess}"?` : ''} (known: ${all.join(', ') || 'none'})`);
    }
  }
  const diagnostics: Diagnostic[] = misnamed.filter((m) => !only.length || only.includes(m.name)).map((m) => m.diagnostic);
  const clustersFile = 'environments/clusters.yaml';
  const c = readInput(root, clustersFile);
  if (c.diagnostic) throw new InputError([...diagnostics, c.diagnostic]);
  let clusters: ClusterList;
  try {
    clusters = parseClusters(c.text!, clustersFile);
  } catch (e) {
    throw e instanceof InputError ? new InputError([...diagnostics, ...e.diagnostics]) : e;
  }
  const environments: ParsedEnvironment[] = [];
  const everything: ParsedEnvironment[] = [];
  const names: { name: string; file: string; line: number; col: number }[] = [];
  // Parse every environment (not only the selected ones) so duplicate names are always caught,
  // but report only problems in the selected ones plus duplicates.
  const selected = new Set(only.length ? only : all);
  const parsedNow = new Map<string, { text: string; clusters: string; parsed: ParsedEnvironment }>();
  for (const name of all) {
    const file = `environments/${name}/environment.yaml`;
    const r = readInput(root, file);
    if (r.diagnostic) {
      if (selected.has(name)) diagnostics.push(r.diagnostic);
      continue;
    }
    try {
      const key = path.join(root, file);
      const before = parsedBefore.get(key);
      const parsed = before && before.text === r.text && before.clusters === c.text ? before.parsed : parseEnvironment(r.text!, file, clusters);
      parsedNow.set(key, { text: r.text!, clusters: c.text!, parsed });
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
  parsedBefore = parsedNow;
  diagnostics.push(...checkUniqueNames(names));
  if (diagnostics.length) throw new InputError(diagnostics);
  return { root, clusters, environments, all: everything };
}
