/**
 * The RUNBOOK's bucket procedures follow the environment: they appear exactly when the backup Job
 * uploads (spec.backup.remote with backups on), and every command names this environment's
 * bucket, prefix, endpoint and Secrets. (packages/cli/test/runbook.test.ts checks the same runbooks
 * against the objects helm renders.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseClusters, parseEnvironment } from '@redis-gitops/spec';
import YAML from 'yaml';
import { generateEnvironment } from '../src/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const clusters = parseClusters(readFileSync(path.join(ROOT, 'environments/clusters.yaml'), 'utf8'), 'environments/clusters.yaml');
const chartVersion = (chart: string) => (YAML.parse(readFileSync(path.join(ROOT, `charts/${chart}/Chart.yaml`), 'utf8')) as { version: string }).version;
const CTX = { chartVersions: Object.fromEntries(['redis-cluster', 'redis-sentinel', 'redis-monitoring', 'redis-netpol'].map((c) => [c, chartVersion(c)])) };

function generated(name: string, change: (t: string) => string = (t) => t) {
  const file = `environments/${name}/environment.yaml`;
  const env = parseEnvironment(change(readFileSync(path.join(ROOT, file), 'utf8')), file, clusters).resolved;
  const runbook = generateEnvironment(env, CTX).files.find((f) => f.path.endsWith('RUNBOOK.md'))!.content;
  return { env, runbook };
}

/** The lines that only make sense with a bucket. */
const bucketLines = (runbook: string) => runbook.split('\n').filter((l) => /RCLONE_CONFIG_|rclone |s3:\/\/|source: remote|bucket:/.test(l));

const EDGE_BUCKET = `    remote:
      endpoint: http://minio.storage.svc:9000
      bucket: edge-backups
      prefix: /sites/pi4/
      pathStyle: true
      credentialsSecret: edge-s3
      egress:
        - cidr: 10.43.0.0/16
          port: 9000
`;

describe('RUNBOOK bucket procedures', () => {
  it('are there exactly when the backup Job uploads', () => {
    for (const name of ['dev-x86', 'edge-pi4', 'prod-x86', 'sessions-sentinel']) {
      const { env, runbook } = generated(name);
      const uploads = env.backup.enabled && env.backup.remote !== undefined;
      expect({ name, bucket: bucketLines(runbook).length > 0 }).toEqual({ name, bucket: uploads });
      expect({ name, listing: runbook.includes('\n### List the sets\n') }).toEqual({ name, listing: env.backup.enabled });
    }
    // A bucket without backups: the chart uploads nothing, so the runbook offers no bucket.
    const off = generated('prod-x86', (t) => t.replace('    schedule: "17 2 * * *"\n', '    enabled: false\n    schedule: "17 2 * * *"\n'));
    expect(off.env.backup.remote).toBeDefined();
    expect(bucketLines(off.runbook)).toEqual([]);
  });

  it("name the environment's own bucket, prefix (the environment name by default), endpoint and Secrets", () => {
    const { env, runbook } = generated('prod-x86');
    const r = env.backup.remote!;
    expect(r.prefix).toBe('prod-x86');
    expect(runbook).toContain(`s3://${r.bucket}/prod-x86/`);
    expect(runbook).toContain(`RCLONE_CONFIG_BUCKET_ENDPOINT='${r.endpoint}' RCLONE_CONFIG_BUCKET_REGION='${r.region}' RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE=false`);
    expect(runbook).toContain(`get secret ${r.credentialsSecret} -o jsonpath='{.data.access-key-id}'`);
    expect(runbook).toContain(`get secret ${r.credentialsSecret} -o jsonpath='{.data.secret-access-key}'`);
    // Encrypted: the crypt remote over <bucket>/<prefix>, its password from the crypt Secret, listed through crypt:.
    expect(runbook).toContain(`RCLONE_CONFIG_CRYPT_REMOTE='bucket:${r.bucket}/prod-x86'`);
    expect(runbook).toContain(`get secret ${r.encryptionSecret} -o jsonpath='{.data.crypt-password}' | base64 -d | rclone obscure -`);
    expect(runbook).toMatch(/^R=crypt:/m);
    expect(runbook).toContain(`purge 'bucket:${r.bucket}/prod-x86'`);
    // A new environment must name the old prefix: its own default would be its own name.
    expect(runbook).toMatch(/^ {9}prefix: prod-x86 +# /m);
    expect(runbook).toMatch(/spec:\n {2}restore:\n {4}fromSet: 20261202T021700Z .*\n {4}source: remote\n/);
  });

  it('follow a plain bucket with a custom prefix and path-style requests', () => {
    const { runbook } = generated('edge-pi4', (t) => t.replace(/^ {4}remoteOptOut: .*\n/m, EDGE_BUCKET));
    expect(runbook).toContain('s3://edge-backups/sites/pi4/');
    expect(runbook).toContain("RCLONE_CONFIG_BUCKET_ENDPOINT='http://minio.storage.svc:9000' RCLONE_CONFIG_BUCKET_REGION='us-east-1' RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE=true");
    expect(runbook).toContain("R='bucket:edge-backups/sites/pi4/'");
    expect(runbook).not.toContain('RCLONE_CONFIG_CRYPT');
    expect(runbook).not.toContain('crypt:');
    expect(runbook).toContain("purge 'bucket:edge-backups/sites/pi4'");
    expect(runbook).toMatch(/^ {9}prefix: sites\/pi4 +# /m);
    expect(runbook).toContain('get secret edge-s3 -o jsonpath=');
  });

  it('without a bucket, restore from the volume and say a new environment cannot reach the sets', () => {
    const { runbook } = generated('edge-pi4');
    expect(bucketLines(runbook)).toEqual([]);
    expect(runbook).toMatch(/spec:\n {2}restore:\n {4}fromSet: 20261202T021700Z .*\n {4}source: volume\n/);
    expect(runbook).toContain('another environment cannot reach these sets');
    // staging: hard anti-affinity, so a volume restore needs storage that ignores ReadWriteOnce.
    expect(runbook).toContain("This environment's hard anti-affinity puts the pods on different nodes: a restore");
  });
});

describe('RUNBOOK redis-cli commands', () => {
  it.each([
    ['prod-x86', true],
    ['sessions-sentinel', false],
  ])('%s: log in as the pod does (its ACL user when set, TLS with its client certificate when on)', (name, acl) => {
    const tls = (t: string) => t.replace(/^spec:\n/m, 'spec:\n  tls:\n    enabled: true\n    existingSecret: redis-tls\n');
    for (const [change, withTls] of [[(t: string) => t, false] as const, [tls, true] as const]) {
      const { env, runbook } = generated(name, change);
      expect(env.tls.enabled).toBe(withTls);
      expect(env.auth.acl.enabled).toBe(acl);
      // Every command line that runs redis-cli in a pod, the alert sections' checks included.
      const calls = runbook.split('\n').filter((l) => /kubectl .*redis-cli /.test(l));
      expect(calls.length).toBeGreaterThan(5);
      for (const l of calls) {
        expect({ l, tls: l.includes('--tls --cacert /tls/ca.crt --cert /tls/tls.crt --key /tls/tls.key') }).toEqual({ l, tls: withTls });
        if (l.includes('$REDIS_PASSWORD')) expect(l).toMatch(/\$\{REDIS_USER:\+--user \\?"\\?\$REDIS_USER\\?"\}/);
      }
    }
  });
});
