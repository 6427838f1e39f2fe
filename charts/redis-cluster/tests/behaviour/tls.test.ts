/**
 * redis-cluster with tls.enabled on real processes: TLS only (port 0 + tls-port) on the client
 * port, replication (tls-replication) and the cluster bus (tls-cluster); the chart's own bootstrap
 * Job forms the cluster over TLS. The harness's kubelet runs the rendered readiness probe, which
 * also reloads changed TLS files at runtime (tls-lib.sh), so a CA rotation (ca.crt = old + new CA,
 * then certificates of the new CA, then ca.crt = new CA) runs under a continuous TLS client with
 * no refused connection and no failed command. Certificates come from Debian's openssl.
 * The Secret is one dir shared by every pod (the harness's stand-in for the chart's TLS Secret
 * volume), updated the way kubelet updates a mounted Secret (all files at once).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  asText,
  caBundle,
  makeCa,
  makeCert,
  parseInfo,
  RespConnection,
  Sandbox,
  tlsClientOptions,
  waitFor,
  writeTlsSecret,
  type CertFiles,
  type Pod,
  type RespArg,
  type RespTlsOptions,
  type RespValue,
} from '@redis-gitops/redis-testkit';
import { RedisClusterChart, TEST_PASSWORD } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 120_000;
/** How long every node gets to reload and log one step of the CA rotation (a bound against a hang). */
const PHASE_TIMEOUT_MS = 90_000;
const SECRET = 'redis-tls';

let sandbox: Sandbox;
let chart: RedisClusterChart;
let pods: Pod[];
let certDir: string;
/** The TLS Secret's mounted dir, shared by every pod. */
let secretDir: string;
let caOld: CertFiles;
let caNew: CertFiles;
let podOld: CertFiles;
let podNew: CertFiles;

/** What a client trusts and presents: the files of the Secret as they are now (an app mounting the same Secret). */
function secretClientTls(): RespTlsOptions {
  return { ca: readFileSync(path.join(secretDir, 'ca.crt')), cert: readFileSync(path.join(secretDir, 'tls.crt')), key: readFileSync(path.join(secretDir, 'tls.key')) };
}

async function call(pod: Pod, tls: RespTlsOptions, ...args: RespArg[]): Promise<RespValue> {
  const c = await RespConnection.open({ host: pod.ip, port: 6379, password: TEST_PASSWORD, tls, connectTimeoutMs: 2000 });
  try {
    return await c.call(...args);
  } finally {
    c.close();
  }
}
const info = async (pod: Pod, section: string) => parseInfo(asText(await call(pod, secretClientTls(), 'INFO', section)));

/** sha256 of tls.crt + tls.key + ca.crt, as tls-lib.sh stamps it. */
function secretHash(): string {
  const h = createHash('sha256');
  for (const f of ['tls.crt', 'tls.key', 'ca.crt']) h.update(readFileSync(path.join(secretDir, f)));
  return h.digest('hex');
}

/**
 * The container log as the probes write it: the chart points PRESTOP_LOG_FILE (which tls-lib.sh
 * also writes to) at /proc/1/fd/1, and the harness maps that to <pod dir>/prestop.log.
 */
function containerLog(pod: Pod): string[] {
  const file = path.join(pod.dir, 'prestop.log');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}
async function waitForContainerLog(pod: Pod, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const r = await waitFor(
    `${pod.name} to log ${pattern}`,
    () => {
      const hit = containerLog(pod).find((l) => pattern.test(l));
      return { done: hit !== undefined, state: containerLog(pod).slice(-3).join('\n') || '(nothing logged)', value: hit };
    },
    { timeoutMs, intervalMs: 200 },
  );
  return r.value!;
}

/** The Secret's files now, to put back after a test broke them. */
function snapshotSecret(): Parameters<typeof writeTlsSecret>[1] & { key: string } {
  const f = (n: string) => readFileSync(path.join(secretDir, n), 'utf8');
  const crt = path.join(certDir, `snapshot-${Date.now()}.crt`);
  const key = path.join(certDir, `snapshot-${Date.now()}.key`);
  writeFileSync(crt, f('tls.crt'));
  writeFileSync(key, f('tls.key'));
  return { cert: { name: 'snapshot', crt, key }, key: f('tls.key'), ca: f('ca.crt') };
}

/** Every pod's readiness probe (the harness's kubelet) passes in a run that started after `since`. */
async function allReady(since: number, timeoutMs = 60_000): Promise<void> {
  await Promise.all(pods.map((p) => chart.waitReady(p, since, timeoutMs)));
}

/** Runs readiness.sh until its output matches; returns it. */
async function probeUntil(pod: Pod, expected: RegExp, what: string, timeoutMs = 30_000): Promise<{ code: number | null; out: string }> {
  const r = await waitFor(
    what,
    async () => {
      const x = await chart.runScript(pod, 'readiness.sh');
      const out = `${x.stdout}${x.stderr}`.trim();
      return { done: expected.test(out), state: out, value: { code: x.code, out } };
    },
    { timeoutMs, intervalMs: 300, context: () => pod.describe(20) },
  );
  return r.value!;
}

/** role, master pod name (replicas) and slot count per pod, over TLS. */
async function layout(): Promise<Record<string, string>> {
  const nodes = asText(await call(pods[0]!, secretClientTls(), 'CLUSTER', 'NODES'));
  const byIp = new Map(pods.map((p) => [p.ip, p.name]));
  const byId = new Map<string, string>();
  for (const l of nodes.trim().split('\n')) byId.set(l.split(' ')[0]!, byIp.get(l.split(' ')[1]!.split(':')[0]!) ?? '?');
  const out: Record<string, string> = {};
  for (const l of nodes.trim().split('\n')) {
    const [id, , flags, master] = l.split(' ');
    out[byId.get(id!)!] = flags!.includes('master') ? 'master' : `replica of ${byId.get(master!)}`;
  }
  return out;
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'cluster-tls', requires: ['redis-server', 'redis-cli'] });
  certDir = path.join(sandbox.root, 'certs');
  secretDir = path.join(sandbox.root, 'tls-secret');
  caOld = makeCa(certDir, 'ca-old');
  caNew = makeCa(certDir, 'ca-new');
  podOld = makeCert(certDir, 'redis-old', caOld);
  podNew = makeCert(certDir, 'redis-new', caNew);
  writeTlsSecret(secretDir, { cert: podOld, ca: caBundle(caOld) });
  chart = await RedisClusterChart.render(sandbox, { set: ['tls.enabled=true', `tls.existingSecret=${SECRET}`, 'cluster.nodeTimeout=2000'] });
  expect(chart.redisConf).toMatch(/^tls-cluster yes$/m);
  expect(chart.redisConf).toMatch(/^tls-replication yes$/m);
  expect(chart.redisConf).toMatch(/^port 0$/m);
  // The harness has no stand-in for a Secret volume: the TLS Secret is secretDir (or a pod's own).
  const standIns = chart.volumeStandIns.bind(chart);
  chart.volumeStandIns = (pod, base) => ({
    ...standIns(pod, base),
    secret: (name, volume) => {
      if (name !== SECRET) throw new Error(`volume ${volume} mounts Secret ${name}, expected ${SECRET}`);
      return secretDir;
    },
  });
  pods = await chart.createPods();
  // The testkit's readiness wait speaks plain TCP: with TLS the pods are watched through the chart's probes.
  await Promise.all(pods.map((p) => chart.startNode(p, { waitUntil: 'spawned' })));
  const since = Date.now();
  await chart.startBootstrap().succeeded(60_000);
  await allReady(since);
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('redis-cluster with tls.enabled', () => {
  it(
    'forms over TLS (client port, replication, cluster bus); plain TCP is refused; a client without a certificate is refused',
    async () => {
      const l = await layout();
      expect(Object.values(l).filter((r) => r === 'master')).toHaveLength(3);
      for (const p of pods) {
        const ci = parseInfo(asText(await call(p, secretClientTls(), 'CLUSTER', 'INFO')));
        expect({ pod: p.name, state: ci.cluster_state, slots: ci.cluster_slots_ok }).toEqual({ pod: p.name, state: 'ok', slots: '16384' });
        if (l[p.name] !== 'master') expect((await info(p, 'replication')).master_link_status).toBe('up');
        const tlsConf = await call(p, secretClientTls(), 'CONFIG', 'GET', 'tls-*');
        const conf = Object.fromEntries((tlsConf as string[]).flatMap((x, i, a) => (i % 2 === 0 ? [[x, a[i + 1]]] : [])) as Array<[string, string]>);
        expect({ pod: p.name, port: conf['tls-port'], cluster: conf['tls-cluster'], replication: conf['tls-replication'], authClients: conf['tls-auth-clients'] }).toEqual({
          pod: p.name,
          port: '6379',
          cluster: 'yes',
          replication: 'yes',
          authClients: 'yes',
        });
      }
      // Plain TCP on the client port: the TLS listener drops it (no PONG).
      const plain = await sandbox.exec('redis-cli', { args: ['-h', pods[0]!.ip, '-p', '6379', '--no-auth-warning', '-a', TEST_PASSWORD, 'PING'], timeoutMs: 5000 });
      expect(`${plain.stdout}${plain.stderr}`).not.toMatch(/PONG/);
      // TLS without a client certificate: tls-auth-clients yes refuses it.
      await expect(call(pods[0]!, { ca: readFileSync(caOld.crt) }, 'PING')).rejects.toThrow();
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails over over TLS: the replica of a killed master is promoted, the old master rejoins as its replica',
    async () => {
      const before = await layout();
      const victim = pods.find((p) => before[p.name] === 'master')!;
      const heir = pods.find((p) => before[p.name] === `replica of ${victim.name}`)!;
      await call(victim, secretClientTls(), 'SET', '{tls}k', 'v1');
      await victim.kill();
      const promoted = await probeUntil(heir, /^ready: master /, `${heir.name} to be promoted over the TLS bus`);
      expect(promoted.code).toBe(0);
      const since = Date.now();
      await chart.startNode(victim, { waitUntil: 'spawned' });
      await chart.waitReady(victim, since, 60_000);
      const after = await layout();
      expect(after[heir.name]).toBe('master');
      expect(after[victim.name]).toBe(`replica of ${heir.name}`);
      expect((await info(victim, 'replication')).master_link_status).toBe('up');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('CA rotation (old CA -> bundle -> new certificates -> new CA only) under a continuous TLS client', () => {
  it(
    'reloads at runtime on every node: no refused connection, no failed command, no resync, no failover; the old CA is refused at the end',
    async () => {
      const syncs = async () => Object.fromEntries(await Promise.all(pods.map(async (p) => [p.name, (await info(p, 'stats')).sync_full] as const)));
      const epochBefore = parseInfo(asText(await call(pods[0]!, secretClientTls(), 'CLUSTER', 'INFO'))).cluster_current_epoch;
      const syncBefore = await syncs();
      const rolesBefore = await layout();
      // The client: a long-lived connection per node (opened with the old files) and, in a loop, a
      // fresh connection to each node with the Secret's files as they are at that moment.
      const long = await Promise.all(pods.map((p) => RespConnection.open({ host: p.ip, port: 6379, password: TEST_PASSWORD, tls: secretClientTls() })));
      const failures: string[] = [];
      let fresh = 0;
      let longOps = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          for (const [i, p] of pods.entries()) {
            try {
              const reply = await call(p, secretClientTls(), 'PING');
              if (reply !== 'PONG') failures.push(`${p.name} fresh: ${String(reply)}`);
              fresh += 1;
            } catch (e) {
              failures.push(`${p.name} fresh: ${(e as Error).message}`);
            }
            try {
              await long[i]!.call('ECHO', String(longOps));
              longOps += 1;
            } catch (e) {
              failures.push(`${p.name} long-lived: ${(e as Error).message}`);
            }
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const logged: string[] = [];
      const phase = async (what: string, files: Parameters<typeof writeTlsSecret>[1]) => {
        writeTlsSecret(secretDir, files);
        const h = secretHash().slice(0, 12);
        const t0 = Date.now();
        // Every node's readiness probe (kubelet, every periodSeconds) reloads and logs it to the pod log. The wait is a
        // bound against a hang: on a loaded 2-core machine (the whole test command) a probe can take its full
        // timeoutSeconds and be killed before it logs, and the next one, a period later, reloads and logs.
        const lines = await Promise.all(pods.map((p) => waitForContainerLog(p, new RegExp(`readiness: TLS: reloaded tls\\.crt, tls\\.key and ca\\.crt at runtime .*-> ${h}`), PHASE_TIMEOUT_MS)));
        logged.push(lines[0]!);
        console.log(`${what}: all ${pods.length} nodes reloaded in ${Date.now() - t0} ms`);
      };
      try {
        await phase('ca.crt = old + new CA', { ca: caBundle(caOld, caNew) });
        await phase('certificates of the new CA', { cert: podNew });
        await phase('ca.crt = new CA only', { ca: caBundle(caNew) });
      } finally {
        stop = true;
        await loop;
      }
      for (const c of long) c.close();
      console.log(`rotation: ${fresh} fresh TLS connections, ${longOps} commands on long-lived ones, failures: ${failures.length}; e.g. ${logged[0]}`);
      expect(failures).toEqual([]);
      expect(fresh).toBeGreaterThan(50);
      // Replication and the bus stayed up: no full resync, no failover, every node still ready.
      expect(await syncs()).toEqual(syncBefore);
      expect(parseInfo(asText(await call(pods[0]!, secretClientTls(), 'CLUSTER', 'INFO'))).cluster_current_epoch).toBe(epochBefore);
      expect(await layout()).toEqual(rolesBefore);
      for (const p of pods) {
        if (rolesBefore[p.name] !== 'master') expect((await info(p, 'replication')).master_link_status).toBe('up');
      }
      await allReady(Date.now());
      // A client that trusts only the old CA refuses the servers' new certificates, and a client
      // certificate of the old CA is refused by the servers.
      await expect(call(pods[0]!, tlsClientOptions(caBundle(caOld), podOld), 'PING')).rejects.toThrow(/self.signed|verify|unable/i);
      await expect(call(pods[0]!, tlsClientOptions(caBundle(caOld, caNew), podOld), 'PING')).rejects.toThrow(/unknown ca|closed|reset/i);
      expect(await call(pods[0]!, tlsClientOptions(caBundle(caNew), podNew), 'PING')).toBe('PONG');
    },
    3 * PHASE_TIMEOUT_MS + TEST_TIMEOUT_MS,
  );
});

describe('a bad certificate in the Secret: the readiness probe names it, the pod log says it once, the servers keep their good files', () => {
  const cases: Array<{ what: string; files: () => Parameters<typeof writeTlsSecret>[1]; reason: RegExp }> = [
    {
      what: 'an expired tls.crt',
      files: () => ({ cert: makeCert(certDir, 'redis-expired', caNew, { window: { notBefore: '20250101000000Z', notAfter: '20250201000000Z' } }) }),
      reason: /^not ready: TLS: tls\.crt expired at 2025-02-01T00:00:00Z \(valid from 2025-01-01T00:00:00Z\); renew the certificate/,
    },
    {
      what: 'a tls.key that does not match tls.crt',
      files: () => ({ cert: podNew, key: readFileSync(makeCert(certDir, 'redis-other', caNew).key, 'utf8') }),
      reason: /^not ready: TLS: tls\.key does not match tls\.crt/,
    },
    {
      what: 'a tls.crt signed by a CA that is not in ca.crt',
      files: () => ({ cert: makeCert(certDir, 'redis-foreign', makeCa(certDir, 'ca-foreign')) }),
      reason: /^not ready: TLS: .*not signed by a CA the server trusts/,
    },
  ];
  for (const c of cases) {
    it(
      c.what,
      async () => {
        const good = snapshotSecret();
        writeTlsSecret(secretDir, c.files());
        try {
          const r = await probeUntil(pods[0]!, c.reason, `readiness.sh to name ${c.what}`);
          expect(r.code).toBe(1);
          expect(r.out.split('\n')).toHaveLength(1);
          // The pod log gets the reason once (from the kubelet's probe runs), not once per run.
          const logged = new RegExp(c.reason.source.replace('^not ready: ', 'readiness: '));
          await waitForContainerLog(pods[1]!, logged);
          await new Promise((r2) => setTimeout(r2, 6_000)); // more probe periods
          expect(containerLog(pods[1]!).filter((l) => logged.test(l))).toHaveLength(1);
          // The servers keep the files they had loaded: a client with the good files gets answers.
          expect(await call(pods[0]!, tlsClientOptions(good.ca!, good.cert!), 'PING')).toBe('PONG');
        } finally {
          writeTlsSecret(secretDir, good);
        }
        await allReady(Date.now());
      },
      TEST_TIMEOUT_MS,
    );
  }
});
