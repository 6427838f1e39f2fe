/**
 * TLS wiring of the chart's scripts on real processes: Redis serves TLS only (port 0 + tls-port),
 * replication and the Sentinels' own connections use TLS (tls-replication yes), and every
 * redis-cli call of the scripts presents the pod certificate. The testkit's RESP client speaks
 * plain TCP, so the group is observed through the chart's own probes (which use redis-cli --tls).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Sandbox, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';

const TEST_TIMEOUT_MS = 120_000;
let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];

/** A CA and one certificate signed by it, like a cert-manager Certificate's Secret. */
function makeCerts(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=behaviour-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=redis', '-keyout', 'tls.key', '-out', 'tls.csr');
  openssl('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'tls.crt');
}

/** Runs a probe until it passes; returns its output. */
async function probe(pod: Pod, script: string, expected: RegExp, what: string): Promise<string> {
  const r = await waitFor(
    what,
    async () => {
      const x = await chart.runScript(pod, script);
      const out = `${x.stdout}${x.stderr}`.trim();
      return { done: x.code === 0 && expected.test(out), state: out, value: out };
    },
    { timeoutMs: 60_000, intervalMs: 500, context: () => sandbox.describe(20) },
  );
  return r.value!;
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-tls', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  chart = await RedisSentinelChart.render(sandbox, { set: ['tls.enabled=true', 'tls.existingSecret=redis-tls', 'backup.enabled=true'] });
  expect(chart.redisConf).toMatch(/^tls-replication yes$/m);
  chart.tlsDir = path.join(sandbox.root, 'tls-secret');
  chart.backupDir = path.join(sandbox.root, 'backup-volume');
  mkdirSync(chart.backupDir);
  makeCerts(chart.tlsDir);
  ({ redis, sentinels } = await chart.createPods());
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { waitUntil: 'spawned' })));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('redis-sentinel with tls.enabled', () => {
  it(
    'forms over TLS: pod 0 is master confirmed by the Sentinels, the replicas sync, the Sentinels see them',
    async () => {
      await probe(redis[0]!, 'readiness-redis.sh', /^ready: master with 2 replica\(s\), named by 3 of 3/, 'pod 0 to be a master with 2 replicas, confirmed by the Sentinels over TLS');
      for (const p of redis.slice(1)) await probe(p, 'readiness-redis.sh', /^ready: replica of .*master_link_status:up/, `${p.name} to sync over TLS`);
      for (const s of sentinels) await probe(s, 'readiness-sentinel.sh', /2 other Sentinel\(s\), 2 replica\(s\); OK 3 usable/, `${s.name} to see its peers and the replicas over TLS`);
      // Plain TCP is refused: `port 0`.
      const plain = await sandbox.exec('redis-cli', { args: ['-h', redis[0]!.ip, '-p', '6379', 'PING'], timeoutMs: 5000 });
      expect(`${plain.stdout}${plain.stderr}`).not.toMatch(/PONG/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'backs the master up over TLS (backup.sh: the Sentinels and redis-cli --rdb with the pod certificate)',
    async () => {
      const r = await chart.startBackup('backup-tls').succeeded(60_000);
      const out = r.output.join('\n');
      expect(out).toMatch(new RegExp(`backup: 3 of 3 reachable Sentinel\\(s\\) name master ${redis[0]!.ip}:6379`));
      const sets = readdirSync(chart.backupDir!).filter((n) => /^\d{8}T\d{6}Z$/.test(n));
      expect(sets).toHaveLength(1);
      expect(existsSync(path.join(chart.backupDir!, sets[0]!, 'manifest.json'))).toBe(true);
      expect(
        readFileSync(path.join(chart.backupDir!, sets[0]!, 'master.rdb'))
          .subarray(0, 5)
          .toString(),
      ).toBe('REDIS');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails over and brings the old master back as a replica, all over TLS',
    async () => {
      const old = redis[0]!;
      await old.kill();
      const promoted = await waitFor(
        'a replica to be promoted over TLS',
        async () => {
          for (const p of redis.slice(1)) {
            const x = await chart.runScript(p, 'readiness-redis.sh');
            if (x.code === 0 && /^ready: master/.test(x.stdout)) return { done: true, state: x.stdout, value: p };
          }
          return { done: false, state: 'no confirmed master yet' };
        },
        { timeoutMs: 60_000, intervalMs: 500, context: () => sandbox.describe(20) },
      );
      old.moveTo(await sandbox.allocateIp());
      await chart.start(old, { waitUntil: 'spawned' });
      const out = await probe(old, 'readiness-redis.sh', /^ready: replica of /, 'the old master to rejoin as a replica over TLS');
      expect(out).toContain(`replica of ${promoted.value!.ip}:6379`);
      await expect(old.waitForLog(/start-redis: .*and it answers ROLE master: starting as replica of/, 1000)).resolves.toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );
});
