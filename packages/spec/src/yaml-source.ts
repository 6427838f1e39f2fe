/**
 * YAML parsing that keeps source positions, so every later error can point at file:line:col.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Diagnostic } from '@redis-gitops/diagnostics';

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly col: number;
}

/** A parsed YAML document and a way to find where any field path sits in the text. */
export interface YamlSource {
  readonly file: string;
  readonly value: unknown;
  /** Position of the value at `path`; for a missing field, the position of its nearest existing parent. */
  positionOf(path: readonly PathSegment[]): Position;
  /** Position of the key at `path` (the field name itself), falling back to its value's position. */
  keyPositionOf(path: readonly PathSegment[]): Position;
}

function childOf(node: Node | null | undefined, seg: PathSegment): { key?: Node; value?: Node } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
    return pair ? { key: pair.key as Node, value: (pair.value ?? undefined) as Node | undefined } : undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg] as Node | undefined;
    return item ? { value: item } : undefined;
  }
  return undefined;
}

/**
 * Parses YAML text. Syntax errors (and a document that is not a mapping) become diagnostics
 * with positions; `value` is undefined then.
 */
export function parseYamlSource(text: string, file: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const pos = (offset: number | undefined): Position => {
    if (offset === undefined) return { line: 1, col: 1 };
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = doc.errors.map((e) => {
    const p = pos(e.pos[0]);
    const first = e.message.split('\n')[0] ?? e.message;
    return {
      file,
      line: p.line,
      col: p.col,
      path: '',
      message: `invalid YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
      hint: e.code === 'DUPLICATE_KEY' ? 'each key may appear once per mapping' : 'check indentation, quotes and colons near this position',
    };
  });
  if (diagnostics.length) return { diagnostics };
  if (!isMap(doc.contents)) {
    return {
      diagnostics: [{ file, line: 1, col: 1, path: '', message: 'expected a YAML mapping at the top level', hint: 'start the file with `apiVersion:`, `kind:` and so on' }],
    };
  }
  const walk = (path: readonly PathSegment[]): { key?: Node; value?: Node; parent: Node } => {
    let node: Node = doc.contents as Node;
    let key: Node | undefined;
    for (const seg of path) {
      const next = childOf(node, seg);
      if (!next) return { parent: node, key };
      key = next.key;
      if (!next.value) return { parent: node, key };
      node = next.value;
    }
    return { value: node, key, parent: node };
  };
  const source: YamlSource = {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    positionOf(path) {
      const r = walk(path);
      const node = r.value ?? r.key ?? r.parent;
      return pos(node.range?.[0]);
    },
    keyPositionOf(path) {
      const r = walk(path);
      const node = r.key ?? r.value ?? r.parent;
      return pos(node.range?.[0]);
    },
  };
  return { source, diagnostics };
}

/** `['spec', 'topology', 'slots', 1]` -> `spec.topology.slots[1]`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
