/**
 * JSON Schema validation (ajv) that turns every error into a positioned, human Diagnostic.
 * All errors are collected, not only the first.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closestMatch, type Diagnostic } from '@redis-gitops/diagnostics';
import { formatPath, type PathSegment, type Position } from './yaml-source.ts';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  [key: string]: unknown;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a schema once; later calls with the same schema object reuse the validator. */
export function compileSchema(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
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
}

function describe(e: ErrorObject, where: readonly PathSegment[]): { path: PathSegment[]; message: string; hint?: string; atKey: boolean } {
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
    case 'type':
      return { path: [...where], message: `must be ${String(p.type)} (got ${show(got)})`, hint: parent.description, atKey: false };
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
    case 'pattern':
      return { path: [...where], message: `must match ${String(p.pattern)} (got ${show(got)})`, hint: parent.description, atKey: false };
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
    const d = describe(e, pointerToPath(e.instancePath));
    const pos = d.atKey ? locator.keyPositionOf(d.path) : locator.positionOf(d.path);
    const diag: Diagnostic = { file: locator.file, line: pos.line, col: pos.col, path: formatPath(d.path), message: d.message, ...(d.hint ? { hint: d.hint } : {}) };
    const key = `${diag.path}|${diag.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(diag);
  }
  return out;
}
