import { isMap, LineCounter, parseAllDocuments, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import type { Finding } from './finding.ts';
import type { RenderedObject } from './rendered-object.ts';

/** Where a rendered stream comes from; copied onto every object and finding. */
export interface RenderOrigin {
  readonly environment?: string;
  readonly chart?: string;
}

/**
 * Kubernetes reads YAML with go-yaml v2 (YAML 1.1): unquoted `yes`, `no`, `on`, `off` are booleans and
 * `0755` is octal, so a label `enabled: yes` is rejected by the API server. Parse the same way so the
 * schema check sees what the cluster will see. Two 1.1 rules go-yaml does not apply are switched off:
 * base-60 numbers (`12:30`) and timestamps (sigs.k8s.io/yaml turns them back into strings).
 */
const YAML_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags) => tags.filter((t) => !(typeof t === 'object' && (t.format === 'TIME' || t.tag === 'tag:yaml.org,2002:timestamp'))),
};

const SOURCE_COMMENT = /^# Source: (.+?)\s*$/gm;

/** The last `# Source:` comment between a document's start and its content (helm writes one per document). */
function sourceOf(header: string): string | undefined {
  let source: string | undefined;
  for (const m of header.matchAll(SOURCE_COMMENT)) source = m[1];
  return source;
}

/** `Map keys must be unique at line 3, column 1:\n\n<excerpt>` → `Map keys must be unique`. */
const firstLine = (message: string): string => message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Splits `helm template` output into objects, each tagged with its template (`# Source:`) and line.
 * Empty documents are skipped. Syntax errors, documents that are not mappings, and objects without
 * apiVersion, kind or metadata.name are returned as problems, never thrown.
 */
export function parseManifests(text: string, origin: RenderOrigin = {}): { objects: RenderedObject[]; problems: Finding[] } {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  const objects: RenderedObject[] = [];
  const problems: Finding[] = [];
  const at = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of documents) {
    const contents = doc.contents;
    const contentStart = contents?.range?.[0] ?? doc.range[1];
    const source = sourceOf(text.slice(doc.range[0], contentStart));
    const where = { environment: origin.environment, chart: origin.chart, source };

    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        problems.push({ severity: 'error', code: 'yaml-syntax', message: `YAML syntax error: ${firstLine(e.message)}`, ...where, line: e.linePos?.[0].line ?? at(e.pos[0]) });
      }
      continue;
    }
    if (contents === null || contents === undefined) continue;
    const line = at(contentStart);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // e.g. "Excessive alias count": a billion-laughs style document.
      problems.push({ severity: 'error', code: 'yaml-syntax', message: `YAML error: ${(error as Error).message}`, ...where, line });
      continue;
    }
    if (value === null || value === undefined) continue;

    if (!isMap(contents) || !isRecord(value)) {
      problems.push({ severity: 'error', code: 'not-an-object', message: 'document is not a mapping, so it cannot be a Kubernetes object', ...where, line });
      continue;
    }
    const metadata = isRecord(value.metadata) ? value.metadata : {};
    const { apiVersion, kind } = value;
    const { name, namespace } = metadata;
    const missing = [
      typeof apiVersion === 'string' && apiVersion ? undefined : 'apiVersion',
      typeof kind === 'string' && kind ? undefined : 'kind',
      typeof name === 'string' && name ? undefined : 'metadata.name',
    ].filter((m) => m !== undefined);
    if (missing.length > 0) {
      problems.push({
        severity: 'error',
        code: 'missing-identity',
        message: `object has no ${missing.join(', ')}`,
        hint: 'every rendered object needs apiVersion, kind and metadata.name; GitOps diffs and prunes objects by name',
        ...where,
        line,
        ...(typeof kind === 'string' ? { kind } : {}),
        ...(typeof name === 'string' ? { name } : {}),
      });
      continue;
    }
    objects.push({
      apiVersion: apiVersion as string,
      kind: kind as string,
      name: name as string,
      namespace: typeof namespace === 'string' ? namespace : undefined,
      source,
      line,
      ...(origin.environment !== undefined ? { environment: origin.environment } : {}),
      ...(origin.chart !== undefined ? { chart: origin.chart } : {}),
      object: value,
    });
  }
  return { objects, problems };
}
