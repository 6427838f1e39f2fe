/**
 * Behaviour of the chart's bootstrap Job script (bootstrap.sh) with the chart's own start-node.sh,
 * redis.conf and env, on real redis-server processes (one loopback IP per pod).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { runHelm } from 'redis-gitops/io/helm.ts';
import { clusterHealth, keysPresent, makeKeySet, roles, rolesText, Sandbox, waitHealthy, writeKeys, type Pod } from '@redis-gitops/redis-testkit';
import { assertShardShape, assertWholeCluster, helmUpgrade, JOB_TIMEOUT_MS } from './operations.ts';
import { CHART_DIR, RedisClusterChart } from './redis-cluster-chart.ts';

const HEALTH_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.cleanup();
  sandbox = undefined;
});

async function startPods(set: readonly string[] = []): Promise<{ chart: RedisClusterChart; pods: Pod[] }> {
  sandbox = await Sandbox.create({ name: 'chart-bootstrap' });
  const chart = await RedisClusterChart.render(sandbox, { set });
  const pods = await chart.createPods();
  await Promise.all(pods.map((p) => chart.startNode(p)));
  return { chart, pods };
}

/**
 * Shard layout the chart promises (shard-major): pod s*(1+R) is shard s's master with slots[s]; the
 * other pods of its group of 1+R replicate it, so a replica is never on its master's pod.
 */
async function expectShardLayout(chart: RedisClusterChart, pods: readonly Pod[], slots: readonly string[]): Promise<void> {
  const r = await roles(pods);
  const group = 1 + chart.replicasPerShard;
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    if (i % group === 0) {
      expect({ pod: p.name, role: r[p.name]!.role, slots: r[p.name]!.slots }).toEqual({ pod: p.name, role: 'master', slots: slots[i / group] });
    } else {
      const master = pods[i - (i % group)]!;
      expect({ pod: p.name, role: r[p.name]!.role, master: r[p.name]!.master }).toEqual({ pod: p.name, role: 'replica', master: master.name });
      expect(master.name).not.toBe(p.name);
    }
  }
}

/** CLUSTER SLOTS of every pod: exactly these ranges, each served by its shard's master pod. */
async function expectClusterSlots(pods: readonly Pod[], ranges: ReadonlyArray<readonly [number, number, Pod]>): Promise<void> {
  const want = ranges.map(([a, b, m]) => `${a}-${b}@${m.address}`).sort();
  for (const p of pods) {
    const reply = (await p.command('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
    expect({ pod: p.name, slots: reply.map(([a, b, m]) => `${a}-${b}@${m[0]}:${m[1]}`).sort() }).toEqual({ pod: p.name, slots: want });
  }
}

describe('bootstrap.sh (the chart bootstrap Job) on 3 masters + 3 replicas', () => {
  it(
    'creates the cluster with an even split: all 16384 slots, every replica on another pod than its master',
    async () => {
      const { chart, pods } = await startPods();
      expect(chart.bootstrapEnv('SLOTS')).toBe('');
      const job = chart.startBootstrap();
      const result = await job.succeeded(120_000);
      const { report, elapsedMs } = await waitHealthy(pods, HEALTH_TIMEOUT_MS);
      console.log(`bootstrap (even split): job ${result.durationMs}ms, fully healthy ${elapsedMs}ms later: ${report.summary}`);
      await expectShardLayout(chart, pods, ['0-5460', '5461-10922', '10923-16383']);
      await expectClusterSlots(pods, [
        [0, 5460, pods[0]!],
        [5461, 10922, pods[2]!],
        [10923, 16383, pods[4]!],
      ]);
      const keys = makeKeySet('even', 2000);
      await writeKeys(pods, keys);
      expect((await keysPresent(pods, keys)).summary).toBe('2000/2000 keys present with the expected value');
      // Rerunning the Job (every helm upgrade does) changes nothing.
      const again = await chart.startBootstrap('bootstrap-again').succeeded(60_000);
      expect(again.output.join('\n')).toMatch(/cluster already formed and healthy/);
      expect((await clusterHealth(pods)).problems).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'creates the explicit layout 0-5000;5001-10000;10001-16383 from cluster.slots',
    async () => {
      const { chart, pods } = await startPods(['cluster.slots={0-5000,5001-10000,10001-16383}']);
      expect(chart.bootstrapEnv('SLOTS')).toBe('0-5000;5001-10000;10001-16383');
      const result = await chart.startBootstrap().succeeded(120_000);
      const { report, elapsedMs } = await waitHealthy(pods, HEALTH_TIMEOUT_MS);
      console.log(`bootstrap (explicit layout): job ${result.durationMs}ms, fully healthy ${elapsedMs}ms later: ${report.summary}`);
      await expectShardLayout(chart, pods, ['0-5000', '5001-10000', '10001-16383']);
      await expectClusterSlots(pods, [
        [0, 5000, pods[0]!],
        [5001, 10000, pods[2]!],
        [10001, 16383, pods[4]!],
      ]);
      const keys = makeKeySet('explicit', 2000);
      await writeKeys(pods, keys);
      expect((await keysPresent(pods, keys)).ok).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'completes the cluster when the Job is killed halfway and runs again',
    async () => {
      const { chart, pods } = await startPods();
      // Run 1: SIGKILL right after the first master got its slots (like a Job pod deleted mid-create).
      const first = chart.startBootstrap('bootstrap-killed-after-slots');
      await first.waitForOutput(/shard 0: .* takes \d+ slot/, 60_000);
      await first.kill();
      const afterFirst = await clusterHealth(pods);
      console.log(`bootstrap killed after the first ADDSLOTSRANGE: ${afterFirst.summary}`);
      expect(afterFirst.healthy).toBe(false);

      // Run 2: SIGKILL once the mesh is formed, before or while the replicas are attached.
      const second = chart.startBootstrap('bootstrap-killed-after-meet');
      const secondOut = await second.waitForOutput(/meet: all \d+ nodes know each other|roles: /, 90_000);
      await second.kill();
      const afterSecond = await clusterHealth(pods);
      console.log(`bootstrap rerun killed at "${secondOut.replace(/^\S+ /, '')}": ${afterSecond.summary}`);
      expect(second.lines().join('\n')).toMatch(/only \d+\/16384 assigned|slots: all 16384 already assigned/);

      // Run 3: completes.
      const third = await chart.startBootstrap('bootstrap-final').succeeded(120_000);
      const { report, elapsedMs } = await waitHealthy(pods, HEALTH_TIMEOUT_MS);
      console.log(`bootstrap after two killed runs: job ${third.durationMs}ms, fully healthy ${elapsedMs}ms later: ${report.summary}`);
      await expectShardLayout(chart, pods, ['0-5460', '5461-10922', '10923-16383']);
      const keys = makeKeySet('resumed', 2000);
      await writeKeys(pods, keys);
      expect((await keysPresent(pods, keys)).ok).toBe(true);
      expect(rolesText(await roles(pods))).toContain(`${pods[1]!.name} -> ${pods[0]!.name}`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'refuses to change the number of shards of an explicit layout, saying what to do; reverting the values recovers',
    async () => {
      // At render time: a layout with fewer entries than shards.
      const render = await runHelm(['template', 'rc', CHART_DIR, '--set', 'cluster.shards=4', '--set', 'cluster.slots={0-5000,5001-10000,10001-16383}']);
      expect(render.code).not.toBe(0);
      expect(render.stderr).toMatch(
        /cluster\.slots has 3 entries but cluster\.shards is 4: give one entry per shard\. To change the number of shards of a running cluster, set cluster\.slots to \[\] instead/,
      );

      const explicit3 = 'cluster.slots={0-5000,5001-10000,10001-16383}';
      const { chart, pods } = await startPods([explicit3]);
      await chart.startBootstrap().succeeded(120_000);
      await waitHealthy(pods, HEALTH_TIMEOUT_MS);
      const keys = makeKeySet('explicit-scale', 1000);
      await writeKeys(pods, keys);
      const before = await roles(pods);

      // A valid 4-entry layout renders, but the post-upgrade Job will not move slots to it.
      const up = await helmUpgrade(chart, ['cluster.shards=4', 'cluster.slots={0-4000,4001-8000,8001-12000,12001-16383}'], { bootstrap: (start) => start('refused').done });
      console.log(`explicit layout, 3 -> 4 shards: the bootstrap Job says:\n  ${up.bootstrap.output.filter((l) => /FATAL/.test(l)).join('\n  ')}`);
      expect(up.scaleIn.output.join('\n')).toMatch(/nothing to scale in/);
      expect(up.bootstrap.code).not.toBe(0);
      expect(up.bootstrap.output.join('\n')).toMatch(
        /FATAL: cluster\.slots is an explicit layout and the cluster has 3 shard\(s\) owning slots while cluster\.shards is 4: the Jobs move slots only to keep an EVEN split, never to an explicit layout\. Either set cluster\.slots to \[\] .* or set cluster\.shards back to 3 .*No slot was moved/,
      );
      const during = await roles(chart.pods);
      for (const p of pods) expect({ pod: p.name, slots: during[p.name]!.slots }).toEqual({ pod: p.name, slots: before[p.name]!.slots });
      expect((await keysPresent(chart.pods, keys)).ok).toBe(true);

      // Reverting the values: the scale-in Job removes the new pods' nodes (they own no slots).
      const back = await helmUpgrade(chart, [explicit3]);
      expect(back.scaleIn.output.join('\n')).toMatch(new RegExp(`leaving: ${chart.podName(6)} .*master with 0 slot`));
      expect(back.removed.map((x) => x.pod)).toEqual([chart.podName(6), chart.podName(7)]);
      await assertWholeCluster(chart, [keys], 'after reverting to the explicit 3-shard layout');
      await assertShardShape(chart);
      await expectClusterSlots(chart.pods, [
        [0, 5000, pods[0]!],
        [5001, 10000, pods[2]!],
        [10001, 16383, pods[4]!],
      ]);
    },
    TEST_TIMEOUT_MS + JOB_TIMEOUT_MS,
  );
});
