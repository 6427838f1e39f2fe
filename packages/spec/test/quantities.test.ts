/** Quantity traps caught at the spec with the numbers spelled out, read with @redis-gitops/quantity. */
import { parseKubernetesQuantity } from '@redis-gitops/quantity';
import { BYTE_QUANTITY_FIELDS, byteQuantityProblem, CPU_QUANTITY_FIELDS, cpuQuantityProblem, environmentSchema, PROFILES } from '../src/index.ts';
import YAML from 'yaml';
import { CLUSTERS, parse, positionIn, problems, VALID } from './helpers.ts';

/** Independent of the code under test: Intl groups digits the way messages do. */
const grouped = (n: bigint | number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 }).format(n);
const MI = 2n ** 20n;

/** VALID plus each `path: value` (paths under spec, none of their keys already in VALID); values stay strings. */
function withFields(...entries: [readonly string[], string][]): string {
  const tree: Record<string, unknown> = {};
  for (const [path, value] of entries) {
    let at = tree;
    for (const k of path.slice(1, -1)) {
      at[k] ??= {};
      at = at[k] as Record<string, unknown>;
    }
    at[path.at(-1)!] = value;
  }
  const block = YAML.stringify(tree).trimEnd().split('\n');
  return `${VALID}${block.map((l) => `  ${l}`).join('\n')}\n`;
}

/** A byte field with `value`; its request/limit counterpart gets the same value, so only the field itself is judged. */
function withBytes(path: readonly string[], value: string): string {
  const other = path.includes('requests') ? 'limits' : path.includes('limits') ? 'requests' : undefined;
  return other ? withFields([path, value], [path.map((k) => (k === 'requests' || k === 'limits' ? other : k)), value]) : withFields([path, value]);
}

interface Node {
  pattern?: string;
  properties?: Record<string, Node>;
}
function pathsWithPattern(node: Node, pattern: string, at: string[] = []): string[] {
  const here = node.pattern === pattern ? [at.join('.')] : [];
  return [...here, ...Object.entries(node.properties ?? {}).flatMap(([k, c]) => pathsWithPattern(c, pattern, [...at, k]))];
}

describe('every quantity field of the spec is checked as bytes or as CPU', () => {
  it('the lists name exactly the schema fields with the Quantity pattern', () => {
    const schema = environmentSchema as Node;
    const quantityPattern = schema.properties!.spec!.properties!.resources!.properties!.requests!.properties!.memory!.pattern!;
    const listed = [...BYTE_QUANTITY_FIELDS.map((f) => f.path.join('.')), ...CPU_QUANTITY_FIELDS.map((p) => p.join('.'))].sort();
    expect(listed).toEqual(pathsWithPattern(schema, quantityPattern).sort());
  });
});

describe.each(BYTE_QUANTITY_FIELDS.map((f) => [f.path.join('.'), f] as const))('%s', (dotted, field) => {
  const key = `${field.path.at(-1)}: `;
  const one = (value: string) => {
    const text = withFields([field.path, value]);
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ...positionIn(text, key, key.length), path: dotted });
    return found[0]!;
  };

  it('512m is milli-bytes: says 0.512 bytes and suggests 512Mi', () => {
    const d = one('512m');
    expect(d.message).toBe(`"512m" is ${512 / 1000} bytes: m means milli (thousandths), not mega`);
    expect(d.hint).toBe(`write 512Mi for 512 mebibytes (${grouped(512n * MI)} bytes)`);
  });

  it('2G is decimal: says how many bytes, and how many 2Gi would be', () => {
    const d = one('2G');
    expect(d.message).toBe(`"2G" is ${grouped(2n * 10n ** 9n)} bytes (G is decimal giga), not 2Gi (${grouped(2n * 2n ** 30n)} bytes)`);
    expect(d.hint).toBe(`write 2Gi; if you do mean decimal gigabytes, write the bytes out: ${2n * 10n ** 9n}`);
  });

  it.each(['k', 'M', 'T'])('every decimal suffix (%s) is refused the same way', (suffix) => {
    const binary = `3${suffix === 'k' ? 'K' : suffix}i`;
    expect(one(`3${suffix}`).hint).toMatch(new RegExp(`^write ${binary}; `));
  });

  it('below 1Mi cannot be meant', () => {
    const d = one('512');
    expect(d.message).toBe(`"512" is 512 byte(s): too small for ${field.what}, the least is 1Mi (${grouped(MI)} bytes)`);
    expect(d.hint).toBe('a number without a unit counts bytes: did you mean 512Mi?');
    expect(one('1023Ki').message).toMatch(new RegExp(`^"1023Ki" is ${grouped(1023n * 1024n)} byte\\(s\\)`));
  });

  it.each(['1Mi', '1024Ki', `${MI}`, '1.5Gi', '2Ti'])('%s is accepted', (value) => {
    expect(() => parse(withBytes(field.path, value))).not.toThrow();
  });
});

describe('CPU quantities', () => {
  it.each(CPU_QUANTITY_FIELDS.map((p) => p.join('.')))('%s refuses byte units and huge multipliers', (dotted) => {
    const path = dotted.split('.');
    for (const value of ['2Gi', '1k']) {
      const text = withFields([path, value]);
      const [d, ...rest] = problems(text);
      expect(rest).toEqual([]);
      expect(d).toMatchObject({
        path: dotted,
        message: expect.stringMatching(new RegExp(`^"${value}" is ${grouped(parseKubernetesQuantity(value)!.numerator)} CPU cores: `)),
        hint: 'CPU is counted in cores (1, 0.5) or millicores (250m)',
      });
    }
    for (const value of ['250m', '1', '0.5']) expect(() => parse(withFields([path, value]))).not.toThrow();
  });
});

describe('requests must not exceed limits (CPU and memory), profile defaults included', () => {
  const resources = (yaml: string) => `${VALID}  resources:\n${yaml}`;
  const profile = PROFILES[CLUSTERS.clusters.find((c) => c.name === parse(VALID).spec.spec.cluster)!.profile];

  it('memory, both set', () => {
    const text = resources('    requests:\n      memory: 2Gi\n    limits:\n      memory: 1Gi\n');
    expect(problems(text)).toEqual([expect.objectContaining({ ...positionIn(text, '2Gi'), path: 'spec.resources.requests.memory', message: 'must be <= limits.memory 1Gi (got 2Gi)' })]);
  });

  it('CPU, both set', () => {
    const text = resources('    requests:\n      cpu: 1500m\n    limits:\n      cpu: "1"\n');
    expect(problems(text)).toEqual([expect.objectContaining({ ...positionIn(text, '1500m'), path: 'spec.resources.requests.cpu', message: 'must be <= limits.cpu 1 (got 1500m)' })]);
  });

  it('compares exactly: 1024Mi equals 1Gi', () => {
    expect(() => parse(resources('    requests:\n      memory: 1024Mi\n    limits:\n      memory: 1Gi\n'))).not.toThrow();
  });

  it('a request above the profile limit names the profile', () => {
    const text = resources('    requests:\n      memory: 4Gi\n');
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ path: 'spec.resources.requests.memory', message: `must be <= limits.memory ${profile.resources.limits.memory} (got 4Gi)` });
    expect(d!.hint).toContain(`the cluster's ${profile.name} profile: set spec.resources.limits.memory as well`);
  });

  it('a limit below the profile request is reported at the limit', () => {
    const text = resources('    limits:\n      memory: 64Mi\n');
    expect(problems(text)).toEqual([
      expect.objectContaining({ ...positionIn(text, '64Mi'), path: 'spec.resources.limits.memory', message: `must be >= requests.memory ${profile.resources.requests.memory} (got 64Mi)` }),
    ]);
  });

  it.each(Object.values(PROFILES))('profile $name is consistent on its own', (p) => {
    for (const kind of ['cpu', 'memory'] as const) {
      const limit = p.resources.limits[kind];
      if (limit) expect(parseKubernetesQuantity(p.resources.requests[kind])!.compareTo(parseKubernetesQuantity(limit)!)).toBeLessThanOrEqual(0);
    }
    for (const bytes of [p.resources.requests.memory, p.resources.limits.memory, p.persistenceSize]) expect(byteQuantityProblem(bytes, 'x')).toBeUndefined();
    for (const cpu of [p.resources.requests.cpu, p.resources.limits.cpu ?? '1']) expect(cpuQuantityProblem(cpu)).toBeUndefined();
  });
});

it('quantity traps are reported together with schema errors, each field once', () => {
  const text = `${VALID.replace('tier: dev', 'tier: prod')}  persistence:\n    size: 8G\n  backup:\n    size: 2 Gi\n`;
  expect(
    problems(text)
      .map((d) => d.path)
      .sort(),
  ).toEqual(['spec.backup.size', 'spec.persistence.size', 'spec.tier']);
});
