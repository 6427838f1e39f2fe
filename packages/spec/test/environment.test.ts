import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic } from '@redis-gitops/diagnostics';
import { FILE, parse, positionIn, problems, ROOT, VALID } from './helpers.ts';

describe('parseEnvironment: the example environments', () => {
  const names = readdirSync(path.join(ROOT, 'environments'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  it.each(names)('%s parses and resolves', (name) => {
    const file = `environments/${name}/environment.yaml`;
    const env = parse(readFileSync(path.join(ROOT, file), 'utf8'), file);
    expect(env.resolved.name).toBe(name);
    expect(env.resolved.cluster.name).toBe(env.spec.spec.cluster);
  });
});

describe('parseEnvironment: bad input gets file:line:col, path, expectation and hint', () => {
  it('reports shards < 3 in cluster mode exactly as documented', () => {
    const text = VALID.replace('shards: 3', 'shards: 2');
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    // shards sits on line 10, its value starts at column 13.
    expect(formatDiagnostic(d!)).toBe(`${FILE}:10:13 spec.topology.shards: must be >= 3 (got 2) — Number of masters in cluster mode. Redis Cluster needs at least 3 masters.`);
  });

  it('reports malformed YAML with its position', () => {
    const text = VALID.replace('  tier: dev', '  tier: [dev');
    const [d] = problems(text);
    expect(d!.message).toMatch(/^invalid YAML/);
    expect(d!.line).toBeGreaterThanOrEqual(8);
    expect(d!.file).toBe(FILE);
  });

  it('reports a duplicate key by name, with the line of the first one', () => {
    const text = VALID.replace('  tier: dev', '  tier: dev\n  tier: production');
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ ...positionIn(text, 'tier: production'), path: 'spec.tier', message: `duplicate key "tier" (also on line ${positionIn(text, 'tier: dev').line})` });
  });

  it('reports a wrong type with what was found', () => {
    const [d] = problems(VALID.replace('shards: 3', 'shards: three'));
    expect(d).toMatchObject({ line: 10, col: 13, path: 'spec.topology.shards', message: 'must be integer (got "three")' });
  });

  it('reports an unknown field with a did-you-mean hint at the key', () => {
    const [d] = problems(VALID.replace('shards: 3', 'shard: 3'));
    expect(d).toMatchObject({ line: 10, col: 5, path: 'spec.topology.shard', message: 'unknown field "shard"', hint: 'did you mean "shards"?' });
  });

  it('refuses an inline password and says where passwords go', () => {
    const [d] = problems(VALID.replace('    existingSecret: redis-auth', '    existingSecret: redis-auth\n    password: hunter2'));
    expect(d!.path).toBe('spec.auth.password');
    expect(d!.hint).toMatch(/Secret/);
  });

  it('reports a missing required field at its parent', () => {
    const [d] = problems(VALID.replace('  auth:\n    existingSecret: redis-auth\n', ''));
    expect(d).toMatchObject({ path: 'spec.auth', message: 'missing required field "auth"', line: 5 });
    expect(d!.hint).toMatch(/Secret/);
  });

  it('refuses a restore from the bucket without a bucket, at spec.restore.source', () => {
    const text = `${VALID}  restore:\n    fromSet: 20261202T021700Z\n    source: remote\n`;
    const [d, ...rest] = problems(text);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ ...positionIn(text, 'remote'), path: 'spec.restore.source', message: 'is remote but spec.backup.remote names no bucket' });
    expect(d!.hint).toMatch(/set spec\.backup\.remote/);
  });

  it("requires the bucket endpoint's networks for redis-netpol, and refuses the whole internet", () => {
    const remote = `${VALID}  backup:\n    remote:\n      endpoint: https://s3.example.com\n      bucket: redis-backups\n      credentialsSecret: s3-credentials\n`;
    const [missing] = problems(remote);
    expect(missing).toMatchObject({ path: 'spec.backup.remote.egress', message: 'missing required field "egress"' });
    expect(missing!.hint).toMatch(/NetworkPolicy/);
    const [open] = problems(`${remote}      egress:\n        - cidr: 0.0.0.0/0\n`);
    expect(open!.path).toBe('spec.backup.remote.egress[0].cidr');
    const env = parse(`${remote}      egress:\n        - cidr: 10.0.64.0/24\n        - cidr: 2001:db8::/64\n          port: 9000\n`);
    expect(env.resolved.backup.remote!.egress).toEqual([
      { cidr: '10.0.64.0/24', port: 443 },
      { cidr: '2001:db8::/64', port: 9000 },
    ]);
  });

  it('reports an enum miss with a suggestion', () => {
    const [d] = problems(VALID.replace('tier: dev', 'tier: prod'));
    expect(d!.message).toBe('must be one of dev, staging, production (got "prod")');
    expect(d!.hint).toBe('did you mean "production"?');
  });

  it('reports every schema problem at once, not only the first', () => {
    const text = VALID.replace('shards: 3', 'shard: 3').replace('tier: dev', 'tier: prod').replace('namespace: redis-test', 'namespace: Redis_Test');
    const paths = problems(text)
      .map((d) => d.path)
      .sort();
    expect(paths).toEqual(['spec.namespace', 'spec.tier', 'spec.topology.shard']);
  });

  it('reports an unknown cluster with the closest known name', () => {
    const [d] = problems(VALID.replace('cluster: x86-dev', 'cluster: x86-dve'));
    expect(d).toMatchObject({ path: 'spec.cluster', message: 'unknown cluster "x86-dve"' });
    expect(d!.hint).toMatch(/did you mean "x86-dev"/);
  });

  it('reports overlapping explicit slot ranges with the slots at fault', () => {
    const text = VALID.replace('shards: 3', 'shards: 3\n    slots: ["0-5000", "4990-10000", "10001-16383"]');
    const [d] = problems(text);
    expect(d).toMatchObject({ path: 'spec.topology.slots[1]', message: 'overlaps shard 0: slot(s) 4990-5000 are assigned twice' });
  });

  it('reports an incomplete explicit slot layout with the missing slots', () => {
    const text = VALID.replace('shards: 3', 'shards: 3\n    slots: ["0-5000", "5001-10000", "10001-16000"]');
    const [d] = problems(text);
    expect(d).toMatchObject({ path: 'spec.topology.slots', message: 'slot(s) 16001-16383 are not assigned to any shard (383 of 16384 missing)' });
  });

  it('reports a slot layout whose entry count differs from shards', () => {
    const text = VALID.replace('shards: 3', 'shards: 4\n    slots: ["0-5000", "5001-10000", "10001-16383"]');
    expect(problems(text).map((d) => d.message)).toContain('has 3 entries but spec.topology.shards is 4');
  });

  it('requires metadata.name to match the folder', () => {
    const [d] = problems(VALID, 'environments/other/environment.yaml');
    expect(d).toMatchObject({ path: 'metadata.name', message: 'must equal the folder name "other" (got "test-env")' });
  });

  it('rejects cluster-only fields in sentinel mode and a quorum above the sentinel count', () => {
    const text = VALID.replace('shards: 3', 'mode: sentinel\n    shards: 3\n    sentinel:\n      count: 3\n      quorum: 4');
    expect(
      problems(text)
        .map((d) => `${d.path}: ${d.message}`)
        .sort(),
    ).toEqual(['spec.topology.sentinel.quorum: must be <= sentinel.count 3 (got 4)', 'spec.topology.shards: only applies to mode: cluster']);
  });

  it('rejects a memory request above the limit', () => {
    const text = `${VALID}  resources:\n    requests:\n      memory: 2Gi\n    limits:\n      memory: 1Gi\n`;
    expect(problems(text)[0]!.message).toBe('must be <= limits.memory 1Gi (got 2Gi)');
  });
});

describe('parseEnvironment: allowed clients', () => {
  const withClients = (yaml: string) => `${VALID}  network:\n    allowedClients:\n${yaml}`;
  it('refuses an entry that names no client (it would admit everyone)', () => {
    expect(problems(withClients('      - {}\n')).map((d) => `${d.path}: ${d.message}`)).toEqual(['spec.network.allowedClients[0]: names no client']);
  });
  it('refuses namespace together with namespaceSelector, and empty selectors', () => {
    const text = withClients('      - namespace: apps\n        namespaceSelector:\n          team: a\n      - podSelector: {}\n');
    expect(
      problems(text)
        .map((d) => `${d.path}: ${d.message}`)
        .sort(),
    ).toEqual(['spec.network.allowedClients[0].namespaceSelector: cannot be combined with namespace', 'spec.network.allowedClients[1].podSelector: is empty, which matches everything']);
  });
});
