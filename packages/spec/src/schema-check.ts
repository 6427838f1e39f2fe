/**
 * JSON Schema validation (ajv) that turns every error into a positioned, human Diagnostic.
 * All errors are collected, not only the first.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { closestMatch, type Diagnostic } from '@redis-gitops/diagnostics';
import { formatPath, type PathSegment, type Position } from './yaml-source.ts';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  pattern?: string;
  examples?: unknown;
  default?: unknown;
  [key: string]: unknown;
}

const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false } as const;
const require = createRequire(import.meta.url);

/**
 * Where validators compiled once are kept between runs. Compiling the spec and chart schemas took
 * most of a one-environment `validate`; with a store, a schema is compiled once per content and
 * later runs load ajv's standalone code for it. The CLI provides one (io/validator-cache.ts); this
 * module stays free of the disk.
 */
export interface ValidatorStore {
  /** The validator saved for `key`, or undefined (missing, unreadable, or from another ajv). */
  load(key: string): ValidateFunction | undefined;
  /** Keep `code` (a CommonJS module whose export is the validator) for `key`; failures are the store's to ignore. */
  save(key: string, code: string): void;
}

let store: ValidatorStore | undefined;
let ajv: AjvClass | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/** Use `next` for validators compiled from now on (undefined: compile every schema in-process). */
export function setValidatorStore(next: ValidatorStore | undefined): void {
  store = next;
}

/**
 * The store key of a schema: a digest of its JSON text, ajv's version and the options, so a saved
 * validator is only ever used for exactly the schema and compiler it came from.
 */
export function validatorKey(schema: object): string {
  const version = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256')
    .update(`ajv ${version} ${JSON.stringify(AJV_OPTIONS)}\n${JSON.stringify(schema)}`)
    .digest('hex')
    .slice(0, 32);
}

function compileNow(schema: object, key: string | undefined): ValidateFunction {
  // ajv is loaded only when a schema has to be compiled.
  const { Ajv } = require('ajv') as typeof import('ajv');
  ajv ??= new Ajv({ ...AJV_OPTIONS, code: { source: true, lines: false } });
  const fn = ajv.compile(schema);
  if (store && key) {
    const standalone = (require('ajv/dist/standalone') as { default: (a: AjvClass, v: ValidateFunction) => string }).default;
    store.save(key, standalone(ajv, fn));
  }
  return fn;
}

/** Compiles a schema once (or loads it from the validator store); later calls with the same schema object reuse it. */
export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    const key = store ? validatorKey(schema) : undefined;
    fn = (key && store?.load(key)) || compileNow(schema, key);
    compiled.set(schema, fn);
  }
  return fn;
}

function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

const INLINE_SECRET = /^(pass|password|secret|token|credentials?|requirepass)$/i;

/** Locates a path in the original file: value position, and key position for field-name errors. */
export interface Locator {
  readonly file: string;
  positionOf(path: readonly PathSegment[]): Position;
  keyPositionOf(path: readonly PathSegment[]): Position;
  /**
   * The scalar at `path` as written in the file. Only a locator for the YAML the value was read
   * from has it; with it, type errors explain how YAML read the text (`7.4` is a number).
   */
  sourceTextOf?(path: readonly PathSegment[]): string | undefined;
}

/** The string `examples` of a schema node (from `@examples` in types.ts). */
function examplesOf(node: SchemaNode): string[] {
  return Array.isArray(node.examples) ? node.examples.filter((x): x is string => typeof x === 'string') : [];
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function orList(values: readonly string[]): string {
  const quoted = values.map((v) => JSON.stringify(v));
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
}

/**
 * The string to suggest for a field that YAML read as a number or boolean: an example that starts
 * with what was written (`7.4` -> "7.4.2"), else what was written when it is valid, else the first example.
 */
function suggestString(node: SchemaNode, written: string): string {
  const examples = examplesOf(node);
  const longer = examples.find((x) => x.startsWith(written));
  if (longer !== undefined) return longer;
  if (!node.pattern || new RegExp(node.pattern, 'u').test(written)) return written;
  return examples[0] ?? written;
}

/** A type error, explained in terms of how YAML read the text when the file's text is known. */
function typeMismatch(expected: string, got: unknown, written: string | undefined, node: SchemaNode): { message: string; hint?: string } {
  const plain = { message: `must be ${expected} (got ${show(got)})`, hint: node.description };
  if (written === undefined) return plain;
  if (expected === 'string' && (typeof got === 'number' || typeof got === 'boolean')) {
    const kind = typeof got;
    const reads = written === String(got) ? `YAML reads ${written} as a ${kind}` : `YAML reads ${written} as the ${kind} ${String(got)}`;
    return { message: `must be a string (got the ${kind} ${String(got)}): ${reads}`, hint: `write ${JSON.stringify(suggestString(node, written))} in quotes` };
  }
  if (got === null) {
    const example = examplesOf(node)[0] ?? (typeof node.default === 'string' ? node.default : undefined);
    const what = written ? `YAML reads ${written} as nothing (null)` : 'the value is empty';
    return {
      message: `must be ${expected === 'string' ? 'a string' : expected} (got nothing): ${what}`,
      hint: example !== undefined ? `give it a value, e.g. ${JSON.stringify(example)}, or remove the line` : 'give it a value, or remove the line',
    };
  }
  if (typeof got === 'string' && (expected === 'integer' || expected === 'number') && got.trim() !== '' && Number.isFinite(Number(got))) {
    return { ...plain, hint: `write ${got.trim()} without quotes: quoted, YAML reads it as a string` };
  }
  if (typeof got === 'string' && expected === 'boolean') {
    const b = /^(true|yes|on|y)$/i.test(got) ? 'true' : /^(false|no|off|n)$/i.test(got) ? 'false' : undefined;
    if (b) return { ...plain, hint: `write ${b} without quotes: YAML reads only true and false (unquoted) as booleans` };
  }
  return plain;
}

function describe(e: ErrorObject, where: readonly PathSegment[], locator: Locator): { path: PathSegment[]; message: string; hint?: string; atKey: boolean } {
  const parent = (e.parentSchema ?? {}) as SchemaNode;
  const got = e.data;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const name = String(p.missingProperty);
      const desc = parent.properties?.[name]?.description;
      return { path: [...where, name], message: `missing required field "${name}"`, hint: desc, atKey: true };
    }
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys(parent.properties ?? {});
      const guess = closestMatch(name, known);
      let hint = guess ? `did you mean "${guess}"?` : known.length ? `allowed fields here: ${known.join(', ')}` : 'this object takes no fields';
      if (INLINE_SECRET.test(name)) {
        hint = 'passwords never go in git: put it in a Secret and reference it with spec.auth.existingSecret';
      }
      return { path: [...where, name], message: `unknown field "${name}"`, hint, atKey: true };
    }
    case 'type': {
      const { message, hint } = typeMismatch(String(p.type), got, locator.sourceTextOf?.(where), parent);
      return { path: [...where], message, hint, atKey: false };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: [...where], message: `must be ${String(p.comparison)} ${String(p.limit)} (got ${show(got)})`, hint: parent.description, atKey: false };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(String);
      const guess = typeof got === 'string' ? closestMatch(got, allowed) : undefined;
      return {
        path: [...where],
        message: `must be one of ${allowed.join(', ')} (got ${show(got)})`,
        hint: guess ? `did you mean "${guess}"?` : parent.description,
        atKey: false,
      };
    }
    case 'const':
      return { path: [...where], message: `must be ${show(p.allowedValue)} (got ${show(got)})`, hint: parent.description, atKey: false };
    case 'pattern': {
      // Show valid values, never the regex. Every pattern in the spec and chart schemas has
      // @examples (a test checks); without them the message says only that the form is wrong.
      const examples = examplesOf(parent);
      const expected = examples.length ? `look like ${orList(examples)}` : 'be in the form the field description gives';
      return { path: [...where], message: `must ${expected} (got ${show(got)})`, hint: parent.description, atKey: false };
    }
    case 'minItems':
    case 'maxItems':
      return { path: [...where], message: `must have ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} item(s)`, hint: parent.description, atKey: false };
    default:
      return { path: [...where], message: e.message ?? `fails ${e.keyword}`, hint: parent.description, atKey: false };
  }
}

/** Validates `value` and returns one Diagnostic per schema error, located in the source. */
export function checkAgainstSchema(schema: object, value: unknown, locator: Locator): Diagnostic[] {
  const validate = compileSchema(schema);
  if (validate(value)) return [];
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of validate.errors ?? []) {
    if (e.keyword === 'if') continue;
    const d = describe(e, pointerToPath(e.instancePath), locator);
    const pos = d.atKey ? locator.keyPositionOf(d.path) : locator.positionOf(d.path);
    const diag: Diagnostic = { file: locator.file, line: pos.line, col: pos.col, path: formatPath(d.path), message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
    const key = `${diag.path}|${diag.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diag);
  }
  return out;
}
