/**
 * What the JSON Schema cannot say about quantities. Its pattern stays permissive (any Kubernetes
 * suffix), so these checks can explain the traps with the numbers: `512m` of memory is 0.512 bytes
 * (m is milli), `2G` is 2,000,000,000 bytes and not 2Gi, a size below 1Mi cannot be meant, a CPU
 * amount in bytes units is a mix-up, and a request above its limit is refused by Kubernetes.
 * Values are read with the one quantity parser, @redis-gitops/quantity, exactly (no floats).
 */
import type { Diagnostic } from '@redis-gitops/diagnostics';
import { parseKubernetesQuantity, Quantity } from '@redis-gitops/quantity';
import { PROFILES } from './profiles.ts';
import type { ClusterList, RedisEnvironment } from './types.ts';
import { formatPath, type PathSegment, type YamlSource } from './yaml-source.ts';

/** Every byte-valued quantity of the spec (`ByteQuantity` in types.ts), and what it sizes. A test checks the list against the schema. */
export const BYTE_QUANTITY_FIELDS: readonly { readonly path: readonly string[]; readonly what: string }[] = [
  { path: ['spec', 'resources', 'requests', 'memory'], what: 'memory' },
  { path: ['spec', 'resources', 'limits', 'memory'], what: 'memory' },
  { path: ['spec', 'persistence', 'size'], what: 'a volume' },
  { path: ['spec', 'backup', 'size'], what: 'a volume' },
];

/** Every CPU quantity of the spec (`CpuQuantity` in types.ts). */
export const CPU_QUANTITY_FIELDS: readonly (readonly string[])[] = [
  ['spec', 'resources', 'requests', 'cpu'],
  ['spec', 'resources', 'limits', 'cpu'],
];

/** The smallest byte quantity that can be meant: 1Mi. */
export const MIN_BYTES = new Quantity(1n << 20n);

const DECIMAL_TO_BINARY: Readonly<Record<string, { binary: string; name: string }>> = {
  k: { binary: 'Ki', name: 'kilo' },
  M: { binary: 'Mi', name: 'mega' },
  G: { binary: 'Gi', name: 'giga' },
  T: { binary: 'Ti', name: 'tera' },
};

/** `1234567` -> `1,234,567`; locale-independent. */
function grouped(n: bigint): string {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The exact decimal value of a quantity, grouped: `0.512`, `2,147,483,648`. Quantities from text always have a finite expansion. */
export function exactDecimal(q: Quantity): string {
  const negative = q.numerator < 0n;
  const num = negative ? -q.numerator : q.numerator;
  let rest = num % q.denominator;
  let digits = '';
  while (rest !== 0n && digits.length < 40) {
    rest *= 10n;
    digits += String(rest / q.denominator);
    rest %= q.denominator;
  }
  return `${negative ? '-' : ''}${grouped(num / q.denominator)}${digits ? `.${digits}` : ''}`;
}

/** Splits `1.5Gi` into `1.5` and `Gi`. */
function split(text: string): { number: string; suffix: string } {
  const m = /^([0-9.]+)(.*)$/.exec(text);
  return { number: m?.[1] ?? text, suffix: m?.[2] ?? '' };
}

/** The problem with a byte quantity (memory, a volume size), if any. `text` must already match the schema. */
export function byteQuantityProblem(text: string, what: string): { message: string; hint: string } | undefined {
  const q = parseKubernetesQuantity(text);
  if (!q) return undefined;
  const { number, suffix } = split(text);
  if (suffix === 'm') {
    return {
      message: `"${text}" is ${exactDecimal(q)} bytes: m means milli (thousandths), not mega`,
      hint: `write ${number}Mi for ${number} mebibytes (${exactDecimal(parseKubernetesQuantity(`${number}Mi`)!)} bytes)`,
    };
  }
  const decimal = DECIMAL_TO_BINARY[suffix];
  if (decimal) {
    const binary = `${number}${decimal.binary}`;
    const spelled = q.isInteger() ? `; if you do mean decimal ${decimal.name}bytes, write the bytes out: ${q.numerator}` : '';
    return {
      message: `"${text}" is ${exactDecimal(q)} bytes (${suffix} is decimal ${decimal.name}), not ${binary} (${exactDecimal(parseKubernetesQuantity(binary)!)} bytes)`,
      hint: `write ${binary}${spelled}`,
    };
  }
  if (q.compareTo(MIN_BYTES) < 0) {
    return {
      message: `"${text}" is ${exactDecimal(q)} byte(s): too small for ${what}, the least is 1Mi (${exactDecimal(MIN_BYTES)} bytes)`,
      hint: suffix === '' ? `a number without a unit counts bytes: did you mean ${number}Mi?` : 'give it in Mi or Gi, e.g. 512Mi or 2Gi',
    };
  }
  return undefined;
}

/** The problem with a CPU quantity, if any: only cores (`1`, `0.5`) and millicores (`250m`) make sense. */
export function cpuQuantityProblem(text: string): { message: string; hint: string } | undefined {
  const q = parseKubernetesQuantity(text);
  if (!q) return undefined;
  const { suffix } = split(text);
  if (suffix === '' || suffix === 'm') return undefined;
  const unit = suffix.endsWith('i') ? 'a byte unit, for memory' : `a multiplier (x ${exactDecimal(parseKubernetesQuantity(`1${suffix}`)!)})`;
  return {
    message: `"${text}" is ${exactDecimal(q)} CPU cores: ${suffix} is ${unit}`,
    hint: 'CPU is counted in cores (1, 0.5) or millicores (250m)',
  };
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), value);
}

/**
 * Checks every quantity field on its own. Runs beside the schema check (so both kinds of problem
 * are reported at once); `skip` holds the paths the schema already reported.
 */
export function checkQuantityFields(src: YamlSource, skip: ReadonlySet<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const check = (path: readonly string[], problem: (text: string) => { message: string; hint: string } | undefined) => {
    const v = valueAt(src.value, path);
    if (typeof v !== 'string' || skip.has(formatPath(path))) return;
    const p = problem(v);
    if (p) out.push({ file: src.file, ...src.positionOf(path), path: formatPath(path), ...p });
  };
  for (const f of BYTE_QUANTITY_FIELDS) check(f.path, (t) => byteQuantityProblem(t, f.what));
  for (const path of CPU_QUANTITY_FIELDS) check(path, cpuQuantityProblem);
  return out;
}

/**
 * Requests must not exceed limits, for CPU and memory. An amount left out comes from the cluster's
 * profile, so a request set above the profile's limit (or a limit below its request) is caught too.
 * Runs after the per-field checks passed.
 */
export function checkRequestsWithinLimits(env: RedisEnvironment, src: YamlSource, clusters: ClusterList): Diagnostic[] {
  const out: Diagnostic[] = [];
  const cluster = clusters.clusters.find((c) => c.name === env.spec.cluster);
  const profile = cluster ? PROFILES[cluster.profile] : undefined;
  for (const kind of ['cpu', 'memory'] as const) {
    const setRequest = env.spec.resources?.requests?.[kind];
    const setLimit = env.spec.resources?.limits?.[kind];
    // Profiles are consistent on their own (a test checks); only what the spec sets can break it.
    if (setRequest === undefined && setLimit === undefined) continue;
    const request = setRequest ?? profile?.resources.requests[kind];
    const limit = setLimit ?? profile?.resources.limits[kind];
    if (request === undefined || limit === undefined) continue;
    const rq = parseKubernetesQuantity(request);
    const lq = parseKubernetesQuantity(limit);
    if (!rq || !lq || rq.compareTo(lq) <= 0) continue;
    const fromProfile = (field: string, value: string) => `; ${field} ${value} is the default of the cluster's ${profile!.name} profile: set spec.resources.${field} as well`;
    const path: PathSegment[] = ['spec', 'resources', setRequest !== undefined ? 'requests' : 'limits', kind];
    const pos = src.positionOf(path);
    out.push({
      file: src.file,
      ...pos,
      path: formatPath(path),
      ...(setRequest !== undefined
        ? {
            message: `must be <= limits.${kind} ${limit} (got ${request})`,
            hint: `Kubernetes rejects a request larger than its limit${setLimit === undefined ? fromProfile(`limits.${kind}`, limit) : ''}`,
          }
        : { message: `must be >= requests.${kind} ${request} (got ${limit})`, hint: `Kubernetes rejects a request larger than its limit${fromProfile(`requests.${kind}`, request)}` }),
    });
  }
  return out;
}
