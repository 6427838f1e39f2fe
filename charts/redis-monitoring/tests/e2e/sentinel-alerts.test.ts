/**
 * The Sentinel alerts proven end to end (issue 13, "Sentinels are not scraped"): the redis-sentinel
 * chart's own pods (start-redis.sh, start-sentinel.sh: charts/redis-sentinel/tests/behaviour), one
 * real redis_exporter per Redis pod AND per Sentinel pod, each started from the rendered `metrics`
 * sidecar of its StatefulSet (the Sentinel one scrapes the local redis-sentinel), and a real
 * Prometheus with the rendered PodMonitor (which selects both components and relabels `component`)
 * and PrometheusRule of charts/redis-monitoring (ci/sentinel-values.yaml, time constants shortened
 * through values only: every `for` 10s, `sentinelFailoverWindow` 3m).
 *
 * - The Sentinel series arrive with the labels the Sentinel alerts select (component "sentinel"),
 *   one per Sentinel pod.
 * - RedisSentinelQuorumLost: the redis-sentinel containers of 2 of the 3 Sentinel pods are
 *   SIGKILLed (their exporter sidecars keep running and serve redis_up 0): the surviving Sentinel's
 *   CKQUORUM fails and the alert fires for it; no Redis-pod alert (RedisDown, RedisPodsMissing ...)
 *   counts the Sentinels' redis_up 0. The containers restart through start-sentinel.sh: it resolves.
 * - RedisSentinelFailoversFrequent: two SENTINEL FAILOVERs in a row (three master addresses within
 *   the window) fire it. The alert counts distinct master addresses, so a flip back to the previous
 *   master is no new change: the pod that was master gets replica-priority 0 before the second one.
 *   (With every `for` at 10s, RedisSplitBrain fires during a forced failover: the old master stays
 *   writable until Sentinel's next INFO of it converts it, about 10 s; production `for` is 2m.)
 * - RedisSentinelMasterDisagreement: a Sentinel partitioned with the old master (the old master's
 *   pod back on a new address with its original config, writable, and one Sentinel restarted with
 *   only that address to monitor) keeps naming it while the other two name the promoted replica.
 * Seconds are printed ([monitoring-e2e]), never asserted beyond generous bounds.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { alertsText, envValue, monitoringBinary, redisBinary, Sandbox, waitFor, type Pod, type RespValue } from '@redis-gitops/redis-testkit';
import type { RedisSentinelChart } from '../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { flat, groupText, roleOf, sentinelCommand, sentinelMasterAddr, waitForGroup } from '../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { figureLog } from './lib/figures.ts';
import { monitorSentinelGroup, startSentinelGroup } from './lib/monitored-sentinel.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

const GROUP_TIMEOUT_MS = 60_000;
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 90_000;
const START_QUIET_BOUND_MS = 15_000;
/** `alerts.thresholds.sentinelFailoverWindow` in this file (production: 1h). */
const FAILOVER_WINDOW = '3m';
/** Alerts about the Redis pods: none may ever count a Sentinel pod's series. */
const REDIS_POD_ALERTS = ['RedisDown', 'RedisMetricsAbsent', 'RedisPodsMissing', 'RedisSplitBrain', 'RedisStartHeld', 'RedisDataVanished', 'RedisMasterWithoutReplica'];

let sandbox: Sandbox | undefined;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
let monitored: MonitoredRelease;
let release = '';
let originalMasterConf = '';
const log = figureLog(import.meta.filename);
const { figure, summary } = log;
const describeAll = () => sandbox!.describe(20);

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-sentinel-alerts', ports: [6379, 26379, 9121], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  const group = await startSentinelGroup(sandbox);
  ({ chart, redis, sentinels, release } = group);
  originalMasterConf = chart.runtimeConf(group.master);
  const installedS = group.installedS;
  monitored = await monitorSentinelGroup(sandbox, group, { set: [`alerts.thresholds.sentinelFailoverWindow=${FAILOVER_WINDOW}`] });
  figure(
    `setup: Sentinel group (${redis.length} Redis + ${sentinels.length} Sentinels) whole in ${installedS.toFixed(1)}s, ${monitored.targetCount} exporters + prometheus scraping after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
}, 180_000);

afterAll(async () => {
  await sandbox?.cleanup();
  summary('redis-sentinel Sentinel alert figures');
}, 60_000);

describe('the Sentinel alerts of a Redis Sentinel group, end to end (real redis-server, redis-sentinel, redis_exporter, prometheus)', () => {
  it('scrapes every Sentinel through its own exporter sidecar, labelled component sentinel, next to the Redis pods; no alert while the group is whole', async () => {
    const prom = monitored.prometheus;
    const master = await currentMaster();
    const sentinelNames = sentinels.map((p) => p.name).sort();
    const scope = { namespace: chart.namespace, release, mode: 'sentinel', component: 'sentinel', container: 'metrics', endpoint: 'metrics' };
    const quorum = await prom.query('redis_sentinel_master_ckquorum_status');
    expect(quorum.map((s) => s.metric.pod).sort()).toEqual(sentinelNames);
    for (const s of quorum) {
      expect(s.metric).toMatchObject({ ...scope, master_name: chart.masterSet });
      expect({ pod: s.metric.pod, value: s.value }).toEqual({ pod: s.metric.pod, value: 1 });
    }
    const status = await prom.query('redis_sentinel_master_status');
    expect(status.map((s) => [s.metric.pod, s.metric.master_address, s.metric.master_status]).sort()).toEqual(sentinelNames.map((p) => [p, master.address, 'ok']));
    expect((await prom.query('redis_sentinel_tilt')).map((s) => [s.metric.pod, s.value]).sort()).toEqual(sentinelNames.map((p) => [p, 0]));
    // The Sentinels' exporters serve redis_up and redis_instance_info too; `component` tells them apart.
    const up = await prom.query('redis_up');
    expect(
      up
        .filter((s) => s.metric.component === 'sentinel')
        .map((s) => s.metric.pod)
        .sort(),
    ).toEqual(sentinelNames);
    expect(
      up
        .filter((s) => s.metric.component === 'redis')
        .map((s) => s.metric.pod)
        .sort(),
    ).toEqual(redis.map((p) => p.name).sort());
    const info = await prom.query('redis_instance_info{component="sentinel"}');
    expect(info.map((s) => s.metric.redis_mode)).toEqual(['sentinel', 'sentinel', 'sentinel']);
    expect(await prom.query('redis_sentinel_masters{component="redis"}')).toEqual([]);
    const t0 = Date.now();
    const atStart = alertsText(await prom.alerts());
    // RedisMemoryGrowthToMaxmemory keeps its production `for` (1h) and may be pending on the start-up growth.
    await monitored.waitQuiet(START_QUIET_BOUND_MS);
    figure(`no alert firing and none with a shortened for pending ${((Date.now() - t0) / 1000).toFixed(1)}s after the ${monitored.targetCount} pods were scraped (at first: ${atStart})`);
  });

  it(
    "fires RedisSentinelQuorumLost when 2 of 3 Sentinels die, no Redis-pod alert for their exporters' redis_up 0, and resolves once start-sentinel.sh restarts them",
    async () => {
      const prom = monitored.prometheus;
      const [survivor, ...killed] = sentinels as [Pod, ...Pod[]];
      const recorder = new AlertRecorder(prom);
      let incidentS = 0;
      try {
        // The redis-sentinel containers crash; the pods (and their exporter sidecars) stay.
        for (const s of killed) await s.kill({ keepDns: true });
        const killedAt = Date.now();
        await waitFor(
          "the killed Sentinels' exporters to report redis_up 0",
          async () => {
            const down = (await prom.query('redis_up{component="sentinel"} == 0')).map((s) => s.metric.pod).sort();
            return { done: JSON.stringify(down) === JSON.stringify(killed.map((p) => p.name).sort()), state: `redis_up 0: ${down.join(', ') || 'none'}` };
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        const fired = await prom.waitForAlert('RedisSentinelQuorumLost', { match: (a) => a.labels.pod === survivor.name, timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - killedAt) / 1000;
        expect(fired.labels).toMatchObject({ namespace: chart.namespace, release, mode: 'sentinel', master_name: chart.masterSet, severity: 'critical' });
        // What the alert says is what the surviving Sentinel says.
        await expect(sentinelCommand(survivor, 'SENTINEL', 'CKQUORUM', chart.masterSet)).rejects.toThrow(/NOQUORUM/);

        const repairedAt = Date.now();
        incidentS = (repairedAt - killedAt) / 1000;
        await Promise.all(killed.map((s) => chart.start(s)));
        await prom.waitForAlertGone('RedisSentinelQuorumLost', { timeoutMs: RESOLVE_BOUND_MS });
        const resolvedS = (Date.now() - repairedAt) / 1000;
        log.alert({
          alert: 'RedisSentinelQuorumLost',
          incident: `SIGKILL of the redis-sentinel containers of 2 of 3 Sentinel pods (quorum ${chart.quorum}, down-after ${envValue(chart.sentinel, 'DOWN_AFTER_MS')}ms)`,
          firingS,
          repair: 'a container restart of both through start-sentinel.sh',
          resolvedS,
        });
        await waitForGroup(redis, sentinels, chart.masterSet, 'the group to be whole again', GROUP_TIMEOUT_MS, describeAll);
        await monitored.waitQuiet(RESOLVE_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - repairedAt) / 1000).toFixed(1)}s after the restart`);
      } finally {
        await recorder.stop();
        figure(`alerts seen while 2 Sentinels were down (seconds from the kill):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.errors).toEqual([]);
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisSentinelQuorumLost');
      // The dead Sentinels' exporters served redis_up 0 for longer than RedisDown's `for`: had any
      // Redis-pod alert counted them, it would have been pending at least.
      expect(incidentS).toBeGreaterThan(Number.parseInt(SHORT_FOR, 10) + 2);
      expect([...recorder.seen.values()].filter((s) => REDIS_POD_ALERTS.includes(s.alert)).map((s) => s.key)).toEqual([]);
    },
    FIRE_BOUND_MS + RESOLVE_BOUND_MS + 2 * GROUP_TIMEOUT_MS,
  );

  it(
    `fires RedisSentinelFailoversFrequent after two SENTINEL FAILOVERs in a row (three master addresses within ${FAILOVER_WINDOW})`,
    async () => {
      const prom = monitored.prometheus;
      const masters: Pod[] = [await currentMaster()];
      const deprioritised: Pod[] = [];
      const recorder = new AlertRecorder(prom);
      let switchedAt = 0;
      try {
        for (let i = 0; i < 2; i++) {
          // Sentinel promotes by replica-priority, then offset, then run ID: with idle replicas it may
          // pick the previous master again, which is no new address. Pods that were master already
          // get replica-priority 0 (never promoted), so each failover names a pod not seen yet.
          for (const p of masters.slice(0, -1)) {
            if (deprioritised.includes(p)) continue;
            await p.command('CONFIG', 'SET', 'replica-priority', '0');
            deprioritised.push(p);
          }
          await waitSentinelsSeePriorities(deprioritised);
          const before = masters.at(-1)!;
          await waitFor(
            `SENTINEL FAILOVER ${chart.masterSet} to be accepted (failover ${i + 1})`,
            async () => {
              try {
                await sentinelCommand(sentinels[i % sentinels.length]!, 'SENTINEL', 'FAILOVER', chart.masterSet);
                return { done: true, state: 'accepted' };
              } catch (e) {
                return { done: false, state: (e as Error).message };
              }
            },
            { timeoutMs: 30_000, intervalMs: 500 },
          );
          const promoted = await waitFor<Pod>(
            `every Sentinel to name a new master after failover ${i + 1}`,
            async () => {
              const named = new Set(await Promise.all(sentinels.map((s) => sentinelMasterAddr(s, chart.masterSet))));
              const p = redis.find((x) => named.size === 1 && named.has(x.address) && x !== before);
              if (!p || (await roleOf(p)).role !== 'master') return { done: false, state: await groupText(redis, sentinels, chart.masterSet) };
              return { done: true, state: `${p.name} named`, value: p };
            },
            { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 200, context: describeAll },
          );
          switchedAt = Date.now();
          masters.push(promoted.value!);
          figure(`failover ${i + 1}: ${before.name} -> ${promoted.value!.name} in ${(promoted.elapsedMs / 1000).toFixed(1)}s`);
          if (i === 0) await waitForGroup(redis, sentinels, chart.masterSet, `the group to be whole after failover ${i + 1}`, GROUP_TIMEOUT_MS, describeAll);
        }
        expect(new Set(masters.map((p) => p.address)).size).toBe(3);
        const fired = await prom.waitForAlert('RedisSentinelFailoversFrequent', { timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - switchedAt) / 1000;
        expect(fired.labels).toMatchObject({ namespace: chart.namespace, release, mode: 'sentinel', master_name: chart.masterSet, severity: 'warning' });
        expect(Number(fired.value)).toBe(2);
        expect(fired.annotations.summary).toBe(`Redis Sentinel group ${chart.namespace}/${release}: 2 master changes of ${chart.masterSet} in ${FAILOVER_WINDOW}`);
        log.alert({
          alert: 'RedisSentinelFailoversFrequent',
          incident: `the second of two SENTINEL FAILOVERs in a row (${masters.map((p) => p.name.replace(/^.*-node-/, 'node-')).join(' -> ')}, window ${FAILOVER_WINDOW})`,
          firingS,
        });
        await waitForGroup(redis, sentinels, chart.masterSet, 'the group to be whole after the failovers', GROUP_TIMEOUT_MS, describeAll);
      } finally {
        for (const p of deprioritised) await p.command('CONFIG', 'SET', 'replica-priority', '100').catch(() => undefined);
        await recorder.stop();
        figure(`alerts seen during the failovers (seconds from the first):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.errors).toEqual([]);
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisSentinelFailoversFrequent');
    },
    2 * (30_000 + 2 * GROUP_TIMEOUT_MS + 15_000) + FIRE_BOUND_MS,
  );

  it(
    'fires RedisSentinelMasterDisagreement when one Sentinel is partitioned with the old master, and resolves once both restart through the chart scripts',
    async () => {
      const prom = monitored.prometheus;
      const recorder = new AlertRecorder(prom);
      const old = await currentMaster();
      const stale = sentinels[2]!;
      try {
        // The master's pod is deleted: redis and its sidecar die, a replica is promoted.
        await old.kill();
        await monitored.podDeleted(old);
        const promoted = await waitFor<Pod>(
          `a replica to be promoted after the deletion of ${old.name}`,
          async () => {
            const addr = await sentinelMasterAddr(sentinels[0]!, chart.masterSet);
            const p = redis.find((x) => x !== old && x.running && x.address === addr);
            if (!p) return { done: false, state: await groupText(redis, sentinels, chart.masterSet) };
            return { done: (await roleOf(p)).role === 'master', state: `${p.name} named`, value: p };
          },
          { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 100, context: describeAll },
        );
        // The partition: the old master comes back on a new address with its original config (a
        // writable master nobody else knows, as in sentinel-split-brain.test.ts), and one Sentinel pod
        // comes back on a new address with a config that monitors only that old master and names no
        // peer (the stand-in for a partition that leaves it alone with the old master: it hears no
        // hello of the other Sentinels, so it never learns of the failover).
        old.moveTo(await sandbox!.allocateIp());
        const conf = path.join(old.dir, 'original-redis.conf');
        writeFileSync(
          conf,
          originalMasterConf.replace(/^(bind|bind-source-addr|replica-announce-ip) .*$/gm, (_, k: string) => `${k} ${old.ip}`),
        );
        await old.start({ kind: 'command', command: redisBinary('redis-server'), args: [conf], password: chart.redisPassword });
        await monitored.podCreated(old);
        await stale.kill();
        await monitored.podDeleted(stale);
        stale.moveTo(await sandbox!.allocateIp());
        const staleConf = path.join(stale.dir, 'partitioned-sentinel.conf');
        writeFileSync(
          staleConf,
          [
            `bind ${stale.ip}`,
            `port ${chart.sentinelPort}`,
            `dir ${stale.dir}`,
            ...(chart.sentinelPassword ? [`requirepass ${chart.sentinelPassword}`] : []),
            `sentinel monitor ${chart.masterSet} ${old.ip} 6379 ${chart.quorum}`,
            ...(chart.redisPassword ? [`sentinel auth-pass ${chart.masterSet} ${chart.redisPassword}`] : []),
            `sentinel down-after-milliseconds ${chart.masterSet} 5000`,
            '',
          ].join('\n'),
        );
        await stale.start({ kind: 'command', command: redisBinary('redis-sentinel'), args: [staleConf], password: chart.sentinelPassword, port: chart.sentinelPort });
        await monitored.podCreated(stale);
        const incidentAt = Date.now();
        const named = await Promise.all(sentinels.map((s) => sentinelMasterAddr(s, chart.masterSet)));
        expect(new Set(named)).toEqual(new Set([promoted.value!.address, old.address]));
        const fired = await prom.waitForAlert('RedisSentinelMasterDisagreement', { timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - incidentAt) / 1000;
        expect(fired.labels).toMatchObject({ namespace: chart.namespace, release, mode: 'sentinel', master_name: chart.masterSet, severity: 'critical' });
        expect(Number(fired.value)).toBe(2);
        figure(
          `RedisSentinelMasterDisagreement: ${stale.name} names ${old.address}, the others ${promoted.value!.address} (for ${SHORT_FOR}, scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`,
        );

        // Repair: the partition heals; both containers restart through the chart's own scripts, the
        // Sentinel first (start-sentinel.sh asks its peers), then the old master (start-redis.sh asks
        // the Sentinels and starts as a replica).
        const repairedAt = Date.now();
        await stale.kill({ keepDns: true });
        await chart.start(stale);
        await old.kill({ keepDns: true });
        await chart.start(old);
        await prom.waitForAlertGone('RedisSentinelMasterDisagreement', { timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisSentinelMasterDisagreement',
          incident: 'one Sentinel partitioned with the old master (back on a new IP with its original config) after a failover',
          firingS,
          repair: 'container restarts of the old master (start-redis.sh) and of that Sentinel (start-sentinel.sh)',
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await waitForGroup(redis, sentinels, chart.masterSet, 'the group to be whole after the partition', GROUP_TIMEOUT_MS, describeAll);
      } finally {
        await recorder.stop();
        figure(`alerts seen during the partition (seconds from the master's deletion):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.errors).toEqual([]);
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisSentinelMasterDisagreement');
    },
    3 * GROUP_TIMEOUT_MS + FIRE_BOUND_MS + RESOLVE_BOUND_MS,
  );
});

/** The running Redis pod every running Sentinel names, answering ROLE master. */
async function currentMaster(): Promise<Pod> {
  const g = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to be whole', GROUP_TIMEOUT_MS, describeAll);
  return g.master;
}

/** Waits until every Sentinel lists each of `pods` as a replica with slave-priority 0 (read from the replica's INFO, every 10 s). */
async function waitSentinelsSeePriorities(pods: readonly Pod[]): Promise<void> {
  if (pods.length === 0) return;
  await waitFor(
    `the Sentinels to see replica-priority 0 on ${pods.map((p) => p.name).join(', ')}`,
    async () => {
      for (const s of sentinels) {
        const listed = ((await sentinelCommand(s, 'SENTINEL', 'REPLICAS', chart.masterSet)) as RespValue[]).map(flat);
        for (const p of pods) {
          const e = listed.find((x) => `${x.ip}:${x.port}` === p.address);
          if (e?.['slave-priority'] !== '0') return { done: false, state: `${s.name} lists ${p.name} with slave-priority ${e?.['slave-priority'] ?? '(not listed)'}` };
        }
      }
      return { done: true, state: 'seen' };
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}
