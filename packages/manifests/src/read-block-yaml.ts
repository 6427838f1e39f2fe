/**
 * A fast reader for the plain block-style YAML that `helm template` prints, four to five times
 * faster than the `yaml` library's document model, which was the validate pipeline's hot spot.
 * `node tools/bench/yaml-readers.ts` prints the CPU of this reader, the `yaml` library and js-yaml
 * at N=200 environments. js-yaml (with its YAML 1.1 schema) comes within 10% of it, but accepts
 * malformed streams the `yaml` library rejects, so a js-yaml fast path failed the differential fuzz
 * where this reader passes (docs/benchmarks.md, "One-off experiments"): this reader stays.
 * packages/cli/test/yaml-reader-differential.test.ts holds it equal to the `yaml` library on every
 * chart scenario, every example environment and a seeded mutation fuzz.
 *
 * It reads only a strict subset: block mappings at column 0 and below, block sequences, single-line
 * plain and quoted scalars, literal block scalars (`|`, `|-`), and single-line flow sequences and
 * mappings of scalars (`[a, b]`, `{cpu: 10m}`). Plain scalars are resolved by the caller (with the
 * `yaml` library's own YAML 1.1 tags, so values are identical). On anything else (anchors, tags, folded or multi-line
 * scalars, duplicate keys, odd indentation, a syntax error) it returns undefined and the caller
 * reads the stream with the `yaml` library instead, which also reports the errors. So it never
 * decides what is valid YAML: it only accepts what it is sure about.
 */

/** One document with content: its header (the `---` line and comments before the content), first content line, and value. */
export interface BlockYamlDocument {
  readonly header: string;
  /** 1-based line of the document's first content line. */
  readonly line: number;
  readonly value: Record<string, unknown>;
}

/** Resolves a plain (unquoted) scalar to its value; `atKey` when it is a mapping key. Throws to give up. */
export type PlainScalarResolver = (text: string, atKey: boolean) => unknown;

/** Thrown to abandon the fast path; never escapes readBlockYaml. */
const UNSUPPORTED: unique symbol = Symbol('unsupported YAML construct');

const fail = (): never => {
  throw UNSUPPORTED;
};

/** Control characters, a byte-order mark, carriage returns or YAML 1.1's other line breaks anywhere: leave them to the full parser. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: the fast path refuses text that has them
const AWKWARD_TEXT = /[\u0000-\u0008\u000b\u000c\r\u000e-\u001f\u007f\u0085\u2028\u2029\ufeff]/;
/** A plain mapping key as Kubernetes objects use them (names, labels, annotations). */
const SIMPLE_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/;
const BLANK = /^ *$/;
const COMMENT = /^ *#/;
/** Characters that start something other than a plain scalar (anchors, tags, reserved, flow). */
const NOT_PLAIN_START = new Set(['&', '*', '!', '%', '@', '`', ',', ']', '}', '|', '>', '"', "'", '[', '{', '#']);
const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\x85',
  _: '\xa0',
  L: '\u2028',
  P: '\u2029',
};
const HEX_DIGITS: Record<string, number> = { x: 2, u: 4, U: 8 };

const indentOf = (line: string): number => {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
};

/** Trims spaces only (YAML whitespace here; String#trim would also drop e.g. U+00A0, which YAML keeps). */
const trimSpaces = (s: string): string => s.replace(/^ +| +$/g, '');

/** Index of a ` #` comment in `s` from `from`, or s.length. */
const commentAt = (s: string, from = 0): number => {
  const i = s.indexOf(' #', from);
  return i < 0 ? s.length : i;
};

/** Only spaces and an optional comment in `s` from `from`. */
const restIsEmpty = (s: string, from: number): boolean => {
  const rest = s.slice(from);
  return BLANK.test(rest) || /^ +#/.test(rest);
};

class Reader {
  readonly #lines: string[];
  readonly #end: number;
  readonly #resolve: PlainScalarResolver;
  #i: number;

  constructor(lines: string[], start: number, end: number, resolve: PlainScalarResolver) {
    this.#lines = lines;
    this.#i = start;
    this.#end = end;
    this.#resolve = resolve;
  }

  /** Skips blank and comment lines; returns the next content line, or undefined at the end. */
  #peek(): string | undefined {
    while (this.#i < this.#end) {
      const line = this.#lines[this.#i]!;
      if (!BLANK.test(line) && !COMMENT.test(line)) {
        if (line.includes('\t')) fail();
        return line;
      }
      this.#i++;
    }
    return undefined;
  }

  document(): Record<string, unknown> {
    const value = this.#map(0);
    if (this.#peek() !== undefined) fail();
    return value;
  }

  /** A block mapping whose keys sit at column `n`. */
  #map(n: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.#peek(); line !== undefined; line = this.#peek()) {
      const indent = indentOf(line);
      if (indent < n) break;
      if (indent > n) fail();
      const entry = this.#key(line, n) ?? fail();
      if (entry.key === '__proto__' || Object.hasOwn(out, entry.key)) fail();
      out[entry.key] = this.#value(line, entry.valueAt, n, true);
    }
    return out;
  }

  /** A block sequence whose dashes sit at column `n`. */
  #sequence(n: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.#peek(); line !== undefined; line = this.#peek()) {
      const indent = indentOf(line);
      if (indent < n || line[n] !== '-' || (line.length > n + 1 && line[n + 1] !== ' ')) {
        if (indent > n) fail();
        break; // The next key of the mapping this sequence is the value of.
      }
      const at = indentOf(line.slice(n + 1)) + n + 1;
      if (at >= line.length || line[at] === '#') {
        this.#i++;
        out.push(this.#nested(n, false));
        continue;
      }
      const rest = line.slice(at);
      if (rest === '-' || rest.startsWith('- ')) {
        this.#lines[this.#i] = ' '.repeat(at) + rest; // `- - x`: a sequence at column `at`.
        out.push(this.#sequence(at));
      } else if (this.#key(line, at)) {
        this.#lines[this.#i] = ' '.repeat(at) + rest; // `- key: v`: a mapping at column `at`.
        out.push(this.#map(at));
      } else {
        out.push(this.#value(line, at, n, false));
      }
    }
    return out;
  }

  /** The node on the lines after `key:` or `-` with nothing after it, or null. */
  #nested(parent: number, inMapping: boolean): unknown {
    const line = this.#peek();
    if (line === undefined) return null;
    const indent = indentOf(line);
    const dash = line[indent] === '-' && (line.length === indent + 1 || line[indent + 1] === ' ');
    if (indent > parent) return dash ? this.#sequence(indent) : this.#map(indent);
    // YAML lets a mapping's value be a sequence at the key's own column.
    if (indent === parent && inMapping && dash) return this.#sequence(indent);
    return null;
  }

  /** `key:` at column `at` of `line`: the key and where its value starts, or undefined when the line is no mapping entry. */
  #key(line: string, at: number): { key: string; valueAt: number } | undefined {
    const first = line[at];
    if (first === '"' || first === "'") {
      const [key, end] = first === '"' ? this.#doubleQuoted(line, at) : this.#singleQuoted(line, at);
      if (line[end] !== ':') return undefined;
      if (end + 1 < line.length && line[end + 1] !== ' ') fail();
      return { key, valueAt: end + 1 };
    }
    const colon = line.indexOf(':', at);
    const comment = commentAt(line, at);
    if (colon < 0 || colon > comment) return undefined;
    if (colon + 1 < line.length && line[colon + 1] !== ' ') {
      // `image: redis:7` has its first colon in the value; a `: ` later would be a key we do not read.
      return line.indexOf(': ', colon) >= 0 && line.indexOf(': ', colon) < comment ? fail() : undefined;
    }
    const key = line.slice(at, colon);
    if (!SIMPLE_KEY.test(key) || key.length > 1000 || this.#resolve(key, true) !== key) fail();
    return { key, valueAt: colon + 1 };
  }

  /** The value starting at column `at` of the current line; `parent` is the column of its mapping or sequence. */
  #value(line: string, at: number, parent: number, inMapping: boolean): unknown {
    while (line[at] === ' ') at++;
    if (at >= line.length || line[at] === '#') {
      this.#i++;
      return this.#nested(parent, inMapping);
    }
    const first = line[at]!;
    if (first === '|') return this.#literal(line, at, parent);
    let value: unknown;
    let end: number;
    if (first === '"') [value, end] = this.#doubleQuoted(line, at);
    else if (first === "'") [value, end] = this.#singleQuoted(line, at);
    else if (first === '[') [value, end] = this.#flowSequence(line, at);
    else if (first === '{') [value, end] = this.#flowMap(line, at);
    else {
      if (NOT_PLAIN_START.has(first) || ((first === '-' || first === '?' || first === ':') && (line[at + 1] === ' ' || at + 1 === line.length))) fail();
      end = commentAt(line, at);
      const text = trimSpaces(line.slice(at, end));
      if (text.includes(': ') || text.endsWith(':')) fail();
      value = this.#resolve(text, false);
    }
    if (!restIsEmpty(line, end)) fail();
    this.#i++;
    // A more indented line after a one-line value would continue a multi-line scalar (or be an error).
    const next = this.#peek();
    if (next !== undefined && indentOf(next) > parent) fail();
    return value;
  }

  /** A literal block scalar (`|` or `|-`) whose header is at column `at`; content must be indented past `parent`. */
  #literal(line: string, at: number, parent: number): string {
    const chomp = line[at + 1] === '-' ? '-' : '';
    if (!restIsEmpty(line, at + 1 + chomp.length)) fail(); // keep (+), indentation indicators, folded: not here.
    const lines = this.#lines;
    const start = ++this.#i;
    let indent = 0;
    let leadingBlank = 0;
    let last = -1;
    for (let j = start; j < this.#end; j++) {
      const l = lines[j]!;
      if (BLANK.test(l)) {
        if (indent === 0) leadingBlank = Math.max(leadingBlank, l.length);
        else if (l.length > indent) fail(); // Spaces beyond the indentation are content: leave that to the full parser.
        continue;
      }
      const n = indentOf(l);
      if (indent === 0) {
        if (n <= parent) break;
        if (leadingBlank > n) fail();
        indent = n;
      } else if (n < indent) break;
      last = j;
    }
    if (last < 0) fail(); // An empty block scalar.
    let text = '';
    for (let j = start; j <= last; j++) text += (j > start ? '\n' : '') + lines[j]!.slice(indent);
    this.#i = last + 1;
    return chomp === '-' ? text : `${text}\n`;
  }

  #doubleQuoted(line: string, at: number): [string, number] {
    let out = '';
    let j = at + 1;
    for (;;) {
      const quote = line.indexOf('"', j);
      const slash = line.indexOf('\\', j);
      if (quote < 0) fail(); // Multi-line: not here.
      if (slash < 0 || quote < slash) return [out + line.slice(j, quote), quote + 1];
      out += line.slice(j, slash);
      const c = line[slash + 1] ?? fail();
      const digits = HEX_DIGITS[c];
      if (digits) {
        const hex = line.slice(slash + 2, slash + 2 + digits);
        if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) fail();
        out += String.fromCodePoint(parseInt(hex, 16));
        j = slash + 2 + digits;
      } else {
        out += ESCAPES[c] ?? fail();
        j = slash + 2;
      }
    }
  }

  #singleQuoted(line: string, at: number): [string, number] {
    let out = '';
    let j = at + 1;
    for (;;) {
      const quote = line.indexOf("'", j);
      if (quote < 0) fail();
      out += line.slice(j, quote);
      if (line[quote + 1] !== "'") return [out, quote + 1];
      out += "'";
      j = quote + 2;
    }
  }

  /** A scalar in a flow collection at `j` (after spaces): quoted, or plain up to `,`, `]` or `}`. */
  #flowScalar(line: string, j: number): [unknown, number] {
    while (line[j] === ' ') j++;
    const c = line[j] ?? fail();
    if (c === '"') return this.#doubleQuoted(line, j);
    if (c === "'") return this.#singleQuoted(line, j);
    let end = j;
    while (end < line.length && line[end] !== ',' && line[end] !== ']' && line[end] !== '}') end++;
    const text = trimSpaces(line.slice(j, end));
    if (text === '' || /[:#[\]{}]/.test(text) || NOT_PLAIN_START.has(text[0]!) || /^[-?] /.test(text)) fail();
    return [this.#resolve(text, false), end];
  }

  /** After an entry of a flow collection: `,` (then more) or the closing bracket. True when closed. */
  #flowNext(line: string, end: number, close: string): [boolean, number] {
    while (line[end] === ' ') end++;
    if (line[end] === close) return [true, end + 1];
    if (line[end] !== ',') fail();
    return [false, end + 1];
  }

  /** `[a, "b", 'c']` on one line, scalars only. */
  #flowSequence(line: string, at: number): [unknown[], number] {
    const out: unknown[] = [];
    let j = at + 1;
    for (;;) {
      while (line[j] === ' ') j++;
      if (line[j] === ']') return [out, j + 1];
      const [value, end] = this.#flowScalar(line, j);
      out.push(value);
      const [closed, next] = this.#flowNext(line, end, ']');
      if (closed) return [out, next];
      j = next;
    }
  }

  /** `{cpu: 10m, "memory": 16Mi}` on one line, scalar values only. */
  #flowMap(line: string, at: number): [Record<string, unknown>, number] {
    const out: Record<string, unknown> = {};
    let j = at + 1;
    for (;;) {
      while (line[j] === ' ') j++;
      if (line[j] === '}') return [out, j + 1];
      let key: string;
      let colon: number;
      if (line[j] === '"' || line[j] === "'") [key, colon] = line[j] === '"' ? this.#doubleQuoted(line, j) : this.#singleQuoted(line, j);
      else {
        colon = line.indexOf(':', j);
        key = colon < 0 ? fail() : trimSpaces(line.slice(j, colon));
        if (!SIMPLE_KEY.test(key) || this.#resolve(key, true) !== key) fail();
      }
      if (line[colon] !== ':' || line[colon + 1] !== ' ' || key === '__proto__' || Object.hasOwn(out, key)) fail();
      const [value, end] = this.#flowScalar(line, colon + 1);
      out[key] = value;
      const [closed, next] = this.#flowNext(line, end, '}');
      if (closed) return [out, next];
      j = next;
    }
  }
}

/**
 * Reads a multi-document stream, or returns undefined when it uses anything outside the subset
 * (or `resolve` throws).
 * Documents without content (only comments) are left out, as the `yaml` library yields them empty.
 */
export function readBlockYaml(text: string, resolve: PlainScalarResolver): BlockYamlDocument[] | undefined {
  if (AWKWARD_TEXT.test(text)) return undefined;
  const lines = text.split('\n');
  const docs: BlockYamlDocument[] = [];
  try {
    let start = 0;
    while (start < lines.length) {
      let end = start + 1;
      while (end < lines.length && !lines[end]!.startsWith('---') && !lines[end]!.startsWith('...') && !lines[end]!.startsWith('%')) end++;
      if (end < lines.length && lines[end] !== '---') fail(); // `--- value`, `---x`, `...`, directives.
      if (start === 0 && lines[0]!.startsWith('---') && lines[0] !== '---') fail();
      let content = lines[start] === '---' ? start + 1 : start;
      while (content < end && (BLANK.test(lines[content]!) || COMMENT.test(lines[content]!))) content++;
      if (content < end) {
        if (lines[content]![0] === ' ') fail(); // Only documents that are a mapping at column 0.
        const value = new Reader(lines, content, end, resolve).document();
        // A first document without `---` starts at its content for the `yaml` library: its comments are no header.
        const header = lines[start] === '---' ? lines.slice(start, content).join('\n') : '';
        docs.push({ header, line: content + 1, value });
      } else if (start === 0 && lines[0] !== '---' && end < lines.length && content > 0 && lines.slice(0, end).some((l) => COMMENT.test(l))) {
        fail(); // Comments before the first `---`: the `yaml` library decides which document they head.
      }
      start = end;
    }
  } catch {
    // UNSUPPORTED, or the resolver gave up. Reading with the full parser is always right, only slower.
    return undefined;
  }
  return docs;
}
