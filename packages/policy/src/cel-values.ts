/**
 * Moving values between JSON-like Kubernetes objects and CEL.
 *
 * The API server hands CEL an object decoded from JSON/YAML where whole numbers are int (int64) and
 * numbers with a fraction are double. CEL ints are bigints in the evaluator, so `toCel` converts
 * whole numbers once per object; `celEquals` and `celToString` follow CEL's rules for the values
 * the policies produce.
 */

/** Deep copy of a JSON-like value with whole numbers as bigint (CEL int). */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v);
    return out;
  }
  return value;
}

/** CEL equality for the evaluator's runtime values (numbers compare across int/double). */
export function celEquals(a: unknown, b: unknown): boolean {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    // biome-ignore lint/suspicious/noDoubleEquals: loose equality compares a bigint and a number by value (1n == 1)
    return a == b;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  if (a instanceof Map || b instanceof Map) {
    const am = a instanceof Map ? a : new Map(Object.entries((a ?? {}) as object));
    const bm = b instanceof Map ? b : new Map(Object.entries((b ?? {}) as object));
    if (am.size !== bm.size) return false;
    for (const [k, v] of am) if (!bm.has(k) || !celEquals(v, bm.get(k))) return false;
    return true;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && a.constructor === Object && b.constructor === Object) {
    const ak = Object.keys(a);
    const bk = Object.keys(b);
    return ak.length === bk.length && ak.every((k) => Object.hasOwn(b, k) && celEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/** CEL ordering for comparable values (numbers, strings, bools); throws for anything else. */
export function celCompare(a: unknown, b: unknown): number {
  const numeric = (v: unknown): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
  if (numeric(a) && numeric(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new Error(`no ordering between ${celTypeName(a)} and ${celTypeName(b)}`);
}

/** The CEL type name of a runtime value, for messages. */
export function celTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'null_type';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Map || (typeof v === 'object' && (v as object).constructor === Object)) return 'map';
  return (v as object).constructor?.name ?? 'object';
}

/** A CEL value as text, the way string() or a message would show it. */
export function celToString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? JSON.stringify(x) : celToString(x))).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${celToString(k)}: ${celToString(x)}`).join(', ')}}`;
  if (typeof v === 'object' && (v as object).constructor === Object) {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${typeof x === 'string' ? JSON.stringify(x) : celToString(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}
