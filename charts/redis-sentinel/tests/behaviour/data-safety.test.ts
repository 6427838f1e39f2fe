/**
 * Data safety when the Sentinels lose their state (issue 10): every Sentinel pod deleted at once
 * (their config lives on an emptyDir), alone or together with the Redis pods. The chart's own
 * scripts must then decide BY DATA, never "pod 0 by convention":
 *   1. pod 0 is a stale replica (killed while WAIT 1 writes went on), then every pod is deleted:
 *      pod 0 must not become master; no write acknowledged with WAIT 1 is lost;
 *   2. the master is down when the Sentinels are deleted: the new Sentinels monitor the master the
 *      replicas report and fail over to the best replica; the old master returns as a replica;
 *      exactly one writable master that every Sentinel names, no acknowledged write lost;
 *   3. a cold full restart (every Redis pod and every Sentinel at once, new IPs), chart defaults:
 *      whole again (the figure is printed), no acknowledged write lost;
 *   4. a first install still comes up on its own (verified: no data anywhere, no Sentinel state);
 *   5. the contract: a pod that could hold newer data is missing, so the others wait safely and
 *      say so in the readiness probe; force-start takes the best guess and records the data loss.
 * The split-brain monitor runs throughout; kubelet's readiness probe runs every periodSeconds (it
 * records replication.state on the volume). Figures are printed, never asserted.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { engineLabel, makeKeySet, Sandbox, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';
import {
  groupText,
  missingKeys,
  roleOf,
  SentinelClient,
  sentinelCommand,
  sentinelMasterAddr,
  startSplitBrainMonitor,
  startWriteLoad,
  waitForGroup,
  writeKeysTo,
  type LoadReport,
} from './sentinel-group.ts';

const TEST_TIMEOUT_MS = 360_000;
const GROUP_TIMEOUT_MS = 180_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const figures: string[] = [];
const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};
const sandboxes: Sandbox[] = [];

interface Group {
  sandbox: Sandbox;
  chart: RedisSentinelChart;
  redis: Pod[];
  sentinels: Pod[];
}

afterAll(async () => {
  for (const s of sandboxes) await s.cleanup();
  if (figures.length > 0) console.log(`data-safety figures (${engineLabel()}, chart defaults unless stated):\n  ${figures.join('\n  ')}`);
});

/** A fresh install: every pod of both StatefulSets at once, the kubelet running the readiness probe. */
async function install(name: string): Promise<Group & { formedMs: number }> {
  const sandbox = await Sandbox.create({ name, ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  sandboxes.push(sandbox);
  const chart = await RedisSentinelChart.render(sandbox, { kubelet: true });
  const { redis, sentinels } = await chart.createPods();
  const t0 = Date.now();
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
  await waitForGroup(redis, sentinels, chart.masterSet, 'the new group to form', GROUP_TIMEOUT_MS, () => sandbox.describe(30));
  return { sandbox, chart, redis, sentinels, formedMs: Date.now() - t0 };
}

/** Deleting a pod: SIGKILL, its emptyDirs (runtime, tmp) are gone, the next start gets a new IP; the data volume stays. */
const deletePod = (g: Group, pod: Pod): Promise<void> => g.chart.deletePodHard(pod);

const describeGroup = (g: Group) => () => g.sandbox.describe(30);

/** Makes a pod other than pod 0 the master (a planned failover), so that pod 0 is a replica. */
async function moveMasterAwayFromPod0(g: Group): Promise<Pod> {
  const { chart, redis, sentinels } = g;
  expect(await sentinelCommand(sentinels[0]!, 'SENTINEL', 'FAILOVER', chart.masterSet)).toBe('OK');
  await waitFor(
    'the Sentinels to name a pod other than pod 0 that answers ROLE master',
    async () => {
      const addr = await sentinelMasterAddr(sentinels[0]!, chart.masterSet);
      const p = redis.find((x) => x !== redis[0] && x.address === addr);
      return { done: p !== undefined && (await roleOf(p)).role === 'master', state: await groupText(redis, sentinels, chart.masterSet) };
    },
    { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 200 },
  );
  const w = await waitForGroup(redis, sentinels, chart.masterSet, 'the planned failover away from pod 0', GROUP_TIMEOUT_MS, describeGroup(g));
  if (w.master === redis[0]) throw new Error(`SENTINEL FAILOVER left pod 0 master: ${await groupText(redis, sentinels, chart.masterSet)}`);
  return w.master;
}

/** Waits until at least `n` more writes were acknowledged than now. */
async function moreAcks(load: { acknowledgedCount(): number }, n: number, what: string, timeoutMs = GROUP_TIMEOUT_MS): Promise<void> {
  const base = load.acknowledgedCount();
  await waitFor(what, () => ({ done: load.acknowledgedCount() >= base + n, state: `${load.acknowledgedCount() - base} more acknowledged` }), { timeoutMs, intervalMs: 200 });
}

const loadText = (r: LoadReport) => `${r.attempted} attempted, ${r.acknowledged.size} acknowledged (OK + WAIT 1), ${r.failed} failed or unacknowledged`;

/**
 * Every running Redis pod holds every acknowledged key. WAIT 1 promises the master and ONE replica, so
 * the other replica may still be applying the last writes: first wait (bounded) until every replica
 * has applied all its master wrote, then compare every pod.
 */
async function expectNoAckedWriteLost(g: Group, acked: ReadonlyMap<string, string>, known: ReadonlyMap<string, string>): Promise<void> {
  await waitFor(
    'every replica to apply everything its master wrote',
    async () => {
      const infos = await Promise.all(g.redis.filter((x) => x.running).map(async (p) => ({ p, i: await p.info('replication') })));
      const master = infos.find((x) => x.i.role === 'master');
      const behind = infos
        .filter((x) => x.i.role === 'slave' && x.i.slave_repl_offset !== master?.i.master_repl_offset)
        .map((x) => `${x.p.name} ${x.i.slave_repl_offset}/${master?.i.master_repl_offset}`);
      return { done: master !== undefined && behind.length === 0, state: master ? behind.join(', ') : 'no master' };
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  for (const p of g.redis.filter((x) => x.running)) {
    const lost = await missingKeys(p, acked);
    expect({ pod: p.name, lostAckedWrites: lost.length, first: lost.slice(0, 5) }).toEqual({ pod: p.name, lostAckedWrites: 0, first: [] });
    expect({ pod: p.name, lostKnownKeys: (await missingKeys(p, known)).length }).toEqual({ pod: p.name, lostKnownKeys: 0 });
  }
}

describe('1. every Sentinel deleted while pod 0 is a stale replica, then every Redis pod restarts', () => {
  it(
    'pod 0 does not become master: the master is elected by data; no WAIT-acknowledged write is lost; never two writable masters',
    async () => {
      const g = await install('sentinel-safety-stale');
      const { chart, redis, sentinels } = g;
      const known = makeKeySet('known', 500);
      const master = await moveMasterAwayFromPod0(g);
      await writeKeysTo(master, known, 2);
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet, 100);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'acked', 1, 500);
      await moreAcks(load, 50, 'writes before pod 0 stops');
      // Pod 0, a replica, stops; writes go on (acknowledged by the other replica) for several probe periods.
      await redis[0]!.kill();
      const staleSince = Date.now();
      await moreAcks(load, 200, 'writes while pod 0 is stale');
      while (Date.now() - staleSince < 12_000) await sleep(500);
      // Every pod deleted at once: the Sentinels lose their state, the Redis pods keep their volumes.
      await Promise.all([...redis, ...sentinels].map((p) => deletePod(g, p)));
      const t0 = Date.now();
      await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
      const w = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to recover by data', GROUP_TIMEOUT_MS, describeGroup(g));
      figure(`stale pod 0 + every pod deleted: whole again ${Date.now() - t0}ms after the restart, master ${w.master.name} (${await groupText(redis, sentinels, chart.masterSet)})`);
      await moreAcks(load, 50, 'writes to succeed on the new master');
      const report = await load.stop();
      client.close();
      const split = await monitor.stop();
      figure(`stale pod 0: ${loadText(report)}; split-brain monitor: ${split.samples} samples, at most ${split.maxWritableMasters} writable master(s)`);
      expect(split.violations).toEqual([]);
      await expectNoAckedWriteLost(g, report.acknowledged, known);
      expect({ master: w.master.name }).not.toEqual({ master: redis[0]!.name });
      const decision = w.master.lastLines(400).find((l) => /elect-master: elected by data/.test(l));
      expect(decision).toBeDefined();
      figure(`stale pod 0: ${decision!.replace(/^\S+ /, '')}`);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('2. every Sentinel deleted while the master is down', () => {
  it(
    'the new Sentinels monitor the master the replicas report, fail over to the best replica; the old master returns as a replica; one writable master, no acknowledged write lost',
    async () => {
      const g = await install('sentinel-safety-masterdown');
      const { chart, redis, sentinels } = g;
      const known = makeKeySet('known', 500);
      const oldMaster = await moveMasterAwayFromPod0(g);
      await writeKeysTo(oldMaster, known, 2);
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet, 100);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'acked', 1, 500);
      await moreAcks(load, 100, 'writes before the master dies');
      // The master dies and, at the same moment, every Sentinel pod is deleted; the Sentinels come back at once.
      await Promise.all([oldMaster.kill(), ...sentinels.map((s) => deletePod(g, s))]);
      const t0 = Date.now();
      await Promise.all(sentinels.map((s) => chart.start(s, { startTimeoutMs: GROUP_TIMEOUT_MS })));
      const live = redis.filter((p) => p !== oldMaster);
      const w = await waitForGroup(live, sentinels, chart.masterSet, 'the new Sentinels to promote a replica', GROUP_TIMEOUT_MS, describeGroup(g));
      figure(`master down + Sentinels deleted: ${w.master.name} promoted and named by every Sentinel ${Date.now() - t0}ms after the Sentinels restarted`);
      await moreAcks(load, 50, 'writes to succeed on the promoted replica');
      // The old master's pod comes back (new IP, its volume).
      await deletePod(g, oldMaster);
      const t1 = Date.now();
      await chart.start(oldMaster, { startTimeoutMs: GROUP_TIMEOUT_MS });
      const all = await waitForGroup(redis, sentinels, chart.masterSet, 'the old master to rejoin as a replica', GROUP_TIMEOUT_MS, describeGroup(g));
      figure(`master down + Sentinels deleted: old master ${oldMaster.name} back as a replica of ${all.master.name}, group whole ${Date.now() - t1}ms after its restart`);
      expect(all.master).toBe(w.master);
      for (const s of sentinels) expect(await sentinelMasterAddr(s, chart.masterSet)).toBe(all.master.address);
      expect((await roleOf(oldMaster)).role).toBe('replica');
      await moreAcks(load, 20, 'writes after the old master rejoined');
      const report = await load.stop();
      client.close();
      const split = await monitor.stop();
      figure(`master down + Sentinels deleted: ${loadText(report)}; split-brain monitor: ${split.samples} samples, at most ${split.maxWritableMasters} writable master(s)`);
      expect(split.violations).toEqual([]);
      await expectNoAckedWriteLost(g, report.acknowledged, known);
      await expect(sentinels[0]!.waitForLog(/start-sentinel: .*replica\(s\) report master .*monitoring it even if it is down/, 1000)).resolves.toBeDefined();
    },
    TEST_TIMEOUT_MS,
  );
});

describe('3. cold full restart with chart defaults', () => {
  it(
    'every Redis pod and every Sentinel deleted at once (new IPs): whole again without a human, no acknowledged write lost, never two writable masters',
    async () => {
      const g = await install('sentinel-safety-cold');
      const { chart, redis, sentinels } = g;
      const known = makeKeySet('known', 1000);
      const before = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', GROUP_TIMEOUT_MS);
      await writeKeysTo(before.master, known, 2);
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet, 100);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'acked', 1, 500);
      await moreAcks(load, 100, 'writes before the restart');
      await sleep(6000); // at least one readiness period with writes
      await Promise.all([...redis, ...sentinels].map((p) => deletePod(g, p)));
      const t0 = Date.now();
      await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
      const w = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to be whole after a cold full restart', GROUP_TIMEOUT_MS, describeGroup(g));
      const wholeMs = Date.now() - t0;
      figure(`cold full restart (3 Redis + 3 Sentinels at once, new IPs, chart defaults): whole again after ${(wholeMs / 1000).toFixed(1)} s; master ${w.master.name} (before: ${before.master.name})`);
      await moreAcks(load, 50, 'writes to succeed after the cold restart');
      const report = await load.stop();
      client.close();
      const split = await monitor.stop();
      figure(`cold full restart: ${loadText(report)}; split-brain monitor: ${split.samples} samples, at most ${split.maxWritableMasters} writable master(s)`);
      expect(split.violations).toEqual([]);
      await expectNoAckedWriteLost(g, report.acknowledged, known);
      for (const p of redis) expect(existsSync(path.join(p.dataDir, 'data-loss.log'))).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('4. first install', () => {
  it(
    'comes up without a human: no data anywhere and no Sentinel state, so pod 0 is elected (ties of identical, empty data); nothing recorded as lost',
    async () => {
      const g = await install('sentinel-safety-first');
      const { chart, redis, sentinels } = g;
      figure(`first install (3 Redis + 3 Sentinels at once): whole after ${(g.formedMs / 1000).toFixed(1)} s`);
      const w = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', GROUP_TIMEOUT_MS);
      expect(w.master).toBe(redis[0]);
      await expect(redis[0]!.waitForLog(/elect-master: elected by data .*identical \(empty\) data, lower ordinal/, 1000)).resolves.toBeDefined();
      for (const p of redis) {
        expect(existsSync(path.join(p.dataDir, 'data-loss.log'))).toBe(false);
        expect(existsSync(path.join(chart.volumeDir(p, 'runtime'), 'start-status'))).toBe(false);
        const r = await waitFor(
          `${p.name} to be ready`,
          async () => {
            const x = await chart.runHook(p, 'readiness', 15_000);
            return { done: x.code === 0, state: x.stdout.trim(), value: x.stdout.trim() };
          },
          { timeoutMs: 60_000, intervalMs: 500 },
        );
        expect(r.value).not.toMatch(/WARNING/);
        // The probe recorded the replication state on the volume.
        await waitFor(`${p.name} to record replication.state`, () => ({ done: existsSync(path.join(p.dataDir, 'replication.state')), state: 'no record yet' }), { timeoutMs: 30_000 });
        expect(readFileSync(path.join(p.dataDir, 'replication.state'), 'utf8')).toMatch(/^role=(master|slave)\nreplid=[0-9a-f]{40}\n/);
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('5. the contract: waiting safely, then force-start', () => {
  it(
    'with a pod that could hold newer data missing, the others wait safely and say so; force-start elects the best data and records the data loss',
    async () => {
      const g = await install('sentinel-safety-force');
      const { chart, redis, sentinels } = g;
      const known = makeKeySet('known', 300);
      const before = await waitForGroup(redis, sentinels, chart.masterSet, 'the group', GROUP_TIMEOUT_MS);
      await writeKeysTo(before.master, known, 2);
      await sleep(6000); // a readiness period: every pod records its state
      await Promise.all([...redis, ...sentinels].map((p) => deletePod(g, p)));
      // Pod 2's node is gone: it does not come back.
      const missing = redis[2]!;
      const present = redis.filter((p) => p !== missing);
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet, 100);
      await Promise.all([...present, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS, waitUntil: p.name.includes('sentinel') ? 'spawned' : 'listening' })));
      for (const p of present) {
        const out = await waitFor(
          `${p.name} to report that it waits safely`,
          async () => {
            const x = await chart.runHook(p, 'readiness', 15_000);
            return { done: x.code !== 0 && /^not ready: waiting safely: .*could hold newer data/.test(x.stdout), state: x.stdout.trim(), value: x.stdout.trim() };
          },
          { timeoutMs: 60_000, intervalMs: 1000 },
        );
        figure(`missing pod: ${p.name} readiness: ${out.value}`);
        await expect(p.waitForLog(/elect-master: waiting safely: .*could hold newer data/, 1000)).resolves.toBeDefined();
      }
      await sleep(5000);
      for (const p of present) expect((await roleOf(p)).role).toBe('replica');
      // The operator decides: kubectl exec <pod-0> -- touch /data/force-start
      writeFileSync(path.join(present[0]!.dataDir, 'force-start'), '');
      const w = await waitForGroup(present, sentinels, chart.masterSet, 'force-start to elect a master', GROUP_TIMEOUT_MS, describeGroup(g));
      expect(existsSync(path.join(present[0]!.dataDir, 'force-start'))).toBe(false);
      const loss = readFileSync(path.join(present[0]!.dataDir, 'data-loss.log'), 'utf8');
      expect(loss).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ force-start on .*without hearing from/m);
      const ready = await waitFor(
        `${present[0]!.name} to be ready with the warning`,
        async () => {
          const x = await chart.runHook(present[0]!, 'readiness', 15_000);
          return { done: x.code === 0, state: x.stdout.trim(), value: x.stdout.trim() };
        },
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      expect(ready.value).toMatch(/^ready: .* WARNING: data loss recorded \(.*force-start.*\); remove data-loss.log from the volume to acknowledge$/);
      figure(`force-start: master ${w.master.name}; ${present[0]!.name} readiness: ${ready.value}`);
      for (const p of present) expect(await missingKeys(p, known)).toEqual([]);
      // The missing pod comes back later and follows.
      await chart.start(missing, { startTimeoutMs: GROUP_TIMEOUT_MS });
      await waitForGroup(redis, sentinels, chart.masterSet, 'the missing pod to rejoin', GROUP_TIMEOUT_MS, describeGroup(g));
      const split = await monitor.stop();
      expect(split.violations).toEqual([]);
      // Nothing left on the volumes.
      for (const p of redis) expect(readdirTmp(p.dataDir)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

function readdirTmp(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.tmp/.test(f));
}
