import { formatPath, pointerToSegments } from './field-path.ts';
import type { ModelClass } from './model-registry.ts';

/** The parts of an ajv error that kubernetes-models' compiled validators report. */
interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message?: string;
}

/** One schema violation other than an unknown field. */
export interface SchemaError {
  readonly code: 'wrong-type' | 'missing-field' | 'invalid-value';
  readonly path: string;
  readonly message: string;
  readonly hint?: string;
}

/** Runs the model's compiled validator on plain data and returns its errors, or none when valid. */
function runValidator(model: ModelClass, data: unknown): AjvError[] {
  try {
    model.prototype.validate.call(data);
    return [];
  } catch (error) {
    const errors = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) return errors as AjvError[];
    throw error;
  }
}

const describeValue = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
};

const valueAt = (data: unknown, pointer: string): unknown => pointerToSegments(pointer, data).reduce<unknown>((node, s) => (node as Record<string, unknown> | undefined)?.[s], data);

/** Hints for the mistakes templates make most: quoted numbers, unquoted yes/no, and quantity typos. */
function hintFor(expected: string | readonly string[], value: unknown): { hint?: string } {
  if (expected === 'quantity') return { hint: 'quantities look like 512Mi, 1Gi, 250m or 2' };
  const types = typeof expected === 'string' ? [expected] : expected;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) && types.some((t) => t === 'integer' || t === 'number')) {
    return { hint: 'the value is a quoted number; drop `quote` (or pipe it through `int`) in the template' };
  }
  if (typeof value === 'boolean' && types.includes('string')) {
    return { hint: 'YAML reads unquoted yes/no/on/off/true/false as a boolean; quote the value' };
  }
  return {};
}

/**
 * Validates `data` against `model`'s schema and turns ajv's errors into readable ones with field paths.
 * Errors of one place are merged: int-or-string and quantity fields are `oneOf` two types, which ajv
 * reports as one error per branch plus the `oneOf` itself; the reader gets a single line.
 */
export function schemaErrors(model: ModelClass, data: unknown): SchemaError[] {
  const byPlace = new Map<string, AjvError[]>();
  const out: SchemaError[] = [];
  for (const e of runValidator(model, data)) {
    if (e.keyword === 'required') {
      const segments = [...pointerToSegments(e.instancePath, data), String(e.params.missingProperty)];
      out.push({ code: 'missing-field', path: formatPath(segments), message: `missing required field "${String(e.params.missingProperty)}"` });
      continue;
    }
    const place = byPlace.get(e.instancePath) ?? [];
    place.push(e);
    byPlace.set(e.instancePath, place);
  }
  for (const [pointer, errors] of byPlace) {
    const path = formatPath(pointerToSegments(pointer, data));
    const value = valueAt(data, pointer);
    const actual = describeValue(value);
    const formats = errors.filter((e) => e.keyword === 'format');
    const types = errors.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
    const others = errors.filter((e) => !['format', 'type', 'oneOf'].includes(e.keyword));
    const before = out.length;
    for (const e of formats) {
      const format = String(e.params.format);
      out.push({ code: 'invalid-value', path, message: `must be a valid ${format}, got ${actual}`, ...hintFor(format, value) });
    }
    if (formats.length === 0 && types.length > 0) {
      out.push({ code: 'wrong-type', path, message: `must be ${types.join(' or ')}, got ${actual}`, ...hintFor(types, value) });
    }
    for (const e of others) {
      const allowed = e.params.allowedValues;
      const message = Array.isArray(allowed) ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${actual}` : `${e.message ?? e.keyword}, got ${actual}`;
      out.push({ code: 'invalid-value', path, message });
    }
    // Never drop an error: a lone `oneOf` (no branch error to explain it) still gets a line.
    if (out.length === before) out.push({ code: 'invalid-value', path, message: `${errors[0]!.message ?? errors[0]!.keyword}, got ${actual}` });
  }
  return out;
}
