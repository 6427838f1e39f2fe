/**
 * YAML parsing that keeps source positions, so every later error can point at file:line:col.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type Node, type YAMLError } from 'yaml';
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
  /**
   * Position of character `offset` of the string scalar at `path`: exact for a plain or quoted
   * scalar on one line without escapes before `offset`; the scalar's own position otherwise.
   */
  positionInString(path: readonly PathSegment[], offset: number): Position;
  /** The text of the scalar at `path` as written (`7.40` for a value YAML reads as 7.4); undefined for anything else. */
  sourceTextOf(path: readonly PathSegment[]): string | undefined;
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

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The key whose text starts at `offset`, with the field path of its mapping and the earlier pair with the same key. */
function findDuplicateKey(node: unknown, offset: number, at: PathSegment[]): { path: PathSegment[]; key: string; first: Node } | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (key?.range?.[0] === offset) {
        const name = keyText(key);
        const first = node.items.find((p) => p !== pair && keyText(p.key) === name)?.key as Node | undefined;
        return first ? { path: [...at, name], key: name, first } : undefined;
      }
      const found = findDuplicateKey(pair.value, offset, [...at, keyText(key)]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const found = findDuplicateKey(item, offset, [...at, i]);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The parser errors worth reporting. After a syntax error the parser goes on from a guess of the
 * structure, and every wrong guess is another error: one tab used as indentation gives 6-11 of
 * them, all pointing at lines that are fine. So:
 * - a tab in the indentation is the root cause of whatever errors surround it: when there is one,
 *   report only the tab errors (one per line that has one) and nothing else;
 * - otherwise report only the first syntax error (by position); the rest are most likely its echoes;
 * - duplicate keys do not derail the parser (both pairs are parsed), so each one is reported, as
 *   long as it comes before the first syntax error (after it, the structure is a guess).
 * Fixing what is reported and running again shows anything that was hidden.
 */
export function rootCauseErrors(errors: readonly YAMLError[]): YAMLError[] {
  const byPosition = [...errors].sort((a, b) => a.pos[0] - b.pos[0]);
  const tabs = byPosition.filter((e) => e.code === 'TAB_AS_INDENT');
  if (tabs.length) return tabs;
  const firstSyntax = byPosition.find((e) => e.code !== 'DUPLICATE_KEY');
  const duplicates = byPosition.filter((e) => e.code === 'DUPLICATE_KEY' && (!firstSyntax || e.pos[0] < firstSyntax.pos[0]));
  return firstSyntax ? [...duplicates, firstSyntax] : duplicates;
}

/**
 * Parses YAML text. Syntax errors (and a document that is not a mapping) become diagnostics
 * with positions; `value` is undefined then. Only root causes are reported (see rootCauseErrors).
 */
export function parseYamlSource(text: string, file: string): { source?: YamlSource; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  const pos = (offset: number | undefined): Position => {
    if (offset === undefined) return { line: 1, col: 1 };
    const p = lineCounter.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const diagnostics: Diagnostic[] = rootCauseErrors(doc.errors).map((e) => {
    const p = pos(e.pos[0]);
    const at = { file, line: p.line, col: p.col };
    if (e.code === 'TAB_AS_INDENT') {
      return {
        ...at,
        path: '',
        message: 'a tab indents this line: YAML indents with spaces only',
        hint: `replace the tab(s) at the start of line ${p.line} with spaces, as many as the lines around it use`,
      };
    }
    if (e.code === 'DUPLICATE_KEY') {
      const dup = findDuplicateKey(doc.contents, e.pos[0], []);
      if (dup) {
        return {
          ...at,
          path: formatPath(dup.path),
          message: `duplicate key "${dup.key}" (also on line ${pos(dup.first.range?.[0]).line})`,
          hint: 'a key may appear once per mapping: keep one of the two',
        };
      }
    }
    const first = e.message.split('\n')[0] ?? e.message;
    return {
      ...at,
      path: '',
      message: `invalid YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`,
      hint: e.code === 'DUPLICATE_KEY' ? 'a key may appear once per mapping' : 'check indentation, quotes and colons near this position',
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
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // An alias to an anchor that does not exist, or too many aliases (a "billion laughs" file).
    let unresolved: Alias | undefined;
    visit(doc, {
      Alias(_, alias) {
        if (alias.resolve(doc) === undefined) {
          unresolved = alias;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    const p = pos(unresolved?.range?.[0]);
    const message = unresolved ? `invalid YAML: alias *${unresolved.source} refers to no anchor &${unresolved.source} before it` : `invalid YAML: ${(e as Error).message}`;
    return { diagnostics: [{ file, ...p, path: '', message, hint: 'define the anchor (&name) before the alias (*name) that uses it, or write the value out' }] };
  }
  const source: YamlSource = {
    file,
    value,
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
    positionInString(path, offset) {
      const r = walk(path);
      const node = r.value ?? r.key ?? r.parent;
      const start = pos(node.range?.[0]);
      if (!isScalar(node) || typeof node.source !== 'string') return start;
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      const written = text.slice(node.range![0], node.range![1]);
      const inner = quoted ? written.slice(1, 1 + offset) : written.slice(0, offset);
      const plainLine = (node.type === 'PLAIN' || quoted) && !written.includes('\n');
      if (!plainLine || inner !== node.source.slice(0, offset)) return start;
      return { line: start.line, col: start.col + offset + (quoted ? 1 : 0) };
    },
    sourceTextOf(path) {
      const r = walk(path);
      return isScalar(r.value) ? r.value.source : undefined;
    },
  };
  return { source, diagnostics };
}

/** `['spec', 'topology', 'slots', 1]` -> `spec.topology.slots[1]`. */
export function formatPath(path: readonly PathSegment[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
