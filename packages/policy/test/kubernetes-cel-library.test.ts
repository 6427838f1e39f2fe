import { lazyVariablesClass, policyEnvironment } from '../src/cel-environment.ts';
import { compileExpression } from '../src/compile-expression.ts';
import { toCel } from '../src/cel-values.ts';

const env = policyEnvironment([], lazyVariablesClass([]));
const scope = { variables: new Set(['object', 'oldObject', 'request', 'namespaceObject', 'variables']) };
const object = toCel({ spec: { limits: { memory: '2Gi', cpu: 2 }, tags: ['b', 'a'], weights: [1, 2, 3] } });

function run(expression: string): unknown {
  const { compiled, problems } = compileExpression(expression, { env, scope, expected: 'any' });
  if (!compiled) throw new Error(problems.map((p) => p.message).join('; '));
  return compiled.evaluate({ object, oldObject: null, request: {}, namespaceObject: null, variables: {} });
}

describe('Kubernetes CEL libraries', () => {
  it.each([
    ["quantity('1Gi') == quantity('1024Mi')", true],
    ["quantity('1Gi') != quantity('1G')", true],
    ["quantity(object.spec.limits.memory).isGreaterThan(quantity('1Gi'))", true],
    ["quantity('50M').isLessThan(quantity('100M'))", true],
    ["quantity('200M').compareTo(quantity('0.2G'))", 0n],
    ["quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger()", 20n],
    ["quantity('1.5').isInteger()", false],
    ["quantity('1.5').asApproximateFloat()", 1.5],
    ["quantity('-1').sign()", -1n],
    ["isQuantity('2Gi') && !isQuantity('2GB') && isQuantity(string(object.spec.limits.cpu))", true],
  ])('quantity: %s', (expr, want) => {
    expect(run(expr)).toEqual(want);
  });

  it.each([
    ["'a-b-c'.replace('-', '_')", 'a_b_c'],
    ["'a-b-c'.replace('-', '_', 1)", 'a_b-c'],
    ["'redis'.charAt(1)", 'e'],
    ["'Redis'.lowerAscii() + 'x'.upperAscii()", 'redisX'],
    ["' x '.trim()", 'x'],
    ["'a,b,c'.split(',').join('/')", 'a/b/c'],
    ["'abcb'.indexOf('b') + 'abcb'.lastIndexOf('b')", 4n],
    ["'%s has %d pods (%.1f%%)'.format([dyn('sts'), dyn(6), dyn(12.34)])", 'sts has 6 pods (12.3%)'],
    ['strings.quote(\'say "hi"\')', '"say \\"hi\\""'],
  ])('strings: %s', (expr, want) => {
    expect(run(expr)).toEqual(want);
  });

  it.each([
    ['object.spec.weights.sum()', 6n],
    ['[1.5, 2.5].sum()', 4],
    ['object.spec.weights.max() + object.spec.weights.min()', 4n],
    ['object.spec.weights.isSorted() && !object.spec.tags.isSorted()', true],
    ["object.spec.tags.indexOf('a') + [1, 2, 1].lastIndexOf(1)", 3n],
  ])('lists: %s', (expr, want) => {
    expect(run(expr)).toEqual(want);
  });

  it.each([
    ["'abc 123 def 456'.find('[0-9]+')", '123'],
    ["'abc'.find('[0-9]+')", ''],
    ["'1, 2, 3'.findAll('[0-9]')", ['1', '2', '3']],
    ["'1, 2, 3'.findAll('[0-9]', 2)", ['1', '2']],
    ["'REDIS-7'.find('(?i)redis')", 'REDIS'],
    ["'redis:7.4.2'.matches('^redis:[0-9.]+$')", true],
  ])('regex: %s', (expr, want) => {
    expect(run(expr)).toEqual(want);
  });

  it.each([
    ["sets.contains(['a', 'b', 'c'], ['a', 'c'])", true],
    ['sets.equivalent([1, 2], [2, 1, 1])', true],
    ["sets.intersects(object.spec.tags, ['z'])", false],
    ["url('https://example.com:8443/a%20b?x=1&x=2').getPort()", '8443'],
    ["url('https://example.com/p').getHostname() + url('https://example.com/p').getScheme()", 'example.comhttps'],
    ["url('https://example.com/?x=1&x=2').getQuery()['x']", ['1', '2']],
    ["isURL('https://example.com') && !isURL('example.com')", true],
    ['object.spec.?missing.?deeper.orValue(7)', 7n],
    ['optional.of(1).hasValue() && !optional.none().hasValue()', true],
  ])('sets, URLs, optionals: %s', (expr, want) => {
    expect(run(expr)).toEqual(want);
  });

  it('fails like the API server on bad input', () => {
    expect(() => run("quantity('2GB')")).toThrow('quantity("2GB"): not a valid Kubernetes quantity');
    expect(() => run("quantity('1.5').asInteger()")).toThrow('without losing precision');
    expect(() => run('[].min()')).toThrow('min() of an empty list');
    expect(() => run("url('nope')")).toThrow('not an absolute URL');
  });
});
