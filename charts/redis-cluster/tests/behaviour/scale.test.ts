/**
 * Scaling the number of shards with the chart's own Jobs and pod scripts, on real redis-server
 * processes, simulated exactly as `helm upgrade --set cluster.shards=N` runs it (operations.ts):
 * pre-upgrade scale-in Job, then the StatefulSet change (new pods at the next ordinals start with
 * start-node.sh; removed pods at the top are deleted with preStop + SIGTERM, their volumes
 * retained), then the post-upgrade bootstrap Job. A steady write load runs through a cluster
 * client that follows MOVED/ASK; a write counts as acknowledged only when a replica confirmed it
 * (WAIT 1). The scenarios run in order on one cluster: 3 -> 4 -> 4 (no change) -> 3 -> 4 shards.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeKeySet, roles, Sandbox, waitFor, writeKeys, writeLoadText, type Job, type JobResult, type Pod, type WriteLoadReport } from '@redis-gitops/redis-testkit';
import { assertShardShape, assertWholeCluster, helmUpgrade, installCluster, JOB_TIMEOUT_MS, slotCounts, withWriteLoad } from './operations.ts';
import { nodesConf, TEST_PASSWORD, type RedisClusterChart } from './redis-cluster-chart.ts';

const TEST_TIMEOUT_MS = 300_000;

let sandbox: Sandbox;
let chart: RedisClusterChart;
const known = makeKeySet('known', 2000);
/** Every write the load got acknowledged (OK + WAIT 1), over all phases. */
const acked = new Map<string, string>();
const figures: string[] = [];
const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};

/** Runs `fn` under a 100 writes/s load (acknowledged = OK + WAIT 1); records acknowledged writes; prints the failed ones. */
async function underLoad<T>(phase: string, fn: () => Promise<T>): Promise<T> {
  let report: WriteLoadReport | undefined;
  try {
    const r = await withWriteLoad(chart, { keysPrefix: `load-${phase.replace(/\W+/g, '-')}`, waitReplicas: 1 }, fn);
    report = r.report;
    return r.result;
  } finally {
    if (report) {
      for (const w of report.acknowledged) acked.set(w.key, w.value);
      figure(`${phase}: writes during the phase (100/s, acknowledged = OK + WAIT 1): ${writeLoadText(report)}`);
    }
  }
}

/** Each master's share is within 2% of the even split (redis-cli rebalance's threshold). */
async function expectEvenSplit(shards: number): Promise<Record<string, number>> {
  const counts = await slotCounts(chart);
  expect(Object.keys(counts)).toHaveLength(shards);
  for (const [pod, n] of Object.entries(counts)) expect({ pod, evenWithin2Percent: Math.abs(n - 16384 / shards) <= (16384 / shards) * 0.02 }).toEqual({ pod, evenWithin2Percent: true });
  return counts;
}

/** What a Job killed in the middle of one slot's move leaves behind: the slot MIGRATING on its owner, IMPORTING on `target`, some keys already moved. */
async function leaveSlotOpen(target: Pod): Promise<string> {
  const pods = chart.pods;
  for (const p of pods) {
    const open = String(await p.command('CLUSTER', 'NODES')).match(/\[(\d+)->-/);
    if (open) return `slot ${open[1]} was left open by the kill itself (migrating on ${p.name})`;
  }
  const targetId = String(await target.command('CLUSTER', 'MYID'));
  const r = await roles(pods);
  for (const [key] of known) {
    const slot = Number(await pods[0]!.command('CLUSTER', 'KEYSLOT', key));
    const owner = pods.find(
      (p) =>
        r[p.name]!.role === 'master' &&
        p !== target &&
        r[p.name]!.slots.split(',').some((range) => {
          const [a, b = a] = range.split('-').map(Number);
          return slot >= a! && slot <= b!;
        }),
    );
    if (!owner) continue;
    const ownerId = String(await owner.command('CLUSTER', 'MYID'));
    await target.command('CLUSTER', 'SETSLOT', slot, 'IMPORTING', ownerId);
    await owner.command('CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId);
    await owner.command('MIGRATE', target.ip, target.port, '', 0, 5000, 'AUTH', TEST_PASSWORD, 'KEYS', key);
    return `no slot was open after the kill; opened slot ${slot} by hand (MIGRATING on ${owner.name}, IMPORTING on ${target.name}, key ${key} already moved)`;
  }
  throw new Error('no known key on another master than the target');
}

/** Kills a hook Job once it has started moving slots, then runs it again to success. */
function killWhileMovingSlots(onKilled?: () => Promise<void>): (start: (name: string) => Job) => Promise<JobResult> {
  return async (start) => {
    const first = start('killed');
    await first.waitForOutput(/redis-cli --cluster rebalance: Moving \d+ slots/, JOB_TIMEOUT_MS);
    await first.kill();
    await onKilled?.();
    return start('rerun').succeeded(JOB_TIMEOUT_MS);
  };
}

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'chart-scale' });
  ({ chart } = await installCluster(sandbox));
  await writeKeys(chart.pods, known);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  if (figures.length > 0) console.log(`scaling figures:\n  ${figures.join('\n  ')}`);
});

describe('scaling cluster.shards (scale-in Job, StatefulSet change, bootstrap Job) under a write load', () => {
  it(
    'scale-out 3 -> 4: new pods join, the bootstrap Job rebalances; killed mid-move with a slot left open, its rerun finishes',
    async () => {
      let opened = '';
      const t0 = Date.now();
      const r = await underLoad('scale-out 3->4', () =>
        helmUpgrade(chart, ['cluster.shards=4'], {
          bootstrap: killWhileMovingSlots(async () => {
            opened = await leaveSlotOpen(chart.pods[6]!);
          }),
        }),
      );
      figure(`scale-out 3->4: ${r.totalMs}ms from helm upgrade to the bootstrap Job's success (rerun ${r.bootstrap.durationMs}ms; ${opened})`);
      expect(r.added).toEqual([chart.podName(6), chart.podName(7)]);
      expect(r.scaleIn.output.join('\n')).toMatch(/nothing to scale in/);
      expect(r.bootstrap.output.join('\n')).toMatch(/open slot\(s\) found|slots: moving slots|even split/);
      await assertWholeCluster(chart, [known, acked], 'after scale-out');
      const shape = await assertShardShape(chart);
      expect(shape[chart.podName(6)]).toMatchObject({ role: 'master' });
      expect(shape[chart.podName(7)]).toMatchObject({ role: 'replica', master: chart.podName(6) });
      figure(`scale-out 3->4: slots per master ${JSON.stringify(await expectEvenSplit(4))}; whole cluster ${Date.now() - t0}ms after the upgrade began`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'an upgrade that changes no shape: the scale-in Job finds nothing to do, the bootstrap Job finds the cluster whole',
    async () => {
      const r = await helmUpgrade(chart, ['cluster.shards=4']);
      expect(r.added).toEqual([]);
      expect(r.removed).toEqual([]);
      expect(r.scaleIn.output.join('\n')).toMatch(/nothing to scale in: no cluster member has an ordinal >= 8/);
      expect(r.bootstrap.output.join('\n')).toMatch(/cluster already formed and healthy/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'scale-in 4 -> 3: the pre-upgrade Job moves the leaving shard off (killed mid-move, rerun) and removes its nodes before the pods go; one of them is SIGKILLed, the other stopped through preStop',
    async () => {
      // The leaving shard's master is its SECOND pod (a failover happened): roles, not ordinals, decide.
      const [p6, p7] = [chart.pods[6]!, chart.pods[7]!];
      await p7.command('CLUSTER', 'FAILOVER');
      await waitFor(`${p7.name} to take over from ${p6.name}`, async () => ({ done: (await roles([p6, p7]))[p7.name]!.role === 'master', state: 'waiting' }), { timeoutMs: 60_000 });
      const before = await roles(chart.pods);
      const leavingIds = [before[p6.name]!.nodeId, before[p7.name]!.nodeId];
      const staying = chart.pods.slice(0, 6);
      const seenAfterJob: string[] = [];
      const t0 = Date.now();
      const r = await underLoad('scale-in 4->3', () =>
        helmUpgrade(chart, ['cluster.shards=3'], {
          scaleIn: async (start) => {
            const result = await killWhileMovingSlots()(start);
            // Before the StatefulSet shrinks: no remaining node knows the leaving nodes any more.
            for (const p of staying) {
              const nodes = String(await p.command('CLUSTER', 'NODES'));
              for (const id of leavingIds) if (nodes.includes(id)) seenAfterJob.push(`${p.name} still knows ${id}`);
            }
            return result;
          },
          // The node of the lost pod (no preStop, e.g. its node died) keeps a nodes.conf that names the cluster.
          deletePod: async (p) => {
            if (p !== p7) return chart.deletePod(p);
            await p.kill();
            return { preStopMs: 0, killed: true, totalMs: 0 };
          },
        }),
      );
      figure(`scale-in 4->3: ${r.totalMs}ms from helm upgrade to the bootstrap Job's success (scale-in rerun ${r.scaleIn.durationMs}ms)`);
      expect(seenAfterJob).toEqual([]);
      expect(r.removed.map((x) => x.pod)).toEqual([p6.name, p7.name]);
      expect(r.removed.map((x) => [x.pod, x.stop.killed])).toEqual([
        [p6.name, false],
        [p7.name, true],
      ]);
      const out = r.scaleIn.output.join('\n');
      expect(out).toMatch(new RegExp(`leaving: ${p7.name}\\S* \\(${leavingIds[1]}\\), master with \\d+ slot`));
      expect(out).toMatch(new RegExp(`remove: ${p6.name} \\(${leavingIds[0]}\\), replica of ${p7.name} .*: CLUSTER FORGET on 6 remaining node`));
      expect(r.bootstrap.output.join('\n')).toMatch(/cluster already formed and healthy/);
      await assertWholeCluster(chart, [known, acked], 'after scale-in');
      await assertShardShape(chart);
      figure(`scale-in 4->3: slots per master ${JSON.stringify(await expectEvenSplit(3))}; whole cluster ${Date.now() - t0}ms after the upgrade began`);
      // No remaining node ever saw a leaving node fail.
      for (const p of staying) {
        const failing = p.lastLines(2000).filter((l) => leavingIds.some((id) => l.includes(id.slice(0, 40))) && /as failing|FAIL message/.test(l));
        expect({ pod: p.name, failing }).toEqual({ pod: p.name, failing: [] });
      }
      // The preStop hook reset the node it ran for, so that retained volume holds a new node (a
      // nodes.conf that knows only itself); the SIGKILLed one still names the cluster.
      const nodeLines = (p: Pod) =>
        nodesConf(p)
          .split('\n')
          .filter((l) => / (master|slave|myself)/.test(l));
      expect(readFileSync(path.join(p6.dir, 'prestop.log'), 'utf8')).toMatch(/removed from the cluster by a scale-in .*CLUSTER RESET HARD.*: OK/);
      expect(nodeLines(p6)).toHaveLength(1);
      expect(nodeLines(p7).length).toBeGreaterThan(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'scale-out 3 -> 4 again onto the retained volumes of the removed pods (helm --wait: new pods Ready before the Job): the reset node joins as a new node, the SIGKILLed one rejoins',
    async () => {
      const t0 = Date.now();
      const r = await underLoad('scale-out 3->4 (retained volumes, --wait)', () => helmUpgrade(chart, ['cluster.shards=4'], { wait: true }));
      figure(`scale-out 3->4 onto retained volumes: ${r.totalMs}ms from helm upgrade to the bootstrap Job's success`);
      expect(r.added).toEqual([chart.podName(6), chart.podName(7)]);
      await expect(chart.pods[6]!.waitForLog(/nodes\.conf knows no peer/, 1000)).resolves.toBeDefined();
      await expect(chart.pods[7]!.waitForLog(/started rejoin helper/, 1000)).resolves.toBeDefined();
      await assertWholeCluster(chart, [known, acked], 'after the second scale-out');
      await assertShardShape(chart);
      figure(`scale-out 3->4 onto retained volumes: slots per master ${JSON.stringify(await expectEvenSplit(4))}; whole cluster ${Date.now() - t0}ms after the upgrade began`);
    },
    TEST_TIMEOUT_MS,
  );
});
