/**
 * The chart as the Raspberry Pi 4 edge cluster runs it (cluster profile `rpi4`), on Debian's
 * arm64 Redis under qemu-user: the values are the edge-pi4 environment's generated ones (its
 * cluster pi4-edge has profile rpi4 in environments/clusters.yaml), rendered by the real helm;
 * the pods, the bootstrap Job, the probes and every script's plain `redis-server`/`redis-cli`
 * run the arm64 build (Sandbox arch 'arm64', built by tools/setup.sh). Scenarios in order on one
 * cluster: install, SIGKILL of a master (failover, rejoin on a new IP), a full restart on new
 * IPs. Emulation is several times slower than native: timeouts are generous upper bounds, the
 * figures are printed, never asserted.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PROFILES } from '@redis-gitops/spec';
import { engineLabel, keysPresent, makeKeySet, roles, Sandbox, writeKeys, type Pod, type PodRole } from '@redis-gitops/redis-testkit';
import { assertWholeCluster, installCluster, killMasterAndWaitPromotion, restartAllOnNewIps } from './operations.ts';
import { CHART_DIR, type RedisClusterChart } from './redis-cluster-chart.ts';

/** The edge-pi4 example environment's generated chart values (pi4-edge cluster, profile rpi4). */
const EDGE_PI4_VALUES = path.resolve(CHART_DIR, '../../environments/edge-pi4/generated/redis-cluster.values.yaml');
const TEST_TIMEOUT_MS = 300_000;

let sandbox: Sandbox;
let chart: RedisClusterChart;
let pods: Pod[];
let installMs = 0;
const keys = makeKeySet('pi', 1000);
const figures: string[] = [];
const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};

const shape = (r: Record<string, PodRole>) => Object.fromEntries(Object.entries(r).map(([n, x]) => [n, { role: x.role, master: x.master, slots: x.slots, nodeId: x.nodeId }]));

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'chart-arm64', arch: 'arm64' });
  const t0 = Date.now();
  ({ chart } = await installCluster(sandbox, { values: [EDGE_PI4_VALUES] }));
  installMs = Date.now() - t0;
  pods = chart.pods;
  await writeKeys(pods, keys);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  if (figures.length > 0) console.log(`measured figures (arm64 ${engineLabel()} under qemu-user, rpi4 values):\n  ${figures.join('\n  ')}`);
});

describe('redis-cluster with the rpi4 profile on arm64 Redis (qemu-user)', () => {
  it('renders the rpi4 profile: arm64 nodes, its resources and snapshot schedule', () => {
    const sts = chart.current.find('StatefulSet', '');
    const spec = sts.spec.template.spec;
    expect(spec.nodeSelector).toMatchObject({ 'kubernetes.io/arch': 'arm64' });
    const redis = spec.containers.find((c: { name: string }) => c.name === 'redis');
    expect(redis.resources).toEqual(PROFILES.rpi4.resources);
    expect(chart.redisConf).toMatch(new RegExp(`^save ${PROFILES.rpi4.rdbSave}$`, 'm'));
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(PROFILES.rpi4.persistenceSize);
    expect(`${chart.shards}x${1 + chart.replicasPerShard}`).toBe('3x2');
  });

  it(
    'installs (bootstrap Job) and every pod is the arm64 build: INFO server says aarch64, 64 bits',
    async () => {
      figure(`install: 6 arm64 pods started, bootstrap Job done and the cluster fully healthy in ${(installMs / 1000).toFixed(1)}s`);
      await assertWholeCluster(chart, [keys], 'after install');
      for (const p of pods) {
        const info = await p.info('server');
        expect({ pod: p.name, os: /aarch64/.test(info.os ?? ''), bits: info.arch_bits }).toEqual({ pod: p.name, os: true, bits: '64' });
      }
      // The scripts (start-node.sh, the bootstrap Job, the probes) call plain redis-server/redis-cli: PATH gives them the arm64 wrappers.
      const which = await sandbox.exec('/bin/sh', { args: ['-c', 'command -v redis-server; command -v redis-cli'], env: chart.nodeEnv(pods[0]!) });
      expect(which.stdout.trim().split('\n')).toEqual(['redis-server', 'redis-cli'].map((b) => path.join(sandbox.root, 'bin', b)));
      // The profile's memory limit reaches redis: maxmemory = 0.75 x 256Mi.
      expect(await pods[0]!.command('CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', String(Math.floor(0.75 * 256 * 1024 * 1024))]);
      const r = await roles(pods);
      expect(Object.values(r).filter((x) => x.role === 'master')).toHaveLength(3);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'SIGKILL of a master: its replica is promoted, the old master rejoins on a new IP as a replica, every key stays',
    async () => {
      const master = pods[0]!;
      const { replica, deadIp, promotedMs, consistentMs } = await killMasterAndWaitPromotion(chart, master);
      expect(replica).toBe(pods[1]);
      figure(
        `failover: ${replica.name} promoted ${(promotedMs / 1000).toFixed(1)}s after SIGKILL of master ${master.name} (${deadIp}); survivors consistent after ${(consistentMs / 1000).toFixed(1)}s`,
      );
      expect(
        (
          await keysPresent(
            pods.filter((p) => p !== master),
            keys,
          )
        ).summary,
      ).toBe(`${keys.size}/${keys.size} keys present with the expected value`);

      const t0 = Date.now();
      await master.restart({ newIp: true });
      expect(master.ip).not.toBe(deadIp);
      const { elapsedMs } = await assertWholeCluster(chart, [keys], 'old master back');
      figure(`rejoin: old master ${master.name} back on ${master.ip}, fully healthy ${((Date.now() - t0) / 1000).toFixed(1)}s after its restart (health wait ${(elapsedMs / 1000).toFixed(1)}s)`);
      const r = await roles(pods);
      expect(r[master.name]).toMatchObject({ role: 'replica', master: replica.name });
      expect(r[replica.name]).toMatchObject({ role: 'master', slots: '0-5460' });
      expect((await master.info('server')).os).toMatch(/aarch64/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'every pod returns at once on new IPs: healthy with roles unchanged and every key',
    async () => {
      const before = await roles(pods);
      const oldIps = pods.map((p) => p.ip);
      const { listeningMs, healthyMs } = await restartAllOnNewIps(chart);
      for (const [i, p] of pods.entries()) expect(p.ip).not.toBe(oldIps[i]);
      await assertWholeCluster(chart, [keys], 'full restart on new IPs');
      figure(
        `full restart (all 6 arm64 pods on new IPs): all listening after ${(listeningMs / 1000).toFixed(1)}s, fully healthy (waitHealthy) ${(healthyMs / 1000).toFixed(1)}s after the restart began`,
      );
      expect(shape(await roles(pods))).toEqual(shape(before));
      for (const p of pods) expect((await p.info('server')).os).toMatch(/aarch64/);
    },
    TEST_TIMEOUT_MS,
  );
});
