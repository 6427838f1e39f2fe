import { Document, isMap, isScalar, LineCounter, parseAllDocuments, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import type { Finding } from './finding.ts';
import { readBlockYaml } from './read-block-yaml.ts';
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

interface ScalarTag {
  readonly default?: boolean | 'key';
  readonly test?: RegExp;
  resolve(value: string, onError: (message: string) => void, options: unknown): unknown;
}

let schema: { readonly tags: readonly ScalarTag[]; readonly options: unknown } | undefined;

/**
 * A plain scalar's value exactly as the `yaml` library reads it with YAML_OPTIONS: the first of its
 * own schema's tags whose test matches (as its composer does), else a string. The fast reader
 * gives up on anything else (an error or a non-primitive value).
 */
function resolvePlainScalar(text: string, atKey: boolean): unknown {
  if (!schema) {
    const doc = new Document(null, YAML_OPTIONS);
    schema = { tags: (doc.schema as unknown as { tags: ScalarTag[] }).tags, options: doc.options };
  }
  const tag = schema.tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(text));
  if (!tag) return text;
  let failed = false;
  const resolved = tag.resolve(text, () => (failed = true), schema.options);
  const value = isScalar(resolved) ? resolved.value : resolved;
  if (failed || (value !== null && typeof value === 'object')) throw new Error(`cannot read plain scalar ${JSON.stringify(text)}`);
  return typeof value === 'bigint' ? Number(value) : value;
}

/** Turns one document's value into an object, or a problem when it lacks its identity. */
function collect(
  value: Record<string, unknown>,
  where: Pick<Finding, 'environment' | 'chart' | 'source'>,
  line: number,
  origin: RenderOrigin,
  out: { objects: RenderedObject[]; problems: Finding[] },
): void {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const { apiVersion, kind } = value;
  const { name, namespace } = metadata;
  const missing = [
    typeof apiVersion === 'string' && apiVersion ? undefined : 'apiVersion',
    typeof kind === 'string' && kind ? undefined : 'kind',
    typeof name === 'string' && name ? undefined : 'metadata.name',
  ].filter((m) => m !== undefined);
  if (missing.length > 0) {
    out.problems.push({
      severity: 'error',
      code: 'missing-identity',
      message: `object has no ${missing.join(', ')}`,
      hint: 'every rendered object needs apiVersion, kind and metadata.name; GitOps diffs and prunes objects by name',
      ...where,
      line,
      ...(typeof kind === 'string' ? { kind } : {}),
      ...(typeof name === 'string' ? { name } : {}),
    });
    return;
  }
  out.objects.push({
    apiVersion: apiVersion as string,
    kind: kind as string,
    name: name as string,
    namespace: typeof namespace === 'string' ? namespace : undefined,
    source: where.source,
    line,
    ...(origin.environment !== undefined ? { environment: origin.environment } : {}),
    ...(origin.chart !== undefined ? { chart: origin.chart } : {}),
    object: value,
  });
}

/**
 * Splits `helm template` output into objects, each tagged with its template (`# Source:`) and line.
 * Empty documents are skipped. Syntax errors, documents that are not mappings, and objects without
 * apiVersion, kind or metadata.name are returned as problems, never thrown.
 *
 * Plain block-style output (what helm prints) goes through the fast reader; a stream it does not
 * take (or with a syntax error) is read by the `yaml` library, with the same results.
 */
export function parseManifests(text: string, origin: RenderOrigin = {}): { objects: RenderedObject[]; problems: Finding[] } {
  const { objects, problems } = parseManifestsWith(text, origin, 'auto');
  return { objects, problems };
}

/** What parseManifests returns, plus which reader produced it. */
export interface ParsedManifests {
  readonly objects: RenderedObject[];
  readonly problems: Finding[];
  /** `fast`: the block-YAML reader took the whole stream; `yaml`: the `yaml` library read it. */
  readonly reader: 'fast' | 'yaml';
}

/**
 * parseManifests with the reader chosen: `auto` (the fast reader, falling back to the `yaml`
 * library), or `yaml` (always the library). The differential tests compare the two; validate uses auto.
 */
export function parseManifestsWith(text: string, origin: RenderOrigin, reader: 'auto' | 'yaml'): ParsedManifests {
  const out = { objects: [] as RenderedObject[], problems: [] as Finding[] };
  const fast = reader === 'auto' ? readBlockYaml(text, resolvePlainScalar) : undefined;
  if (fast) {
    for (const doc of fast) collect(doc.value, { environment: origin.environment, chart: origin.chart, source: sourceOf(doc.header) }, doc.line, origin, out);
    return { ...out, reader: 'fast' };
  }
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter });
  const at = (offset: number): number => lineCounter.linePos(offset).line;

  for (const doc of documents) {
    const contents = doc.contents;
    const contentStart = contents?.range?.[0] ?? doc.range[1];
    const source = sourceOf(text.slice(doc.range[0], contentStart));
    const where = { environment: origin.environment, chart: origin.chart, source };

    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        out.problems.push({ severity: 'error', code: 'yaml-syntax', message: `YAML syntax error: ${firstLine(e.message)}`, ...where, line: e.linePos?.[0].line ?? at(e.pos[0]) });
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
      out.problems.push({ severity: 'error', code: 'yaml-syntax', message: `YAML error: ${(error as Error).message}`, ...where, line });
      continue;
    }
    if (value === null || value === undefined) continue;

    if (!isMap(contents) || !isRecord(value)) {
      out.problems.push({ severity: 'error', code: 'not-an-object', message: 'document is not a mapping, so it cannot be a Kubernetes object', ...where, line });
      continue;
    }
    collect(value, where, line, origin, out);
  }
  return { ...out, reader: 'yaml' };
}
