/**
 * Multi-document YAML with positions: a policy file holds a ValidatingAdmissionPolicy and its
 * bindings, and every problem in it (including one deep inside a CEL expression) is reported as
 * file:line:col. Parsed as YAML 1.1, like kubectl and Argo CD read it.
 */
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node, type Scalar } from 'yaml';
import type { Diagnostic } from '@redis-gitops/diagnostics';

export type PathSegment = string | number;

export interface Position {
  readonly line: number;
  readonly col: number;
}

export interface YamlDocument {
  /** 0-based index of the document in the file. */
  readonly index: number;
  readonly value: unknown;
  /** Position of the value at `path`, or of its nearest existing parent. */
  positionOf(path: readonly PathSegment[]): Position;
  /** Position of character `offset` of the string at `path` (a CEL expression), as exactly as the scalar style allows. */
  positionInString(path: readonly PathSegment[], offset: number): Position;
}

function child(node: Node | null | undefined, seg: PathSegment): Node | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
    return (pair?.value ?? undefined) as Node | undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg] as Node | undefined;
  return undefined;
}

/** Parses every document of `text`; syntax errors become diagnostics (and the file yields no documents). */
export function parseYamlDocuments(text: string, file: string): { documents: YamlDocument[]; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, version: '1.1', uniqueKeys: true, prettyErrors: false });
  const pos = (offset: number | undefined): Position => {
    const p = lineCounter.linePos(offset ?? 0);
    return { line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) {
      const p = pos(e.pos[0]);
      diagnostics.push({ file, line: p.line, col: p.col, path: '', message: `invalid YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` });
    }
  }
  if (diagnostics.length) return { documents: [], diagnostics };

  const documents: YamlDocument[] = [];
  docs.forEach((doc, index) => {
    if (doc.contents === null) return;
    const find = (path: readonly PathSegment[]): { node: Node; exact: boolean } => {
      let node = doc.contents as Node;
      for (const seg of path) {
        const next = child(node, seg);
        if (!next) return { node, exact: false };
        node = next;
      }
      return { node, exact: true };
    };
    documents.push({
      index,
      value: doc.toJS({ maxAliasCount: 100 }),
      positionOf: (path) => pos(find(path).node.range?.[0]),
      positionInString(path, offset) {
        const { node, exact } = find(path);
        const start = node.range?.[0] ?? 0;
        if (!exact || !isScalar(node)) return pos(start);
        return pos(offsetInSource(text, node, offset));
      },
    });
  });
  return { documents, diagnostics };
}

/** Source offset of value character `offset` in a scalar: exact for block literals and one-line scalars. */
function offsetInSource(text: string, node: Scalar, offset: number): number {
  const [start, valueEnd] = node.range ?? [0, 0];
  const raw = text.slice(start, valueEnd);
  const value = String(node.value);
  const before = value.slice(0, offset);
  const lineInValue = before.split('\n').length - 1;
  const colInLine = offset - (before.lastIndexOf('\n') + 1);
  if (node.type === 'BLOCK_LITERAL') {
    const lines = raw.split('\n');
    const content = lines.slice(1);
    const indent = Math.min(...content.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    let at = start + lines[0]!.length + 1;
    for (let i = 0; i < lineInValue && i < content.length; i++) at += content[i]!.length + 1;
    return at + (Number.isFinite(indent) ? indent : 0) + colInLine;
  }
  if (!raw.includes('\n')) {
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
    return start + (quoted ? 1 : 0) + offset;
  }
  return start;
}
