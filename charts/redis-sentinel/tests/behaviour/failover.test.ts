/**
 * Failover behaviour of the chart's own pod scripts (start-redis.sh, start-sentinel.sh, the
 * probes, prestop-redis.sh) on real redis-server and redis-sentinel processes: 1 master + 2
 * replicas + 3 Sentinels, quorum 2, down-after-milliseconds 5000, exactly as the chart renders
 * them. "Deleting a pod" is SIGKILL, then the pod's container command again with the same data
 * dir on a new loopback IP. The scenarios run in order on one group. Figures are printed, never
 * asserted: timeouts are generous upper bounds only.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { engineLabel, commandWith, makeKeySet, redisBinary, RedisReplyError, Sandbox, waitFor, type Pod, type RespValue } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';
import {
  flat,
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

const GROUP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 120_000;

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
/** The master's runtime redis.conf from its first start: its "original config". */
let originalMasterConf = '';
const known = makeKeySet('known', 1000);
const figures: string[] = [];

const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeAll = () => sandbox.describe(25);
const whole = (what: string, pods: readonly Pod[] = redis) => waitForGroup(pods, sentinels, chart.masterSet, what, GROUP_TIMEOUT_MS, describeAll);

/** Waits until the Sentinels name a running pod other than `old` that answers ROLE master. */
async function waitForPromotion(old: Pod, what: string): Promise<Pod> {
  const r = await waitFor<Pod>(
    what,
    async () => {
      const addr = await sentinelMasterAddr(sentinels.find((s) => s.running)!, chart.masterSet);
      const p = redis.find((x) => x !== old && x.running && x.address === addr);
      if (!p) return { done: false, state: await groupText(redis, sentinels, chart.masterSet) };
      return { done: (await roleOf(p)).role === 'master', state: `${p.name} named`, value: p };
    },
    { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 50, context: describeAll },
  );
  return r.value!;
}

/** Every readiness and liveness probe of every running pod passes; returns their outputs. */
async function expectProbesPass(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of [...redis, ...sentinels].filter((x) => x.running)) {
    const ready = await waitFor(
      `the readiness probe of ${p.name} to pass`,
      async () => {
        const r = await chart.runHook(p, 'readiness', 15_000);
        return { done: r.code === 0, state: `${r.stdout}${r.stderr}`.trim(), value: r.stdout.trim() };
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    out[p.name] = ready.value!;
    const live = await chart.runHook(p, 'liveness', 15_000);
    expect({ pod: p.name, code: live.code, out: live.stdout.trim() }).toEqual({ pod: p.name, code: 0, out: 'alive: PONG' });
  }
  return out;
}

const loadText = (r: LoadReport) => {
  const errors = Object.entries(r.errors)
    .map(([e, n]) => `${n}x ${e}`)
    .join('; ');
  const window = r.firstFailureAt !== undefined ? ` within ${r.lastFailureAt! - r.firstFailureAt}ms (${errors})` : '';
  return `${r.attempted} attempted, ${r.acknowledged.size} acknowledged (OK + WAIT), ${r.failed} failed or unacknowledged${window}`;
};

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-failover', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  // A Sentinel password of its own, so that a script mixing up the two passwords fails here.
  chart = await RedisSentinelChart.render(sandbox, { set: ['sentinel.auth.existingSecret=sentinel-auth', 'sentinel.auth.passwordKey=sentinel-password'] });
  expect(chart.sentinelPassword).not.toBe(chart.redisPassword);
  ({ redis, sentinels } = await chart.createPods());
  // Like a fresh install: every pod of both StatefulSets starts at once.
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  const g = await whole('the new group to form');
  originalMasterConf = chart.runtimeConf(g.master);
  await writeKeysTo(g.master, known, 2);
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  // Nothing of this file survives it (the sandbox kills every process it started, by PID).
  for (const p of [...(redis ?? []), ...(sentinels ?? [])]) expect(p.running).toBe(false);
  if (figures.length > 0) console.log(`measured figures (${engineLabel()} server and Sentinel, down-after-milliseconds 5000, quorum 2):\n  ${figures.join('\n  ')}`);
});

describe('redis-sentinel pods under failures (1 master + 2 replicas + 3 Sentinels)', () => {
  it(
    'starts whole: pod 0 is the first master, both replicas synced, every Sentinel agrees, every probe passes',
    async () => {
      const g = await whole('the group to be whole');
      expect(g.master).toBe(redis[0]);
      expect(originalMasterConf).not.toMatch(/^replicaof/m);
      for (const r of g.replicas) expect(chart.runtimeConf(r)).toMatch(new RegExp(`^replicaof ${redis[0]!.ip} 6379$`, 'm'));
      const probes = await expectProbesPass();
      expect(probes[redis[0]!.name]).toMatch(/^ready: master with 2 replica\(s\), named by 3 of 3 Sentinel/);
      expect(probes[redis[1]!.name]).toMatch(/^ready: replica of .*master_link_status:up/);
      expect(probes[sentinels[0]!.name]).toMatch(/^ready: monitors mymaster .* 2 other Sentinel\(s\), 2 replica\(s\)/);
      expect(await missingKeys(redis[2]!, known)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '1. SIGKILL of the master: a replica is promoted, and no sample ever shows two writable masters',
    async () => {
      const old = redis[0]!;
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet);
      await sleep(300);
      // When the first Sentinel logs +sdown / +odown (a Sentinel that votes before it reaches odown itself never logs it).
      const firstSeen: Record<string, number> = {};
      const unsubscribe = sentinels.map((s) =>
        s.log.onLine((line) => {
          for (const event of ['+sdown master', '+odown master']) if (line.includes(event)) firstSeen[event] ??= Date.now();
        }),
      );
      const killedAt = Date.now();
      await old.kill();
      const promoted = await waitForPromotion(old, `a replica to be promoted after SIGKILL of master ${old.name}`);
      const promotedMs = Date.now() - killedAt;
      for (const off of unsubscribe) off();
      const at = (event: string) => (firstSeen[event] === undefined ? 'n/a' : `${firstSeen[event]! - killedAt}ms`);
      figure(
        `failover: ${promoted.name} promoted and named by the Sentinels ${promotedMs}ms after SIGKILL of master ${old.name} (first +sdown at ${at('+sdown master')}, first +odown at ${at('+odown master')})`,
      );
      const g = await whole(
        'the survivors to settle',
        redis.filter((p) => p !== old),
      );
      expect(g.master).toBe(promoted);
      figure(`failover: the surviving replica resynced with the new master ${Date.now() - killedAt}ms after SIGKILL`);
      await sleep(1000);
      const report = await monitor.stop();
      figure(`failover: split-brain monitor took ${report.samples} samples over ${report.durationMs}ms, at most ${report.maxWritableMasters} writable master(s)`);
      expect(report.violations).toEqual([]);
      expect(await missingKeys(promoted, known)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'negative control: without start-redis.sh, the old master on a new IP with its original config is a second writable master the Sentinels never learn about',
    async () => {
      const old = redis[0]!;
      const current = await waitForPromotion(old, 'the current master');
      old.moveTo(await sandbox.allocateIp());
      // Its original config, as a static chart would have it: same file, only the pod's new address.
      const conf = path.join(old.dir, 'original-redis.conf');
      writeFileSync(
        conf,
        originalMasterConf.replace(/^(bind|bind-source-addr|replica-announce-ip) .*$/gm, (_, k: string) => `${k} ${old.ip}`),
      );
      await old.start({ kind: 'command', command: redisBinary('redis-server'), args: [conf], password: chart.redisPassword });
      try {
        expect((await roleOf(old)).role).toBe('master');
        expect((await roleOf(current)).role).toBe('master');
        expect(await old.command('SET', 'rogue:write', 'accepted by the returning old master')).toBe('OK');
        // For several seconds the Sentinels keep naming the other master and never list this address.
        const until = Date.now() + 3000;
        while (Date.now() < until) {
          for (const s of sentinels) {
            expect(await sentinelMasterAddr(s, chart.masterSet)).toBe(current.address);
            const listed = ((await sentinelCommand(s, 'SENTINEL', 'REPLICAS', chart.masterSet)) as RespValue[]).map(flat);
            expect(listed.map((x) => x.ip)).not.toContain(old.ip);
          }
          await sleep(250);
        }
        expect((await roleOf(old)).role).toBe('master');
        figure(`negative control: ${old.name} restarted with its original config on ${old.ip} stayed a writable master for 3s+ next to ${current.name}; no Sentinel learnt its address (split brain)`);
      } finally {
        await old.kill();
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '2. the old master returns on a NEW IP through start-redis.sh: it starts as a replica of the new master, never a second writable master',
    async () => {
      const old = redis[0]!;
      const current = await waitForPromotion(old, 'the current master');
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet, 50);
      const t0 = Date.now();
      old.moveTo(await sandbox.allocateIp());
      await chart.start(old);
      const listening = Date.now() - t0;
      await waitFor(
        `${old.name} to sync with ${current.name}`,
        async () => {
          const info = await old.info('replication');
          return { done: info.master_link_status === 'up', state: JSON.stringify(info) };
        },
        { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 100 },
      );
      figure(
        `rejoin: old master ${old.name} listening as a replica ${listening}ms after its start (start-redis.sh asked the Sentinels first), synced (master_link_status:up) after ${Date.now() - t0}ms`,
      );
      const g = await whole('the old master to rejoin as a replica');
      figure(`rejoin: old master ${old.name} back on ${old.ip}, listed by every Sentinel as a replica ${Date.now() - t0}ms after its start (Sentinels refresh INFO every 10s)`);
      expect(g.master).toBe(current);
      expect(chart.runtimeConf(old)).toMatch(new RegExp(`^replicaof ${current.ip} 6379$`, 'm'));
      await expect(old.waitForLog(/start-redis: .*and it answers ROLE master: starting as replica of/, 1000)).resolves.toBeDefined();
      await sleep(2000);
      const report = await monitor.stop();
      figure(`rejoin: split-brain monitor took ${report.samples} samples over ${report.durationMs}ms, at most ${report.maxWritableMasters} writable master(s)`);
      expect(report.violations).toEqual([]);
      expect(await missingKeys(old, known)).toEqual([]);
      // The write the rogue old master accepted in the negative control is gone: a full resync replaced its data.
      expect(await old.command('GET', 'rogue:write')).toBeNull();
      expect((await chart.runHook(old, 'readiness')).stdout).toMatch(/^ready: replica of /);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '3. a client that asks a Sentinel finds the new master and can write to it; replicas refuse writes',
    async () => {
      const { master, replicas } = await whole('the group');
      expect(master).not.toBe(redis[0]);
      for (const s of sentinels) expect(await sentinelMasterAddr(s, chart.masterSet)).toBe(master.address);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      try {
        expect(await client.discover()).toBe(master.address);
        await client.set('client:greeting', 'hello through the Sentinels', 2, 2000);
        expect(await client.get('client:greeting')).toBe('hello through the Sentinels');
        expect(client.address).toBe(master.address);
      } finally {
        client.close();
      }
      await expect(replicas[0]!.command('SET', 'client:direct', 'x')).rejects.toThrow(RedisReplyError);
      await expect(replicas[0]!.command('SET', 'client:direct', 'x')).rejects.toThrow(/READONLY/);
      // The Sentinel password protects the Sentinels: no AUTH, no answer.
      await expect(commandWith({ host: sentinels[0]!.ip, port: chart.sentinelPort }, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', chart.masterSet)).rejects.toThrow(/NOAUTH/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '4. a replica restarted on a new IP with its data dir resyncs: link up and every key present',
    async () => {
      const { master, replicas } = await whole('the group');
      const replica = replicas.find((p) => p !== redis[0])!;
      const oldIp = replica.ip;
      const t0 = Date.now();
      await replica.restart({ newIp: true });
      expect(replica.ip).not.toBe(oldIp);
      const g = await whole('the restarted replica to resync');
      expect(g.master).toBe(master);
      const info = await replica.info('replication');
      expect(info).toMatchObject({ role: 'slave', master_host: master.ip, master_link_status: 'up' });
      expect(await missingKeys(replica, known)).toEqual([]);
      expect(await replica.command('GET', 'client:greeting')).toBe('hello through the Sentinels');
      const partial = replica.lastLines(200).some((l) => /Successful partial resynchronization/.test(l));
      figure(`replica restart: ${replica.name} ${oldIp} -> ${replica.ip}, synced (${partial ? 'partial' : 'full'} resync) and listed by every Sentinel ${Date.now() - t0}ms after SIGKILL`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a Sentinel deleted and recreated on a new IP keeps its ID: its peers switch its address instead of keeping a stale entry',
    async () => {
      const { master } = await whole('the group');
      const s = sentinels[2]!;
      const oldIp = s.ip;
      const t0 = Date.now();
      await s.restart({ newIp: true });
      await expect(s.waitForLog(/start-sentinel: \d of 2 peer Sentinel\(s\) report master .* and it answers ROLE master: monitoring it/, 1000)).resolves.toBeDefined();
      expect(await sentinelMasterAddr(s, chart.masterSet)).toBe(master.address);
      await waitFor(
        'every Sentinel to know exactly the two others, at their current addresses',
        async () => {
          const views: string[] = [];
          for (const x of sentinels) {
            const peers = ((await sentinelCommand(x, 'SENTINEL', 'SENTINELS', chart.masterSet)) as RespValue[]).map(flat);
            const want = sentinels
              .filter((y) => y !== x)
              .map((y) => y.ip)
              .sort();
            const got = peers.map((p) => p.ip).sort();
            if (JSON.stringify(got) !== JSON.stringify(want)) views.push(`${x.name} knows ${got.join(', ')} (want ${want.join(', ')})`);
          }
          return { done: views.length === 0, state: views.join('\n') };
        },
        { timeoutMs: 30_000, intervalMs: 200, context: describeAll },
      );
      figure(`sentinel restart: ${s.name} ${oldIp} -> ${s.ip} rejoined with the same ID; both peers switched its address (no stale entry) ${Date.now() - t0}ms after SIGKILL`);
      for (const x of sentinels.filter((y) => y !== s)) expect(x.lastLines(400).some((l) => l.includes('+sentinel-address-switch'))).toBe(true);
      expect(await sentinelCommand(sentinels[0]!, 'SENTINEL', 'CKQUORUM', chart.masterSet)).toMatch(/^OK 3 usable Sentinels/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '5. every write acknowledged by a replica (WAIT 1) during a failover is on the new master',
    async () => {
      const { master } = await whole('the group');
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'acked', 1, 500);
      await sleep(1500);
      const killedAt = Date.now();
      await master.kill();
      const promoted = await waitForPromotion(master, `a replica to be promoted after SIGKILL of master ${master.name}`);
      figure(`failover under load: ${promoted.name} promoted ${Date.now() - killedAt}ms after SIGKILL of ${master.name}`);
      // Let writes succeed on the new master for a while, then stop.
      const ackedAtPromotion = load.acknowledgedCount();
      await waitFor('writes through the Sentinels to succeed again', () => ({ done: load.acknowledgedCount() >= ackedAtPromotion + 50, state: `${load.acknowledgedCount()} acknowledged` }), {
        timeoutMs: 30_000,
      });
      const report = await load.stop();
      client.close();
      figure(`failover under load: ${loadText(report)}`);
      expect(report.acknowledged.size).toBeGreaterThan(0);
      expect(await missingKeys(promoted, report.acknowledged)).toEqual([]);
      // Bring the killed master back (a deleted pod: new IP, same volume) and let the group heal.
      await master.restart({ newIp: true });
      await whole('the killed master to rejoin');
      expect(await missingKeys(master, report.acknowledged)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
  it(
    'preStop on the master hands over before the pod stops: another pod is master within seconds, no acknowledged write lost',
    async () => {
      const { master } = await whole('the group');
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'handover', 1, 500);
      await sleep(1000);
      const t0 = Date.now();
      const hook = await chart.runHook(master, 'preStop');
      const hookMs = Date.now() - t0;
      expect(hook.code).toBe(0);
      expect(hook.stderr).toMatch(/prestop-redis: handover done after \d+s: the Sentinels name /);
      expect((await roleOf(master)).role).toBe('replica');
      const promoted = await waitForPromotion(master, 'the handover target');
      figure(`preStop handover: ${master.name} -> ${promoted.name} in ${hookMs}ms (writes paused, SENTINEL FAILOVER, REPLICAOF the new master)`);
      const acked = load.acknowledgedCount();
      await waitFor('writes through the Sentinels to succeed again', () => ({ done: load.acknowledgedCount() >= acked + 50, state: `${load.acknowledgedCount()} acknowledged` }), {
        timeoutMs: 30_000,
      });
      const report = await load.stop();
      client.close();
      figure(`preStop handover under load: ${loadText(report)}`);
      expect(await missingKeys(promoted, report.acknowledged)).toEqual([]);
      // kubelet then stops the container; the pod comes back (rolling update) with a new IP and its volume.
      await master.restart({ newIp: true });
      const g = await whole('the handed-over pod to rejoin');
      expect(g.master).toBe(promoted);
      expect(await missingKeys(master, report.acknowledged)).toEqual([]);
      const probes = await expectProbesPass();
      expect(probes[promoted.name]).toMatch(/^ready: master with 2 replica\(s\), named by 3 of 3 Sentinel/);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'a master whose container restarts (same IP and volume) never comes back writable while the Sentinels may fail over: it waits for them and follows the new master',
    async () => {
      const master = (await whole('the group before the master container restart')).master;
      const epoch = async () => Number(flat(await sentinelCommand(sentinels[0]!, 'SENTINEL', 'MASTER', chart.masterSet))['config-epoch']);
      const epochBefore = await epoch();
      const monitor = startSplitBrainMonitor(redis, sentinels, chart.masterSet);
      const t0 = Date.now();
      await master.kill({ keepDns: true }); // a container restart: the pod, its IP and DNS record stay
      await chart.start(master, { waitUntil: 'spawned' });
      const g = await whole('the group after the master container restart');
      figure(`container restart of master ${master.name}: the Sentinels failed over to ${g.master.name}, the old master follows it; whole ${Date.now() - t0}ms after SIGKILL`);
      expect(g.master).not.toBe(master);
      expect(await epoch()).toBeGreaterThan(epochBefore);
      const since = master.lastLines(400);
      const restart = since.findLastIndex((l) => l.includes('start #'));
      expect(since.slice(restart).some((l) => /start-redis: .*which is this pod, back from a restart: waiting for the Sentinels to fail over/.test(l))).toBe(true);
      const report = await monitor.stop();
      expect(report.violations).toEqual([]);
      for (const p of redis) expect(await missingKeys(p, known)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
