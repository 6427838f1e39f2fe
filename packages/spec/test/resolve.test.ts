import { environmentSchema, PROFILES } from '../src/index.ts';
import { parse, VALID } from './helpers.ts';

interface Node {
  properties?: Record<string, Node>;
  default?: unknown;
}

/** Every (path, default) pair the schema declares under spec. */
function schemaDefaults(node: Node, at: string[] = []): [string[], unknown][] {
  const out: [string[], unknown][] = [];
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    if (child.default !== undefined) out.push([[...at, k], child.default]);
    out.push(...schemaDefaults(child, [...at, k]));
  }
  return out;
}

describe('resolveEnvironment', () => {
  // Optional blocks whose fields have defaults are given (with only their required fields), so those defaults show.
  const WITH_OPTIONAL_BLOCKS = `${VALID}  backup:\n    remote:\n      endpoint: https://s3.example.com\n      bucket: redis-backups\n      credentialsSecret: s3-credentials\n      egress:\n        - cidr: 10.0.64.0/24\n`;
  const resolved = parse(WITH_OPTIONAL_BLOCKS).resolved as unknown as Record<string, unknown>;
  const specSchema = (environmentSchema as { properties: { spec: Node } }).properties.spec;
  const defaults = schemaDefaults(specSchema);

  it('has defaults to check', () => {
    expect(defaults.length).toBeGreaterThan(15);
  });

  it.each(defaults.map(([p, v]) => [p.join('.'), v] as const))('applies the documented @default of spec.%s', (dotted, value) => {
    const got = dotted.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], resolved);
    expect(got).toEqual(value);
  });

  it('takes hardware-dependent defaults from the cluster profile', () => {
    const pi = parse(VALID.replace('cluster: x86-dev', 'cluster: pi4-edge')).resolved;
    expect(pi.cluster.arch).toBe('arm64');
    expect(pi.resources).toEqual(PROFILES.rpi4.resources);
    expect(pi.persistence.size).toBe(PROFILES.rpi4.persistenceSize);
  });

  it('lets the spec override the profile', () => {
    const text = `${VALID}  resources:\n    limits:\n      memory: 300Mi\n`;
    const r = parse(text).resolved;
    expect(r.resources.limits.memory).toBe('300Mi');
    expect(r.resources.requests.memory).toBe(PROFILES.small.resources.requests.memory);
  });

  it('enables backups by default only in production', () => {
    expect(parse(VALID).resolved.backup.enabled).toBe(false);
    expect(parse(VALID.replace('tier: dev', 'tier: production')).resolved.backup.enabled).toBe(true);
  });

  it('sizes the backup volume for every kept set plus the one being written', () => {
    // small profile: 256Mi limit x 3 shards x (7 + 1) sets = 6Gi
    expect(parse(VALID).resolved.backup.size).toBe('6Gi');
  });
});
