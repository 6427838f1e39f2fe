import { parseKubernetesQuantity, type Quantity, quantityOf } from '../src/index.ts';

const q = (s: string): Quantity => quantityOf(s);

describe('Kubernetes quantities', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['2Gi', 2 * 2 ** 30],
    ['1.5G', 1.5e9],
    ['1e3', 1000],
    ['1E', 1e18],
    ['-250m', -0.25],
    ['.5Ki', 512],
    ['128974848', 128974848],
  ])('parses %s', (text, value) => {
    expect(parseKubernetesQuantity(text)?.asApproximateFloat()).toBe(value);
  });

  it.each(['', '2GiB', '1.2.3', 'Gi', '2 Gi', ' 1', '1e', '5gi'])('rejects %j', (text) => {
    expect(parseKubernetesQuantity(text)).toBeUndefined();
    expect(() => quantityOf(text)).toThrow(/not a valid Kubernetes quantity/);
  });

  it('compares exactly across suffixes', () => {
    expect(q('1Gi').compareTo(q('1024Mi'))).toBe(0);
    expect(q('200M').compareTo(q('0.2G'))).toBe(0);
    expect(q('1Gi').compareTo(q('1G'))).toBe(1);
    expect(q('999m').compareTo(q('1'))).toBe(-1);
  });

  it('adds and subtracts without rounding', () => {
    expect(q('0.1').add(q('0.2')).compareTo(q('300m'))).toBe(0);
    expect(q('50k').sub(q('20k')).asInteger()).toBe(30000n);
    expect(q('1').sub(q('2')).sign()).toBe(-1);
  });

  it('asInteger fails on fractions and int64 overflow; isInteger tells in advance', () => {
    expect(q('1.5').isInteger()).toBe(false);
    expect(() => q('1.5').asInteger()).toThrow('cannot convert quantity "1.5" to an integer without losing precision');
    expect(q('9999999999999999999999').isInteger()).toBe(false);
    expect(() => q('9999999999999999999999').asInteger()).toThrow('overflows int64');
    expect(q('8Ei').isInteger()).toBe(false);
    expect(q('7Ei').asInteger()).toBe(7n * 2n ** 60n);
  });
});
