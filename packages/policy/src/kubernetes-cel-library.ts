/**
 * The Kubernetes CEL libraries, implemented on top of @marcbachmann/cel-js so that offline results
 * match what the API server computes: quantity, the cel-go `strings` extension functions the
 * evaluator lacks (`replace`, `charAt`, `format`, `strings.quote`), lists (`sum`, `min`, `max`,
 * `isSorted`, `indexOf`, `lastIndexOf`), regex (`find`, `findAll`), sets and URLs.
 *
 * Which names the API server accepts at all is decided by kubernetes-cel-names.ts; this file only
 * makes the accepted ones run.
 */
import type { Environment } from '@marcbachmann/cel-js';
import { celCompare, celEquals, celToString, celTypeName } from './cel-values.ts';
import { quantityOf, parseKubernetesQuantity, Quantity } from '@redis-gitops/quantity';
import { regexFind, regexFindAll } from './regex.ts';

/** Receiver of `sets.*` calls (`sets` is a namespace in CEL, an object here). */
export class SetsNamespace {}
/** Receiver of `strings.quote`. */
export class StringsNamespace {}

/** A parsed URL (Kubernetes URL library). */
export class KubernetesUrl {
  readonly url: URL;
  constructor(url: URL) {
    this.url = url;
  }
}

function parseUrl(text: string): URL | undefined {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function listOf(v: unknown, fn: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${fn}() needs a list, got ${celTypeName(v)}`);
  return v;
}

function sum(list: unknown[]): unknown {
  if (list.length === 0) return 0n;
  if (list.every((x) => typeof x === 'bigint')) return (list as bigint[]).reduce((a, b) => a + b, 0n);
  if (list.every((x) => typeof x === 'number')) return (list as number[]).reduce((a, b) => a + b, 0);
  throw new Error(`sum() needs a list of one numeric type, got [${list.map(celTypeName).join(', ')}]`);
}

function extreme(list: unknown[], fn: 'min' | 'max'): unknown {
  if (list.length === 0) throw new Error(`${fn}() of an empty list`);
  return list.reduce((best, x) => (fn === 'min' ? (celCompare(x, best) < 0 ? x : best) : celCompare(x, best) > 0 ? x : best));
}

/** cel-go strings `replace(old, new[, n])`: n < 0 replaces all. */
function replace(s: string, from: string, to: string, n = -1n): string {
  if (n === 0n) return s;
  if (n < 0n) return s.split(from).join(to);
  let out = s;
  let count = 0n;
  let at = 0;
  while (count < n) {
    const i = out.indexOf(from, at);
    if (i < 0) break;
    out = out.slice(0, i) + to + out.slice(i + from.length);
    at = i + to.length + (from === '' ? 1 : 0);
    count++;
  }
  return out;
}

/** cel-go strings `format`: %s %d %f %e %x %X %o %b and %%, with an optional precision for %f/%e. */
function format(template: string, args: unknown[]): string {
  let next = 0;
  return template.replace(/%(\.[0-9]+)?([sdfeExXob%])/g, (whole, precision: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new Error(`format: "${template}" needs more than ${args.length} argument(s)`);
    const v = args[next++];
    const digits = precision ? Number(precision.slice(1)) : 6;
    switch (verb) {
      case 's':
        return celToString(v);
      case 'd':
        if (typeof v !== 'bigint') throw new Error(`format: %d needs an int, got ${celTypeName(v)}`);
        return v.toString();
      case 'f':
        return Number(v).toFixed(digits);
      case 'e':
      case 'E': {
        const s = Number(v)
          .toExponential(digits)
          .replace(/e([+-])(\d)$/, 'e$10$2');
        return verb === 'E' ? s.toUpperCase() : s;
      }
      case 'x':
      case 'X': {
        const s = typeof v === 'string' ? [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('') : BigInt(v as bigint).toString(16);
        return verb === 'X' ? s.toUpperCase() : s;
      }
      case 'o':
        return BigInt(v as bigint).toString(8);
      case 'b':
        return typeof v === 'boolean' ? String(v) : BigInt(v as bigint).toString(2);
      default:
        return whole;
    }
  });
}

const asQuantity = (v: Quantity | bigint): Quantity => (v instanceof Quantity ? v : new Quantity(v));

/** Adds every Kubernetes library function the evaluator lacks to `env` (which must have optional types on). */
export function registerKubernetesLibraries(env: Environment): Environment {
  // Quantity (Kubernetes 1.28+).
  env
    .registerType('Quantity', Quantity)
    .registerFunction('quantity(string): Quantity', (s: string) => quantityOf(s))
    .registerFunction('isQuantity(string): bool', (s: string) => parseKubernetesQuantity(s) !== undefined)
    .registerFunction('Quantity.compareTo(Quantity): int', (a: Quantity, b: Quantity) => BigInt(a.compareTo(b)))
    .registerFunction('Quantity.isGreaterThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compareTo(b) > 0)
    .registerFunction('Quantity.isLessThan(Quantity): bool', (a: Quantity, b: Quantity) => a.compareTo(b) < 0)
    .registerFunction('Quantity.add(Quantity): Quantity', (a: Quantity, b: Quantity) => a.add(b))
    .registerFunction('Quantity.add(int): Quantity', (a: Quantity, b: bigint) => a.add(asQuantity(b)))
    .registerFunction('Quantity.sub(Quantity): Quantity', (a: Quantity, b: Quantity) => a.sub(b))
    .registerFunction('Quantity.sub(int): Quantity', (a: Quantity, b: bigint) => a.sub(asQuantity(b)))
    .registerFunction('Quantity.sign(): int', (a: Quantity) => BigInt(a.sign()))
    .registerFunction('Quantity.isInteger(): bool', (a: Quantity) => a.isInteger())
    .registerFunction('Quantity.asInteger(): int', (a: Quantity) => a.asInteger())
    .registerFunction('Quantity.asApproximateFloat(): double', (a: Quantity) => a.asApproximateFloat())
    .registerOperator('Quantity == Quantity', (a: Quantity, b: Quantity) => a.compareTo(b) === 0);

  // cel-go strings extension (the evaluator ships the rest of it).
  env
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) => replace(s, a, b))
    .registerFunction('string.replace(string, string, int): string', (s: string, a: string, b: string, n: bigint) => replace(s, a, b, n))
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const cps = [...s];
      if (i < 0n || i > BigInt(cps.length)) throw new Error(`charAt(${i}): index out of range for a string of ${cps.length} characters`);
      return cps[Number(i)] ?? '';
    })
    .registerFunction('string.format(list<dyn>): string', (s: string, args: unknown[]) => format(s, args))
    .registerType('StringsNamespace', StringsNamespace)
    .registerConstant('strings', 'StringsNamespace', new StringsNamespace())
    .registerFunction('StringsNamespace.quote(string): string', (_ns: StringsNamespace, s: string) => JSON.stringify(s));

  // Kubernetes list library.
  env
    .registerFunction('list<dyn>.sum(): dyn', (l: unknown[]) => sum(listOf(l, 'sum')))
    .registerFunction('list<dyn>.min(): dyn', (l: unknown[]) => extreme(listOf(l, 'min'), 'min'))
    .registerFunction('list<dyn>.max(): dyn', (l: unknown[]) => extreme(listOf(l, 'max'), 'max'))
    .registerFunction('list<dyn>.isSorted(): bool', (l: unknown[]) => listOf(l, 'isSorted').every((x, i, a) => i === 0 || celCompare(a[i - 1], x) <= 0))
    .registerFunction('list<dyn>.indexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(listOf(l, 'indexOf').findIndex((x) => celEquals(x, v))))
    .registerFunction('list<dyn>.lastIndexOf(dyn): int', (l: unknown[], v: unknown) => BigInt(listOf(l, 'lastIndexOf').findLastIndex((x) => celEquals(x, v))));

  // Kubernetes regex library.
  env
    .registerFunction('string.find(string): string', (s: string, p: string) => regexFind(s, p))
    .registerFunction('string.findAll(string): list<string>', (s: string, p: string) => regexFindAll(s, p))
    .registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => regexFindAll(s, p, n));

  // cel-go sets extension (Kubernetes 1.29+).
  const contains = (a: unknown[], b: unknown[]): boolean => b.every((x) => a.some((y) => celEquals(x, y)));
  env
    .registerType('SetsNamespace', SetsNamespace)
    .registerConstant('sets', 'SetsNamespace', new SetsNamespace())
    .registerFunction('SetsNamespace.contains(list<dyn>, list<dyn>): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b))
    .registerFunction('SetsNamespace.equivalent(list<dyn>, list<dyn>): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => contains(a, b) && contains(b, a))
    .registerFunction('SetsNamespace.intersects(list<dyn>, list<dyn>): bool', (_ns: SetsNamespace, a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEquals(x, y))));

  // Kubernetes URL library.
  env
    .registerType('URL', KubernetesUrl)
    .registerFunction('url(string): URL', (s: string) => {
      const u = parseUrl(s);
      if (!u) throw new Error(`url("${s}"): not an absolute URL`);
      return new KubernetesUrl(u);
    })
    .registerFunction('isURL(string): bool', (s: string) => parseUrl(s) !== undefined)
    .registerFunction('URL.getScheme(): string', (u: KubernetesUrl) => u.url.protocol.replace(/:$/, ''))
    .registerFunction('URL.getHost(): string', (u: KubernetesUrl) => u.url.host)
    .registerFunction('URL.getHostname(): string', (u: KubernetesUrl) => u.url.hostname.replace(/^\[(.*)\]$/, '$1'))
    .registerFunction('URL.getPort(): string', (u: KubernetesUrl) => u.url.port)
    .registerFunction('URL.getEscapedPath(): string', (u: KubernetesUrl) => u.url.pathname)
    .registerFunction('URL.getQuery(): map<string, list<string>>', (u: KubernetesUrl) => {
      const out = new Map<string, string[]>();
      for (const [k, v] of u.url.searchParams) out.set(k, [...(out.get(k) ?? []), v]);
      return out;
    });
  return env;
}
