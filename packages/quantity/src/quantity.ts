/**
 * Kubernetes resource quantities (`resource.Quantity`) with exact arithmetic, as the Kubernetes CEL
 * quantity library sees them: `quantity('1Gi') == quantity('1024Mi')`, `quantity('1.5').isInteger()`
 * is false, and nothing is rounded through a float until `asApproximateFloat()`.
 */

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** The Kubernetes quantity grammar: sign, digits with an optional fraction, one suffix (binary SI, decimal SI or an exponent). */
const QUANTITY = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

const abs = (n: bigint): bigint => (n < 0n ? -n : n);
function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y) [x, y] = [y, x % y];
  return x || 1n;
}

/** An exact quantity: numerator / denominator, denominator > 0, always reduced. */
export class Quantity {
  readonly numerator: bigint;
  readonly denominator: bigint;
  /** The text it was parsed from, for messages; empty for computed values. */
  readonly text: string;

  constructor(numerator: bigint, denominator = 1n, text = '') {
    const sign = denominator < 0n ? -1n : 1n;
    const g = gcd(numerator, denominator);
    this.numerator = (sign * numerator) / g;
    this.denominator = abs(denominator) / g;
    this.text = text;
  }

  compareTo(other: Quantity): number {
    const left = this.numerator * other.denominator;
    const right = other.numerator * this.denominator;
    return left === right ? 0 : left < right ? -1 : 1;
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.numerator * other.denominator + other.numerator * this.denominator, this.denominator * other.denominator);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.numerator * other.denominator - other.numerator * this.denominator, this.denominator * other.denominator);
  }

  sign(): number {
    return this.numerator === 0n ? 0 : this.numerator < 0n ? -1 : 1;
  }

  /** True when the value is a whole number that fits an int64 (so `asInteger()` cannot fail). */
  isInteger(): boolean {
    return this.denominator === 1n && this.numerator >= INT64_MIN && this.numerator <= INT64_MAX;
  }

  /** The exact integer value; throws when the value has a fraction or does not fit an int64, like Kubernetes. */
  asInteger(): bigint {
    if (this.denominator !== 1n) throw new Error(`cannot convert quantity ${this.describe()} to an integer without losing precision`);
    if (this.numerator < INT64_MIN || this.numerator > INT64_MAX) throw new Error(`quantity ${this.describe()} overflows int64`);
    return this.numerator;
  }

  asApproximateFloat(): number {
    return Number(this.numerator) / Number(this.denominator);
  }

  private describe(): string {
    return this.text ? `"${this.text}"` : this.denominator === 1n ? `${this.numerator}` : `${this.numerator}/${this.denominator}`;
  }

  toString(): string {
    return this.text || (this.denominator === 1n ? `${this.numerator}` : String(this.asApproximateFloat()));
  }
}

/** Parses a Kubernetes quantity string (`500m`, `2Gi`, `1e3`, `1.5G`); undefined when it is not one. */
export function parseKubernetesQuantity(text: string): Quantity | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', number = '', suffix = ''] = m;
  const [whole = '', fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole || '0'}${fraction}`) * (sign === '-' ? -1n : 1n);
  let denominator = 10n ** BigInt(fraction.length);
  const binary = BINARY[suffix];
  let exponent = 0;
  if (binary !== undefined) numerator *= binary;
  else if (suffix in DECIMAL) exponent = DECIMAL[suffix]!;
  else exponent = Number(suffix.slice(1));
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined;
  if (exponent > 0) numerator *= 10n ** BigInt(exponent);
  else if (exponent < 0) denominator *= 10n ** BigInt(-exponent);
  return new Quantity(numerator, denominator, text);
}

/** Like parseKubernetesQuantity, for CEL's `quantity()`: throws a message that names the bad input. */
export function quantityOf(text: string): Quantity {
  const q = parseKubernetesQuantity(text);
  if (!q) throw new Error(`quantity("${text}"): not a valid Kubernetes quantity (e.g. 500m, 2Gi, 1.5G, 1e3)`);
  return q;
}

/**
 * The value of a quantity in base units (bytes, cores) as a float, for sizing arithmetic; a number
 * is taken as is. Undefined when the text is not a Kubernetes quantity.
 */
export function quantityValue(q: string | number): number | undefined {
  if (typeof q === 'number') return q;
  return parseKubernetesQuantity(q.trim())?.asApproximateFloat();
}
