/** Schema errors in the reader's terms: examples instead of regexes, and how YAML read a value. */
import { checkAgainstSchema, clustersSchema, environmentSchema, type Locator } from '../src/index.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { positionIn, problems, ROOT, VALID } from './helpers.ts';

interface Node {
  pattern?: string;
  examples?: unknown;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
  [key: string]: unknown;
}

/** Every schema node (with its JSON path) that has a `pattern`. */
function patternNodes(node: Node, at = '$'): [string, Node][] {
  const out: [string, Node][] = node.pattern !== undefined ? [[at, node]] : [];
  for (const [k, child] of Object.entries(node.properties ?? {})) out.push(...patternNodes(child, `${at}.${k}`));
  if (node.items) out.push(...patternNodes(node.items, `${at}[]`));
  if (node.additionalProperties && typeof node.additionalProperties === 'object') out.push(...patternNodes(node.additionalProperties, `${at}.*`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    for (const [i, n] of ((node[key] as Node[] | undefined) ?? []).entries()) out.push(...patternNodes(n, `${at}<${key}${i}>`));
  }
  for (const [k, def] of Object.entries((node.definitions as Record<string, Node> | undefined) ?? {})) out.push(...patternNodes(def, `#/definitions/${k}`));
  return out;
}

const nowhere: Locator = { file: 'x.yaml', positionOf: () => ({ line: 1, col: 1 }), keyPositionOf: () => ({ line: 1, col: 1 }) };

const chartSchema = (chart: string) => JSON.parse(readFileSync(path.join(ROOT, 'charts', chart, 'values.schema.json'), 'utf8')) as Node;

describe.each([
  ['environment', environmentSchema as Node],
  ['clusters', clustersSchema as Node],
  // Chart values: a chart that rejects a generated value reports it at the spec field, in these terms.
  ...['redis-cluster', 'redis-sentinel', 'redis-monitoring', 'redis-netpol'].map((c) => [`${c} values`, chartSchema(c)] as [string, Node]),
])('the %s schema: every pattern has examples, and messages show them instead of the regex', (_, schema) => {
  const nodes = patternNodes(schema);

  it('has pattern fields', () => {
    expect(nodes.length).toBeGreaterThan(0);
  });

  it.each(nodes)('%s has @examples that match its own pattern', (_, node) => {
    expect(Array.isArray(node.examples) && node.examples.length > 0).toBe(true);
    for (const example of node.examples as unknown[]) expect(example).toMatch(new RegExp(node.pattern!, 'u'));
  });

  it.each(nodes)('%s: a value that does not match gets the examples, and no regex', (_, node) => {
    const bad = 'Not Valid!';
    expect(bad).not.toMatch(new RegExp(node.pattern!, 'u'));
    const [d, ...rest] = checkAgainstSchema({ ...node }, bad, nowhere);
    expect(rest).toEqual([]);
    const examples = (node.examples as string[]).map((e) => JSON.stringify(e));
    expect(d!.message).toBe(`must look like ${examples.length > 1 ? `${examples.slice(0, -1).join(', ')} or ${examples.at(-1)}` : examples[0]} (got "Not Valid!")`);
    expect(d!.message).not.toContain(node.pattern!);
    expect(d!.message).not.toMatch(/[\^$]/);
  });
});

describe('pattern errors in a spec', () => {
  it('show the examples at the field', () => {
    const text = VALID.replace('namespace: redis-test', 'namespace: Redis_Test');
    expect(problems(text)).toEqual([expect.objectContaining({ ...positionIn(text, 'Redis_Test'), path: 'spec.namespace', message: 'must look like "redis-prod" (got "Redis_Test")' })]);
  });
});

describe('a string field given a number or boolean says how YAML read it and suggests quotes', () => {
  const withRedis = (line: string) => VALID.replace('  auth:', `  redis:\n    ${line}\n  auth:`);

  it('version: 7.4 (the example from the issue)', () => {
    const text = withRedis('version: 7.4');
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d).toEqual({
      file: d!.file,
      ...positionIn(text, '7.4'),
      path: 'spec.redis.version',
      message: 'must be a string (got the number 7.4): YAML reads 7.4 as a number',
      hint: 'write "7.4.2" in quotes',
    });
  });

  it('quotes what was written, not what YAML made of it', () => {
    const [d] = problems(withRedis('version: 7.20'));
    expect(d!.message).toBe('must be a string (got the number 7.2): YAML reads 7.20 as the number 7.2');
  });

  it('suggests what was written when it is valid once quoted (no examples needed)', () => {
    const [d] = problems(VALID.replace('  name: test-env\n', '  name: test-env\n  labels:\n    build: 2024\n'));
    expect(d).toMatchObject({ path: 'metadata.labels.build', message: 'must be a string (got the number 2024): YAML reads 2024 as a number', hint: 'write "2024" in quotes' });
  });

  it('a boolean', () => {
    const [d] = problems(VALID.replace('existingSecret: redis-auth', 'existingSecret: true'));
    expect(d).toMatchObject({ path: 'spec.auth.existingSecret', message: 'must be a string (got the boolean true): YAML reads true as a boolean', hint: 'write "true" in quotes' });
  });

  it('an empty value', () => {
    const [d] = problems(withRedis('version:'));
    expect(d).toMatchObject({ path: 'spec.redis.version', message: 'must be a string (got nothing): the value is empty', hint: 'give it a value, e.g. "7.4.2", or remove the line' });
  });

  it('a number in quotes for an integer field', () => {
    const [d] = problems(VALID.replace('shards: 3', 'shards: "3"'));
    expect(d).toMatchObject({ message: 'must be integer (got "3")', hint: 'write 3 without quotes: quoted, YAML reads it as a string' });
  });
});
