/**
 * Monitoring proven end to end for the Redis incidents a release meets in production (issue 13):
 * one Sentinel group of the redis-sentinel chart (its own start-redis.sh / start-sentinel.sh pods:
 * charts/redis-sentinel/tests/behaviour), one real redis_exporter per Redis pod started from the
 * rendered sidecar, and a real Prometheus loaded with the rendered PodMonitor and PrometheusRule of
 * charts/redis-monitoring (ci/sentinel-values.yaml, time constants shortened through values only:
 * lib/monitored-release.ts). Expressions and thresholds are the production ones.
 *
 * The group is rendered as a cache (the chart's own values: `redis.maxmemoryPolicy=allkeys-lru`, the
 * policy of environments/sessions-sentinel, and `resources.limits.memory=64Mi`, so maxmemory is
 * 0.75 x 64 MiB), so that memory pressure evicts keys. Each incident is done to real processes:
 *
 *   1. connections near maxclients: maxclients of the live master lowered (CONFIG SET) to a few
 *      above its connected clients, then a client opens connections until Redis rejects them
 *      -> RedisRejectedConnections; repair: the connections closed, maxclients restored;
 *   2. evictions under memory pressure: a writer fills the master past maxmemory
 *      -> RedisKeysEvicted and RedisMemoryCritical; repair: the writer stopped and its keys deleted
 *      (a marker key is written first: the master never holds zero keys, which RedisDataVanished
 *      would rightly report, as it would after a FLUSHALL);
 *   3. a failed RDB snapshot: BGSAVE on a replica, its fork child SIGKILLed (what the OOM killer does
 *      to a fork under a memory limit) -> RedisRdbSaveFailed; repair: a successful BGSAVE;
 *   4. a failed AOF rewrite (the chart renders `appendonly yes`): BGREWRITEAOF on the master, its
 *      fork child SIGKILLed -> RedisAofWriteFailed; repair: a successful BGREWRITEAOF;
 *   5. replication lag: a replica SIGSTOPped while the master takes more writes than
 *      alerts.thresholds.replicationLagBytes -> RedisReplicationLag; repair: SIGCONT.
 *
 * During each incident the dashboard panel that plots its metric (overview: rejected connections /
 * evictions per second; replication: RDB / AOF status, replication lag in bytes), run as Grafana
 * would, must show it. None of these panels is incident-only: on a healthy release they show 0 / ok.
 *
 * RedisRejectedConnections and RedisKeysEvicted have no `for` but a look-back in their expression
 * (`increase(...[<window>])`, alerts.thresholds.rejectedConnectionsWindow / evictedKeysWindow,
 * 5m by default, WINDOW here): they resolve only once that window has slid past the last
 * rejection / eviction. Their resolution is watched from the repair on, while the other
 * incidents run, and asserted by the last test. Seconds are printed ([monitoring-e2e]), never
 * asserted beyond generous bounds. Fork children and stopped processes are children / pods of
 * redis-servers this file started; every process dies with the sandbox's cleanup.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { asText, monitoringBinary, parseInfo, RedisReplyError, RespConnection, Sandbox, WaitAborted, waitFor, type Pod, type PromAlert, type RespValue } from '@redis-gitops/redis-testkit';
import type { RedisSentinelChart } from '../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { roleOf } from '../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { panelName, panelsOf, substitute } from './lib/dashboard-panels.ts';
import { figureLog } from './lib/figures.ts';
import { monitorSentinelGroup, startSentinelGroup } from './lib/monitored-sentinel.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

// Fail at once, before anything starts, when a binary is missing (never skip).
monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

const FILE_T0 = Date.now();
/** The chart's own values that make the group a small cache (see the header). */
const MAXMEMORY_POLICY = 'allkeys-lru';
const MEMORY_LIMIT = '64Mi';
/** The look-back of RedisRejectedConnections and RedisKeysEvicted in this file (5m by default): at least a few scrapes, so increase() sees the counter move. */
const WINDOW = '30s';
/** Generous bounds on a shared 2-core machine, not expectations. */
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 90_000;
/** Beyond an alert's fixed look-back window: scrape, evaluation and a loaded machine. */
const WINDOW_SLACK_MS = 90_000;
/** Value size of the writers (evictions, replication lag). */
const VALUE_BYTES = 4096;

let sandbox: Sandbox | undefined;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
let monitored: MonitoredRelease;
let release = '';
const log = figureLog(import.meta.filename);
const { figure, summary } = log;
const describeAll = () => sandbox!.describe(20);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Alerts with a fixed look-back still sliding past their repair: excluded from the quiet checks until they resolve. */
const windowed = new Map<string, WindowedResolution>();
let fileEnded = false;
/** Every AlertRecorder of the file, stopped in afterAll too (a failed test may leave one polling). */
const recorders: AlertRecorder[] = [];
function record(prom: MonitoredRelease['prometheus']): AlertRecorder {
  const r = new AlertRecorder(prom);
  recorders.push(r);
  return r;
}

interface WindowedResolution {
  readonly alert: string;
  readonly incident: string;
  readonly firingS: number;
  readonly repair: string;
  readonly windowMs: number;
  /** Seconds from the repair to the alert's last sighting being gone. */
  readonly resolved: Promise<number>;
}

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-redis-incidents', ports: [6379, 26379, 9121], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  const group = await startSentinelGroup(sandbox, {
    set: [`redis.maxmemoryPolicy=${MAXMEMORY_POLICY}`, `resources.requests.memory=${MEMORY_LIMIT}`, `resources.limits.memory=${MEMORY_LIMIT}`],
  });
  ({ chart, redis, sentinels, release } = group);
  const installedS = group.installedS;
  // The look-back windows of RedisKeysEvicted and RedisRejectedConnections are values too: shortened like every other time constant.
  monitored = await monitorSentinelGroup(sandbox, group, { set: [`alerts.thresholds.evictedKeysWindow=${WINDOW}`, `alerts.thresholds.rejectedConnectionsWindow=${WINDOW}`] });
  // Nothing firing, and nothing with a shortened `for` pending (RedisMemoryGrowthToMaxmemory keeps its
  // production 1h `for`: with 48 MiB of maxmemory the start-up growth alone makes it pending).
  await monitored.waitQuiet(30_000);
  figure(
    `setup: Sentinel group (${redis.length} Redis + ${sentinels.length} Sentinels, ${MAXMEMORY_POLICY}, limits.memory ${MEMORY_LIMIT}) whole in ${installedS.toFixed(1)}s, exporters + prometheus scraping, no alert, after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
}, 180_000);

afterAll(async () => {
  fileEnded = true;
  await Promise.all(recorders.map((r) => r.stop()));
  // Never leave a SIGSTOPped process behind a failed test (cleanup SIGKILLs it anyway).
  for (const p of redis ?? []) if (p.pid !== undefined) resume(p);
  await sandbox?.cleanup();
  summary(`redis-incidents figures (file ran ${((Date.now() - FILE_T0) / 1000).toFixed(0)}s)`);
}, 60_000);

describe('Redis incidents on a Sentinel group, end to end (real redis-server, redis-sentinel, redis_exporter, prometheus)', () => {
  it('renders the group as an evicting cache with AOF and RDB snapshots (what the incidents below rely on)', async () => {
    const master = await currentMaster();
    const conf = await configOf(master, 'maxmemory-policy', 'maxmemory', 'appendonly', 'save', 'stop-writes-on-bgsave-error');
    expect(conf['maxmemory-policy']).toBe(MAXMEMORY_POLICY);
    expect(Number(conf.maxmemory)).toBeGreaterThan(0);
    expect(conf.appendonly).toBe('yes');
    expect(conf.save).not.toBe('');
    const max = await monitored.prometheus.query(`redis_memory_max_bytes{namespace="${chart.namespace}",release="${release}"}`);
    const names = new Set(redis.map((p) => p.name));
    expect(max.filter((s) => names.has(s.metric.pod ?? '')).map((s) => s.value)).toEqual(redis.map(() => Number(conf.maxmemory)));
    figure(
      `rendered and live: maxmemory ${conf.maxmemory} bytes, ${conf['maxmemory-policy']}, appendonly ${conf.appendonly}, save "${conf.save}", stop-writes-on-bgsave-error ${conf['stop-writes-on-bgsave-error']}`,
    );
  });

  it(
    'fires RedisRejectedConnections when clients exhaust maxclients on the master (resolution: last test)',
    async () => {
      const prom = monitored.prometheus;
      const master = await currentMaster();
      const recorder = record(prom);
      const admin = await RespConnection.open(master.connection({ commandTimeoutMs: 5000 }));
      const held: RespConnection[] = [];
      let rejected = 0;
      let maxclients = '';
      let incidentAt = 0;
      let repairedAt = 0;
      let before = 0;
      let lowered = 0;
      try {
        maxclients = (await configOf(master, 'maxclients')).maxclients!;
        before = Number(parseInfo(asText(await admin.call('INFO', 'stats'))).rejected_connections);
        const connected = Number(parseInfo(asText(await admin.call('INFO', 'clients'))).connected_clients);
        // The rendered config leaves maxclients at Redis' default (10000): lowered on the live server, a
        // few above the clients it has now, as part of the incident.
        lowered = connected + 5;
        incidentAt = Date.now();
        await admin.call('CONFIG', 'SET', 'maxclients', String(lowered));
        // A client that leaks connections: it opens more until Redis refuses them.
        for (let i = 0; i < 200 && rejected < 20; i++) {
          try {
            held.push(await RespConnection.open(master.connection({ connectTimeoutMs: 2000, commandTimeoutMs: 2000 })));
          } catch (e) {
            if (!(e instanceof RedisReplyError) && !/closed|reset|max number of clients/i.test((e as Error).message)) throw e;
            rejected += 1;
          }
        }
      } finally {
        // Repair at once: the leaking client's connections closed, maxclients back to the rendered value.
        for (const c of held) c.close();
        if (maxclients) await admin.call('CONFIG', 'SET', 'maxclients', maxclients);
        repairedAt = Date.now();
      }
      try {
        const after = Number(parseInfo(asText(await admin.call('INFO', 'stats'))).rejected_connections);
        admin.close();
        figure(
          `${master.name}: maxclients ${maxclients} lowered to ${lowered}; ${held.length} connections accepted, ${rejected} refused by the client's count, rejected_connections ${before} -> ${after}; repaired (closed, maxclients ${maxclients}) after ${((repairedAt - incidentAt) / 1000).toFixed(1)}s`,
        );
        expect(after - before).toBeGreaterThanOrEqual(rejected);
        expect(rejected).toBeGreaterThan(0);
        await prom.waitForAlert('RedisRejectedConnections', { match: podIs(master), timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - incidentAt) / 1000;
        figure(`RedisRejectedConnections{pod=${master.name}} firing (no for; scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`);
        await expectPanelShows(master, 'redis_rejected_connections_total');
        watchWindowedResolution({
          alert: 'RedisRejectedConnections',
          pod: master,
          incident: `a client opening connections to the master past maxclients (lowered with CONFIG SET to ${lowered}, ${rejected} refused)`,
          firingS,
          repair: `the connections closed and maxclients restored to ${maxclients}`,
          repairedAt,
        });
        await waitQuiet(RESOLVE_BOUND_MS);
      } finally {
        admin.close();
        await recorder.stop();
        figure(`alerts seen (seconds from the incident):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
    },
    FIRE_BOUND_MS + RESOLVE_BOUND_MS + 30_000,
  );

  it(
    'fires RedisKeysEvicted and RedisMemoryCritical when a writer fills the master past maxmemory; RedisMemoryCritical resolves once its keys are deleted (RedisKeysEvicted: last test)',
    async () => {
      const prom = monitored.prometheus;
      const master = await currentMaster();
      const recorder = record(prom);
      const evictedBefore = Number((await master.info('stats')).evicted_keys);
      const incidentAt = Date.now();
      const writer = startFiller(master, 'fill', evictedBefore);
      let writes: FillerReport | undefined;
      let repairedAt = 0;
      let firedAt: Record<string, number> = {};
      try {
        const fired = await Promise.all(
          ['RedisKeysEvicted', 'RedisMemoryCritical'].map(async (alert) => {
            await prom.waitForAlert(alert, { match: podIs(master), timeoutMs: FIRE_BOUND_MS });
            return [alert, (Date.now() - incidentAt) / 1000] as const;
          }),
        );
        firedAt = Object.fromEntries(fired);
        await expectPanelShows(master, 'redis_evicted_keys_total');
      } finally {
        writes = await writer.stop();
        const evicted = Number((await master.info('stats')).evicted_keys) - evictedBefore;
        figure(
          `writer on ${master.name}: ${writes.written} SETs of ${VALUE_BYTES} B in ${((Date.now() - incidentAt) / 1000).toFixed(1)}s, ${writes.failed} failed ${JSON.stringify(writes.errors)}; ${evicted} keys evicted`,
        );
        // Repair: a marker key first (the master keeps a key), then the writer's keys deleted.
        await master.command('SET', 'incident:evictions:repaired', String(Date.now()));
        repairedAt = Date.now();
        const deleted = await deleteMatching(master, 'fill:*');
        figure(`repair: writer stopped, ${deleted} of its keys deleted in ${((Date.now() - repairedAt) / 1000).toFixed(1)}s; used_memory now ${(await master.info('memory')).used_memory} bytes`);
      }
      expect(writes.failed).toBe(0);
      await prom.waitForAlertGone('RedisMemoryCritical', { timeoutMs: RESOLVE_BOUND_MS });
      log.alert({
        alert: 'RedisMemoryCritical',
        incident: `a writer filling the master past maxmemory (${MAXMEMORY_POLICY})`,
        firingS: firedAt.RedisMemoryCritical!,
        repair: 'the writer stopped and its keys deleted',
        resolvedS: (Date.now() - repairedAt) / 1000,
      });
      watchWindowedResolution({
        alert: 'RedisKeysEvicted',
        pod: master,
        incident: `a writer filling the master past maxmemory (${MAXMEMORY_POLICY})`,
        firingS: firedAt.RedisKeysEvicted!,
        repair: 'the writer stopped and its keys deleted',
        repairedAt,
      });
      await waitQuiet(RESOLVE_BOUND_MS);
      await recorder.stop();
      figure(`alerts seen (seconds from the writer's start):\n    ${recorder.text().split('\n').join('\n    ')}`);
      expect(recorder.firing().map((s) => s.alert)).toEqual(expect.arrayContaining(['RedisKeysEvicted', 'RedisMemoryCritical']));
    },
    2 * FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS,
  );

  it(
    "fires RedisRdbSaveFailed when a replica's BGSAVE child is SIGKILLed, and resolves after a successful BGSAVE",
    async () => {
      const prom = monitored.prometheus;
      const replica = (await currentReplicas())[0]!;
      const recorder = record(prom);
      try {
        // A clean start: no fork running, and a snapshot that just succeeded (so no save point of the
        // rendered `save` schedule triggers Redis' own retry while the incident lasts).
        await bgsave(replica);
        const incidentAt = Date.now();
        const child = await killForkChild(replica, 'BGSAVE', 'rdb_bgsave_in_progress');
        const p = await replica.info('persistence');
        expect(p.rdb_last_bgsave_status).toBe('err');
        // What stop-writes-on-bgsave-error does: the pod refuses writes, and even PING.
        const ping = await replica.command('PING').then(
          (r) => String(r),
          (e: Error) => e.message,
        );
        figure(`${replica.name}: BGSAVE child ${child.pid} (${child.title}) SIGKILLed; rdb_last_bgsave_status ${p.rdb_last_bgsave_status}; PING answers: ${ping.slice(0, 60)}`);
        await prom.waitForAlert('RedisRdbSaveFailed', { match: podIs(replica), timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - incidentAt) / 1000;
        await expectPanelShows(replica, 'redis_rdb_last_bgsave_status', FAILED);

        const repairedAt = Date.now();
        await bgsave(replica);
        await prom.waitForAlertGone('RedisRdbSaveFailed', { timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisRdbSaveFailed',
          incident: "SIGKILL of a replica's BGSAVE fork child (as the OOM killer does)",
          firingS,
          repair: 'a successful BGSAVE',
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await waitQuiet(RESOLVE_BOUND_MS);
      } finally {
        await recorder.stop();
        figure(`alerts seen (seconds from the first BGSAVE):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisRdbSaveFailed');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + 60_000,
  );

  it(
    "fires RedisAofWriteFailed when the master's AOF rewrite child is SIGKILLed, and resolves after a successful BGREWRITEAOF",
    async () => {
      const prom = monitored.prometheus;
      const master = await currentMaster();
      const recorder = record(prom);
      try {
        await bgrewriteaof(master);
        const incidentAt = Date.now();
        const child = await killForkChild(master, 'BGREWRITEAOF', 'aof_rewrite_in_progress');
        const p = await master.info('persistence');
        expect(p.aof_last_bgrewrite_status).toBe('err');
        figure(`${master.name}: AOF rewrite child ${child.pid} (${child.title}) SIGKILLed; aof_last_bgrewrite_status ${p.aof_last_bgrewrite_status}, aof_last_write_status ${p.aof_last_write_status}`);
        await prom.waitForAlert('RedisAofWriteFailed', { match: podIs(master), timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - incidentAt) / 1000;
        await expectPanelShows(master, 'redis_aof_last_bgrewrite_status', FAILED);

        const repairedAt = Date.now();
        await bgrewriteaof(master);
        await prom.waitForAlertGone('RedisAofWriteFailed', { timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisAofWriteFailed',
          incident: "SIGKILL of the master's AOF rewrite fork child (the rewrite branch; a failing append needs a full or read-only volume)",
          firingS,
          repair: 'a successful BGREWRITEAOF',
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await waitQuiet(RESOLVE_BOUND_MS);
      } finally {
        await recorder.stop();
        figure(`alerts seen (seconds from the first BGREWRITEAOF):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisAofWriteFailed');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + 60_000,
  );

  it(
    'fires RedisReplicationLag when a replica is SIGSTOPped under writes, and resolves once it runs again',
    async () => {
      const prom = monitored.prometheus;
      const master = await currentMaster();
      const replica = (await currentReplicas()).at(-1)!;
      const threshold = lagThreshold();
      const recorder = record(prom);
      let stopped = false;
      try {
        const incidentAt = Date.now();
        process.kill(serverPid(replica), 'SIGSTOP');
        stopped = true;
        // Writes that overwrite a few keys: the replication stream grows, the dataset does not.
        const lag = await writeUntilLag(master, replica, 1.5 * threshold);
        figure(`${replica.name} SIGSTOPped; ${lag.writes} SETs of ${VALUE_BYTES} B on ${master.name}: master_repl_offset - its offset = ${lag.bytes} bytes (threshold ${threshold})`);
        const fired = await prom.waitForAlert('RedisReplicationLag', { match: (a) => a.labels.slave_ip === replica.ip, timeoutMs: FIRE_BOUND_MS });
        const firingS = (Date.now() - incidentAt) / 1000;
        figure(`RedisReplicationLag{pod=${fired.labels.pod}, slave_ip=${fired.labels.slave_ip}} firing (for ${SHORT_FOR})`);
        await expectPanelShows(master, 'redis_connected_slave_offset_bytes', { over: 'max_over_time', ok: (v) => v > threshold, what: `a lag above ${threshold} bytes` });

        const repairedAt = Date.now();
        resume(replica);
        stopped = false;
        await prom.waitForAlertGone('RedisReplicationLag', { timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisReplicationLag',
          incident: `SIGSTOP of a replica while the master took ${(lag.bytes / 1048576).toFixed(0)} MiB of writes`,
          firingS,
          repair: 'SIGCONT',
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await waitQuiet(RESOLVE_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - repairedAt) / 1000).toFixed(1)}s after SIGCONT`);
      } finally {
        if (stopped) resume(replica);
        await recorder.stop();
        figure(`alerts seen (seconds from the SIGSTOP; a stopped Redis also answers no scrape):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisReplicationLag');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + 30_000,
  );

  it(
    'resolves RedisRejectedConnections and RedisKeysEvicted once their look-back window has passed the repair, then nothing fires',
    async () => {
      const waiting = [...windowed.values()];
      expect(waiting.map((w) => w.alert).sort()).toEqual(['RedisKeysEvicted', 'RedisRejectedConnections']);
      const t0 = Date.now();
      for (const w of waiting) {
        const resolvedS = await w.resolved;
        log.alert({ alert: w.alert, incident: w.incident, firingS: w.firingS, repair: `${w.repair} (look-back ${w.windowMs / 1000}s)`, resolvedS });
        windowed.delete(w.alert);
      }
      await monitored.waitQuiet(RESOLVE_BOUND_MS);
      figure(`waited ${((Date.now() - t0) / 1000).toFixed(0)}s in this test for the look-back windows; no alert firing and none with a shortened for pending`);
    },
    6 * 60_000 + 2 * WINDOW_SLACK_MS,
  );
});

// ---- helpers --------------------------------------------------------------------------------------

const podIs = (pod: Pod) => (a: PromAlert) => a.labels.pod === pod.name;

async function currentMaster(): Promise<Pod> {
  for (const p of redis) if ((await roleOf(p)).role === 'master') return p;
  throw new Error(`no Redis pod answers ROLE master\n${describeAll()}`);
}

async function currentReplicas(): Promise<Pod[]> {
  const out: Pod[] = [];
  for (const p of redis) if ((await roleOf(p)).role === 'replica') out.push(p);
  if (out.length === 0) throw new Error(`no Redis pod answers ROLE replica\n${describeAll()}`);
  return out;
}

async function configOf(pod: Pod, ...names: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const r = (await pod.command('CONFIG', 'GET', n)) as RespValue[];
    out[n] = String(r[1] ?? '');
  }
  return out;
}

/** Waits until no alert fires and none with a shortened `for` is pending, apart from the look-back alerts still sliding past their repair. */
async function waitQuiet(timeoutMs: number): Promise<void> {
  if (windowed.size === 0) return monitored.waitQuiet(timeoutMs);
  const shortened = monitored.shortenedAlerts;
  const name = (a: PromAlert) => a.labels.alertname ?? '';
  await monitored.prometheus.waitNoAlerts(timeoutMs, (a) => !windowed.has(name(a)) && (a.state === 'firing' || shortened.has(name(a))));
}

/** The look-back of an alert's expression as rendered (`increase(...[5m])`), in ms. */
function lookBackMs(alert: string): number {
  const expr = monitored.rules.find((r) => r.alert === alert)?.expr ?? '';
  const m = /\[(\d+)([smh])\]/.exec(expr);
  if (!m) throw new Error(`no [window] in the rendered expression of ${alert}: ${expr}`);
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
}

/** The rendered RedisReplicationLag threshold in bytes (alerts.thresholds.replicationLagBytes). */
function lagThreshold(): number {
  const expr = monitored.rules.find((r) => r.alert === 'RedisReplicationLag')?.expr ?? '';
  const m = /\)\s*>\s*(\d+)\s*$/.exec(expr);
  if (!m) throw new Error(`no threshold in the rendered RedisReplicationLag: ${expr}`);
  return Number(m[1]);
}

/** Polls, from the repair on, until the alert (for that pod) is neither pending nor firing; runs while the next tests do. */
function watchWindowedResolution(o: { alert: string; pod: Pod; incident: string; firingS: number; repair: string; repairedAt: number }): void {
  const windowMs = lookBackMs(o.alert);
  const resolved = waitFor(
    `${o.alert} to resolve once its ${windowMs / 1000}s look-back has passed the repair`,
    async () => {
      if (fileEnded) throw new WaitAborted('the test file ended first');
      const all = await monitored.prometheus.alerts();
      return { done: !all.some((a) => a.labels.alertname === o.alert && a.labels.pod === o.pod.name), state: all.map((a) => `${a.labels.alertname} ${a.state}`).join('; ') };
    },
    { timeoutMs: windowMs + WINDOW_SLACK_MS, intervalMs: 1000 },
  ).then(() => (Date.now() - o.repairedAt) / 1000);
  resolved.catch(() => undefined); // awaited (and reported) by the last test
  windowed.set(o.alert, { alert: o.alert, incident: o.incident, firingS: o.firingS, repair: o.repair, windowMs, resolved });
}

/** What a panel must show during an incident: the pod's series over the last minute, reduced by `over`, passing `ok`. */
interface PanelExpectation {
  readonly over: 'max_over_time' | 'min_over_time';
  readonly ok: (v: number) => boolean;
  /** e.g. "a rate above 0" */
  readonly what: string;
}
const FAILED: PanelExpectation = { over: 'min_over_time', ok: (v) => v === 0, what: 'a failure (0)' };
const RATE_ABOVE_0: PanelExpectation = { over: 'max_over_time', ok: (v) => v > 0, what: 'a rate above 0' };

/**
 * The dashboard panel (of a redis-sentinel release) that plots `metric`, run as Grafana would
 * (variables substituted): waits until `pod`'s series shows the incident within the last minute (a
 * scrape after the incident must have landed inside the panel's rate interval first).
 */
async function expectPanelShows(pod: Pod, metric: string, e: PanelExpectation = RATE_ABOVE_0): Promise<void> {
  const panel = panelsOf('redis-sentinel').find((p) => p.targets.some((t) => t.expr.includes(metric)));
  if (!panel) throw new Error(`no dashboard panel of a redis-sentinel release plots ${metric}`);
  const target = panel.targets.find((t) => t.expr.includes(metric))!;
  const expr = `${e.over}((${substitute(target.expr, { namespace: chart.namespace, release })})[60s:${SCRAPE_INTERVAL}])`;
  const r = await waitFor(
    `dashboard panel "${panelName(panel)}" to show ${e.what} for ${pod.name}`,
    async () => {
      const value = (await monitored.prometheus.query(expr)).find((s) => s.metric.pod === pod.name)?.value;
      return { done: value !== undefined && e.ok(value), state: `${expr} = ${value} for ${pod.name}`, value };
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  log.figure(`dashboard panel "${panelName(panel)}" (${metric}) shows ${e.what} for ${pod.name}: ${e.over.replace('_over_time', '')} ${r.value} in the last minute`);
}

interface FillerReport {
  readonly written: number;
  readonly failed: number;
  readonly errors: Record<string, number>;
}

/**
 * SET <prefix>:<n> of VALUE_BYTES on `pod`, pipelined as fast as it goes until Redis has evicted a
 * key, then 500 SETs/s (it keeps evicting), until stop().
 */
function startFiller(pod: Pod, prefix: string, evictedBefore: number): { stop(): Promise<FillerReport> } {
  const value = 'x'.repeat(VALUE_BYTES);
  const errors: Record<string, number> = {};
  let written = 0;
  let failed = 0;
  let stopped = false;
  const loop = (async () => {
    const c = await RespConnection.open(pod.connection({ commandTimeoutMs: 10_000 }));
    try {
      let filling = true;
      while (!stopped) {
        const batch = filling ? 200 : 50;
        const replies = await Promise.allSettled(Array.from({ length: batch }, (_, i) => c.call('SET', `${prefix}:${written + i}`, value)));
        written += batch;
        for (const r of replies) {
          if (r.status === 'fulfilled') continue;
          failed += 1;
          const k = (r.reason as Error).message.slice(0, 80);
          errors[k] = (errors[k] ?? 0) + 1;
        }
        if (filling) filling = Number(parseInfo(asText(await c.call('INFO', 'stats'))).evicted_keys) === evictedBefore;
        else await sleep(100);
      }
    } finally {
      c.close();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { written, failed, errors };
    },
  };
}

/** SCAN MATCH `pattern` and UNLINK every key found; returns how many were deleted. */
async function deleteMatching(pod: Pod, pattern: string): Promise<number> {
  const c = await RespConnection.open(pod.connection({ commandTimeoutMs: 10_000 }));
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = (await c.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)) as [string, string[]];
      cursor = String(next);
      if (keys.length > 0) deleted += Number(await c.call('UNLINK', ...keys));
    } while (cursor !== '0');
  } finally {
    c.close();
  }
  return deleted;
}

/** Waits until `pod` runs no fork child (no BGSAVE, no AOF rewrite). */
async function waitNoFork(pod: Pod, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    `${pod.name} to run no BGSAVE or AOF rewrite`,
    async () => {
      const p = await pod.info('persistence');
      return { done: p.rdb_bgsave_in_progress === '0' && p.aof_rewrite_in_progress === '0' && p.aof_rewrite_scheduled === '0', state: JSON.stringify(p) };
    },
    { timeoutMs, intervalMs: 200 },
  );
}

/** A BGSAVE that must succeed (no fork running first). */
async function bgsave(pod: Pod): Promise<void> {
  await waitNoFork(pod);
  const before = Number((await pod.info('persistence')).rdb_last_save_time);
  await pod.command('BGSAVE');
  await waitFor(
    `a BGSAVE of ${pod.name} to succeed`,
    async () => {
      const p = await pod.info('persistence');
      return { done: p.rdb_bgsave_in_progress === '0' && p.rdb_last_bgsave_status === 'ok' && Number(p.rdb_last_save_time) >= before, state: JSON.stringify(p) };
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/** A BGREWRITEAOF that must succeed. */
async function bgrewriteaof(pod: Pod): Promise<void> {
  await waitNoFork(pod);
  await pod.command('BGREWRITEAOF');
  await waitFor(
    `an AOF rewrite of ${pod.name} to succeed`,
    async () => {
      const p = await pod.info('persistence');
      return { done: p.aof_rewrite_in_progress === '0' && p.aof_rewrite_scheduled === '0' && p.aof_last_bgrewrite_status === 'ok', state: JSON.stringify(p) };
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

/**
 * Starts `command` (BGSAVE or BGREWRITEAOF) on `pod` with every key's save slowed down
 * (rdb-key-save-delay), SIGKILLs the fork child it starts and waits until Redis has reaped it.
 * The child must be a child of the pod's redis-server process, in the process group this file
 * started. The delay is restored right after the kill: the incident is the dead child only.
 */
async function killForkChild(pod: Pod, command: 'BGSAVE' | 'BGREWRITEAOF', inProgress: string): Promise<{ pid: number; title: string }> {
  await waitNoFork(pod);
  const server = serverPid(pod);
  const delay = (await configOf(pod, 'rdb-key-save-delay'))['rdb-key-save-delay']!;
  await pod.command('CONFIG', 'SET', 'rdb-key-save-delay', '10000000');
  let child: { pid: number; title: string } | undefined;
  try {
    await pod.command(command);
    const found = await waitFor(
      `the fork child of ${command} on ${pod.name}`,
      () => {
        const pid = childrenOf(server)[0];
        return { done: pid !== undefined, state: `children of ${server}: none yet`, value: pid };
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const pid = found.value!;
    child = { pid, title: procText(pid, 'cmdline').trim() };
    process.kill(pid, 'SIGKILL');
  } finally {
    await pod.command('CONFIG', 'SET', 'rdb-key-save-delay', delay);
  }
  await waitFor(
    `${pod.name} to reap its killed ${command} child`,
    async () => {
      const p = await pod.info('persistence');
      return { done: p[inProgress] === '0', state: `${inProgress}:${p[inProgress]}` };
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
  return child!;
}

/** /proc/<pid>/<file> as text ('' when gone), NULs as spaces. */
function procText(pid: number, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Live (non-zombie) children of `parent` in its process group (the pod's "container"), from /proc. */
function childrenOf(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procText(Number(entry), 'stat');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] !== 'Z' && Number(rest[1]) === parent && Number(rest[2]) === parent) out.push(Number(entry));
  }
  return out;
}

/** The pid of the pod's server, redis-server or valkey-server (start-redis.sh execs it: the leader of the process group this file started). */
function serverPid(pod: Pod): number {
  const pid = pod.pid;
  if (pid === undefined || !/^(redis|valkey)-server/.test(procText(pid, 'cmdline')))
    throw new Error(`${pod.name}: pid ${pid} is not a redis-server or valkey-server this file started (${pid ? procText(pid, 'cmdline') : 'not running'})`);
  return pid;
}

/** SIGCONT to a pod's redis-server (a process this file started); ignores one that is gone. */
function resume(pod: Pod): void {
  try {
    if (pod.pid !== undefined) process.kill(pod.pid, 'SIGCONT');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Pipelined SETs overwriting 64 keys on the master until it reports `replica` more than `bytes` behind. */
async function writeUntilLag(master: Pod, replica: Pod, bytes: number): Promise<{ writes: number; bytes: number }> {
  const value = 'y'.repeat(VALUE_BYTES);
  const c = await RespConnection.open(master.connection({ commandTimeoutMs: 10_000 }));
  let writes = 0;
  try {
    for (;;) {
      const lag = replicaLag(parseInfo(asText(await c.call('INFO', 'replication'))), replica);
      if (lag > bytes) return { writes, bytes: lag };
      if (writes > (20 * bytes) / VALUE_BYTES) throw new Error(`${replica.name} is only ${lag} bytes behind after ${writes} writes`);
      await Promise.all(Array.from({ length: 200 }, (_, i) => c.call('SET', `lag:${(writes + i) % 64}`, value)));
      writes += 200;
    }
  } finally {
    c.close();
  }
}

/** master_repl_offset minus the offset the master lists for `replica` (INFO replication of the master). */
function replicaLag(info: Record<string, string>, replica: Pod): number {
  for (const [k, v] of Object.entries(info)) {
    if (!/^slave\d+$/.test(k)) continue;
    const f = Object.fromEntries(v.split(',').map((x) => x.split('=') as [string, string]));
    if (f.ip === replica.ip) return Number(info.master_repl_offset) - Number(f.offset);
  }
  throw new Error(`the master does not list ${replica.name} (${replica.ip}) as a replica: ${JSON.stringify(info)}`);
}
