import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClusters, parseEnvironment } from '@redis-gitops/spec';
import YAML from 'yaml';
import { checkChartValues, generateEnvironment, mergeValues, redisClusterValues, specPathFor } from '../src/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const clusters = parseClusters(readFileSync(path.join(ROOT, 'environments/clusters.yaml'), 'utf8'), 'environments/clusters.yaml');
const load = (name: string, change: (t: string) => string = (t) => t) => {
  const file = `environments/${name}/environment.yaml`;
  return parseEnvironment(change(readFileSync(path.join(ROOT, file), 'utf8')), file, clusters);
};
const chartVersion = (chart: string) => (YAML.parse(readFileSync(path.join(ROOT, `charts/${chart}/Chart.yaml`), 'utf8')) as { version: string }).version;
const CTX = { chartVersions: Object.fromEntries(['redis-cluster', 'redis-sentinel', 'redis-monitoring', 'redis-netpol'].map((c) => [c, chartVersion(c)])) };
const schemaOf = (chart: string) => JSON.parse(readFileSync(path.join(ROOT, `charts/${chart}/values.schema.json`), 'utf8'));
const defaultsOf = (chart: string) => YAML.parse(readFileSync(path.join(ROOT, `charts/${chart}/values.yaml`), 'utf8'));
const chartSchema = schemaOf('redis-cluster');
const chartDefaults = defaultsOf('redis-cluster');

describe('redisClusterValues', () => {
  it('makes anti-affinity hard in production and staging, soft in dev', () => {
    const placement = (env: string) => {
      const s = redisClusterValues(load(env).resolved).values.scheduling!;
      return { arch: s.arch, antiAffinity: s.antiAffinity };
    };
    expect(placement('prod-x86')).toEqual({ arch: 'amd64', antiAffinity: 'hard' });
    expect(placement('edge-pi4')).toEqual({ arch: 'arm64', antiAffinity: 'hard' });
    expect(placement('dev-x86')).toEqual({ arch: 'amd64', antiAffinity: 'soft' });
  });

  it("passes the cluster's scheduling defaults (clusters.yaml) through: the Pi cluster's dedicated nodes, the x86 production priority class", () => {
    const pi = redisClusterValues(load('edge-pi4').resolved).values;
    expect(pi.scheduling).toMatchObject({
      nodeSelector: { 'redis-gitops.dev/dedicated': 'redis' },
      tolerations: [{ key: 'redis-gitops.dev/dedicated', operator: 'Equal', value: 'redis', effect: 'NoSchedule' }],
      priorityClassName: '',
    });
    expect(redisClusterValues(load('prod-x86').resolved).values.scheduling?.priorityClassName).toBe('redis-critical');
    expect(redisClusterValues(load('dev-x86').resolved).values).toMatchObject({ imagePullSecrets: [], podAnnotations: {}, cluster: { nodeTimeout: 5000 } });
  });

  it('targets arm64 and the Pi profile for the edge cluster', () => {
    const v = redisClusterValues(load('edge-pi4').resolved).values;
    expect(v.scheduling?.arch).toBe('arm64');
    expect(v.resources?.limits).toEqual({ cpu: '1', memory: '256Mi' });
  });

  it('passes the explicit slot layout through', () => {
    expect(redisClusterValues(load('prod-x86').resolved).values.cluster?.slots).toEqual(['0-5000', '5001-10000', '10001-16383']);
  });

  it.each(['dev-x86', 'prod-x86', 'edge-pi4'])('produces values every chart schema accepts for %s', (name) => {
    const env = load(name);
    const charts = generateEnvironment(env.resolved, CTX).charts;
    expect(charts.length).toBeGreaterThanOrEqual(2);
    for (const cv of charts) expect(checkChartValues(cv, schemaOf(cv.chart), defaultsOf(cv.chart), env.source)).toEqual([]);
  });
});

describe('checkChartValues', () => {
  it('reports a rejected value at the spec field it came from', () => {
    const env = load('prod-x86');
    const strict = structuredClone(chartSchema);
    strict.properties.persistence.properties.size.pattern = '^[0-9]+Ti$';
    strict.properties.persistence.properties.size.examples = ['2Ti'];
    const [d, ...rest] = checkChartValues(redisClusterValues(env.resolved), strict, chartDefaults, env.source);
    expect(rest).toEqual([]);
    const line =
      readFileSync(path.join(ROOT, env.file), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('size: 16Gi')) + 1;
    expect(d).toMatchObject({ file: env.file, line, path: 'spec.persistence.size' });
    expect(d!.message).toBe('chart redis-cluster rejects the generated value persistence.size: must look like "2Ti" (got "16Gi")');
  });
});

describe('helpers', () => {
  it('specPathFor uses the longest matching prefix', () => {
    const p = { a: 'spec.a', 'a.b': 'spec.ab' };
    expect(specPathFor(p, 'a.b.c')).toBe('spec.ab');
    expect(specPathFor(p, 'a.x')).toBe('spec.a');
    expect(specPathFor(p, 'a.b[2]')).toBe('spec.ab');
    expect(specPathFor(p, 'z')).toBeUndefined();
  });

  it('mergeValues merges maps and replaces lists and scalars, like helm', () => {
    expect(mergeValues({ a: { x: 1, y: 2 }, l: [1, 2], s: 'a' }, { a: { y: 3 }, l: [9], s: 'b' })).toEqual({ a: { x: 1, y: 3 }, l: [9], s: 'b' });
  });
});

describe('generateEnvironment', () => {
  it('is deterministic and labels every file as generated', () => {
    const a = generateEnvironment(load('prod-x86').resolved, CTX);
    const b = generateEnvironment(load('prod-x86').resolved, CTX);
    expect(a.files).toEqual(b.files);
    expect(a.files.map((f) => f.path)).toEqual([
      'generated/README.md',
      'generated/RUNBOOK.md',
      'generated/apps/redis-cluster.yaml',
      'generated/apps/redis-monitoring.yaml',
      'generated/apps/redis-netpol.yaml',
      'generated/redis-cluster.values.yaml',
      'generated/redis-monitoring.values.yaml',
      'generated/redis-netpol.values.yaml',
    ]);
    for (const f of a.files) expect(f.content).toMatch(/GENERATED by redis-gitops .* DO NOT EDIT/);
  });

  it('summarises the environment in the generated README', () => {
    const readme = generateEnvironment(load('prod-x86').resolved, CTX).files.find((f) => f.path.endsWith('README.md'))!.content;
    expect(readme).toMatch(/\| Slots \| `0-5000` \/ `5001-10000` \/ `10001-16383` \|/);
    expect(readme).toMatch(/\| Backup \| `17 2 \* \* \*`, keep 14 \|/);
  });

  it('changes only what the spec changed', () => {
    const before = generateEnvironment(load('dev-x86').resolved, CTX).files.find((f) => f.path.endsWith('.values.yaml'))!.content;
    const after = generateEnvironment(load('dev-x86', (t) => t.replace('size: 1Gi', 'size: 5Gi')).resolved, CTX).files.find((f) => f.path.endsWith('.values.yaml'))!.content;
    const changed = after.split('\n').filter((l, i) => l !== before.split('\n')[i]);
    expect(changed).toEqual(['  size: 5Gi']);
  });
});

describe('monitoring', () => {
  it('targets the Redis release and its shard count, and follows the spec toggles', () => {
    const cv = generateEnvironment(load('prod-x86').resolved, CTX).charts.find((c) => c.chart === 'redis-monitoring')!;
    expect(cv.values).toMatchObject({ target: { release: 'prod-x86', chart: 'redis-cluster', shards: 3, replicasPerShard: 1 }, alerts: { enabled: true } });
    const off = generateEnvironment(load('dev-x86', (t) => t.replace('monitoring:\n    enabled: true', 'monitoring:\n    enabled: false')).resolved, CTX);
    expect(off.charts.map((c) => c.chart)).toEqual(['redis-cluster', 'redis-netpol']);
    expect((off.charts[0]!.values as { metrics?: { enabled?: boolean } }).metrics?.enabled).toBe(false);
  });
});

describe('netpol', () => {
  it('turns the spec clients into chart clients, own namespace included', () => {
    const cv = generateEnvironment(load('prod-x86').resolved, CTX).charts.find((c) => c.chart === 'redis-netpol')!;
    expect(cv.values).toMatchObject({
      target: { release: 'prod-x86', chart: 'redis-cluster' },
      clients: [
        { namespace: 'payments', podSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'checkout' } } },
        { namespaceSelector: { matchLabels: { 'redis-gitops.dev/client': 'prod-x86' } } },
      ],
      monitoring: { enabled: true, namespace: 'monitoring' },
    });
  });
});

describe('the bucket (spec.backup.remote): its egress in redis-netpol, and a restore from it', () => {
  const chartOf = (env: ReturnType<typeof load>, chart: string) => generateEnvironment(env.resolved, CTX).charts.find((c) => c.chart === chart)!.values as Record<string, any>;

  it('admits the backup and drill pods to the endpoint networks; the Redis pods only while a restore downloads a set', () => {
    expect(chartOf(load('prod-x86'), 'redis-netpol').backup).toEqual({ egress: [{ cidr: '10.0.64.0/24', port: 443 }], restoreFromBucket: false });
    const restoring = load('prod-x86', (t) => t.replace(/^spec:\n/m, 'spec:\n  restore:\n    fromSet: 20261202T021700Z\n    source: remote\n'));
    expect(chartOf(restoring, 'redis-netpol').backup).toEqual({ egress: [{ cidr: '10.0.64.0/24', port: 443 }], restoreFromBucket: true });
    // No bucket: no egress beyond the chart's defaults.
    expect(chartOf(load('dev-x86'), 'redis-netpol').backup).toBeUndefined();
  });

  it('a restore from the bucket with backups off still gets the bucket settings (no upload): the chart renders its fetch', () => {
    const env = load('prod-x86', (t) => t.replace(/^ {2}backup:\n/m, '  backup:\n    enabled: false\n').replace(/^spec:\n/m, 'spec:\n  restore:\n    fromSet: 20261202T021700Z\n    source: remote\n'));
    const values = chartOf(env, 'redis-cluster');
    expect(values.backup.enabled).toBe(false);
    expect(values.backup.remote).toMatchObject({ enabled: false, endpoint: 'https://s3.eu-west-1.amazonaws.com', bucket: 'payments-redis-backups', credentialsSecret: 'redis-backup-s3' });
    expect(values.restore).toEqual({ fromSet: '20261202T021700Z', source: 'remote' });
    expect(chartOf(env, 'redis-netpol').backup.restoreFromBucket).toBe(true);
  });
});

describe('spec.restore: every runbook procedure is a change to environment.yaml', () => {
  it.each([
    ['prod-x86', 'redis-cluster'],
    ['sessions-sentinel', 'redis-sentinel'],
  ])('%s: spec.restore.fromSet reaches the %s chart as restore.fromSet, and the chart schema takes it', (env, chart) => {
    const withRestore = load(env, (t) => t.replace(/^spec:\n/m, 'spec:\n  restore:\n    fromSet: 20261202T021700Z\n'));
    const values = generateEnvironment(withRestore.resolved, CTX).charts.find((c) => c.chart === chart)!;
    expect((values.values as { restore: { fromSet: string } }).restore).toEqual({ fromSet: '20261202T021700Z', source: 'volume' });
    expect(checkChartValues(values, schemaOf(chart), defaultsOf(chart), withRestore.source)).toEqual([]);
    const without = generateEnvironment(load(env).resolved, CTX).charts.find((c) => c.chart === chart)!;
    expect((without.values as { restore: { fromSet: string } }).restore).toEqual({ fromSet: '', source: 'volume' });
  });

  it('refuses a set name that is not one, with an example', () => {
    expect(() => load('prod-x86', (t) => t.replace(/^spec:\n/m, 'spec:\n  restore:\n    fromSet: latest\n'))).toThrow(/spec\.restore\.fromSet: must look like "20261202T021700Z" \(got "latest"\)/);
  });

  it.each(['prod-x86', 'sessions-sentinel', 'dev-x86'])('the %s RUNBOOK never asks to edit generated values', (env) => {
    const runbook = generateEnvironment(load(env).resolved, CTX).files.find((f) => f.path.endsWith('RUNBOOK.md'))!.content;
    // Every value a procedure sets is a spec field; chart values keys appear only under spec.
    expect(runbook).not.toMatch(/set `restore\.fromSet`|values\.yaml.*(edit|set)|--set /);
    if (/Backups run/.test(runbook)) expect(runbook).toMatch(/spec:\n {2}restore:\n {4}fromSet: /);
  });
});
