/**
 * A rolling restart with the preStop handover fires nothing above `info` severity (issue 13), on
 * real processes watched end to end: one real redis_exporter per Redis pod started from the
 * rendered sidecar, and a real Prometheus evaluating the rendered PrometheusRule (every alert's
 * `for` shortened to SHORT_FOR through values only: lib/monitored-release.ts).
 *
 *   1. A Redis Cluster of the redis-cluster chart (ci/cluster-values.yaml). The roll is the one of
 *      charts/redis-cluster/tests/behaviour/rolling-restart.test.ts (operations.ts
 *      rollingRestart), step for step: one pod at a time, highest ordinal first. Each pod is
 *      deleted as kubelet does it: the chart's preStop hook (a master hands its slots to its
 *      replica with CLUSTER FAILOVER), SIGTERM, then SIGKILL after the grace period. It comes back
 *      on a new IP with its volume through the chart's start-node.sh. The next pod goes only once
 *      the chart's readiness probe passes. A steady write load runs throughout (100/s through a
 *      cluster client; acknowledged = the master's OK).
 *   2. A Sentinel group of the redis-sentinel chart (ci/sentinel-values.yaml), rolled the same way:
 *      highest ordinal first, the chart's preStop hook (prestop-redis.sh: on the master, CLIENT
 *      PAUSE WRITE, SENTINEL FAILOVER, REPLICAOF the new master; the handover of
 *      tests/behaviour/failover.test.ts), SIGKILL, fresh emptyDirs, back on a new IP through
 *      start-redis.sh. The next pod goes once the group is whole and the pod's readiness probe
 *      passes. A steady write load runs throughout (acknowledged = OK + WAIT 1). The Sentinel pods'
 *      exporter sidecars are scraped too, so the Sentinel alerts are part of the check.
 *
 * The only addition to the charts' own rolls is what Kubernetes service discovery does meanwhile:
 * the deleted pod's exporter sidecar dies with it, and its target goes once the pod is gone. The
 * new pod's sidecar starts with it on its new IP, and its target appears as soon as the pod has
 * that IP.
 *
 * An AlertRecorder polls /api/v1/alerts every second. It starts before the first pod goes and stops
 * once no warning or critical alert is pending or firing after the last pod is Ready. Severities
 * come from the alerts' own labels, and no alert name is hard-coded. `info` may fire (a handover is
 * a failover). Nothing of severity warning or critical may fire. Every acknowledged write must be
 * readable afterwards. The longest pending episode of each warning/critical alert is printed
 * next to its shortened `for`, as the margin. Seconds are printed ([monitoring-e2e]) and never
 * asserted beyond generous bounds.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  acknowledgedMap,
  makeKeySet,
  monitoringBinary,
  Sandbox,
  waitFor,
  writeKeys,
  writeLoadText,
  type Pod,
  type PromAlert,
  type PrometheusServer,
  type TerminateReport,
  type WriteLoadReport,
} from '@redis-gitops/redis-testkit';
import { assertShardShape, assertWholeCluster, HEALTH_TIMEOUT_MS, installCluster, withWriteLoad } from '../../../redis-cluster/tests/behaviour/operations.ts';
import type { RedisClusterChart } from '../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import type { RedisSentinelChart } from '../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { missingKeys, SentinelClient, startWriteLoad, waitForGroup, writeKeysTo, type LoadReport } from '../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { figureLog } from './lib/figures.ts';
import { monitorSentinelGroup, startSentinelGroup } from './lib/monitored-sentinel.ts';
import { monitorCluster } from './lib/monitored-cluster.ts';
import { AlertRecorder, type AlertSighting, type MonitoredRelease, SHORT_FOR } from './lib/monitored-release.ts';

// Fail at once, before anything starts, when a binary is missing (never skip).
monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

/** Generous bounds on a shared 2-core machine, not expectations. */
const SETUP_BOUND_MS = 180_000;
const ROLL_BOUND_MS = 180_000;
const QUIET_BOUND_MS = 60_000;
const GROUP_TIMEOUT_MS = 90_000;
const CLUSTER_WRITE_RATE = 100;

/** Severities in increasing order; a severity not listed (or a missing label, '?') ranks above them all. */
const SEVERITIES = ['info', 'warning', 'critical'];
const rank = (severity: string): number => {
  const i = SEVERITIES.indexOf(severity);
  return i < 0 ? SEVERITIES.length : i;
};
const aboveInfo = (severity: string): boolean => rank(severity) > rank('info');
const maxSeverityOf = (sightings: readonly AlertSighting[]): string | undefined => sightings.map((s) => s.severity).sort((a, b) => rank(b) - rank(a))[0];
const indent = (text: string) => text.split('\n').join('\n    ');

const sandboxes: Sandbox[] = [];
const log = figureLog(import.meta.filename);
const { figure, summary } = log;

afterAll(async () => {
  for (const s of sandboxes) await s.cleanup();
  summary('rolling-restart figures');
}, 60_000);

/**
 * What an alerting pipeline would see during a roll: the AlertRecorder (first pending / firing per
 * alert), and the longest continuous pending episode of each alert (from its activeAt), which is
 * the margin to its `for`.
 */
class RollWatch {
  readonly recorder: AlertRecorder;
  /** Longest pending episode so far, seconds, by alert key (alertname{pod or release}). */
  readonly longestPendingS = new Map<string, number>();
  private readonly prometheus: PrometheusServer;
  private readonly shortened: ReadonlySet<string>;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(prometheus: PrometheusServer, shortened: ReadonlySet<string>) {
    this.prometheus = prometheus;
    this.shortened = shortened;
    this.recorder = new AlertRecorder(prometheus);
    this.timer = setInterval(() => {
      this.polling = this.poll();
    }, 1000);
  }

  private async poll(): Promise<void> {
    let alerts: PromAlert[];
    try {
      alerts = await this.prometheus.alerts();
    } catch {
      return; // the recorder keeps the errors
    }
    for (const a of alerts) {
      if (a.state !== 'pending') continue;
      const key = `${a.labels.alertname}{${a.labels.pod ?? a.labels.release ?? ''}}`;
      const s = (Date.now() - Date.parse(a.activeAt)) / 1000;
      if (s > (this.longestPendingS.get(key) ?? 0)) this.longestPendingS.set(key, s);
    }
  }

  /** Waits until nothing of severity warning or critical fires, or is pending with a shortened `for`. */
  quietAboveInfo(timeoutMs: number): Promise<void> {
    return this.prometheus.waitNoAlerts(timeoutMs, (a) => aboveInfo(a.labels.severity ?? '?') && (a.state === 'firing' || this.shortened.has(a.labels.alertname ?? '')));
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.recorder.stop();
  }

  /** "RedisDown{pod} 5.1s, ..." for the warning/critical alerts with a shortened `for` that were pending. */
  marginText(): string {
    const rows = [...this.recorder.seen.values()]
      .filter((s) => aboveInfo(s.severity) && this.shortened.has(s.alert))
      .map((s) => `${s.key} (${s.severity}) ${(this.longestPendingS.get(s.key) ?? 0).toFixed(1)}s`);
    return rows.length ? rows.join(', ') : '(none)';
  }

  /** The longest pending episode of any warning/critical alert with a shortened `for`, seconds. */
  longestAboveInfoS(): number {
    const keys = [...this.recorder.seen.values()].filter((s) => aboveInfo(s.severity) && this.shortened.has(s.alert)).map((s) => s.key);
    return Math.max(0, ...keys.map((k) => this.longestPendingS.get(k) ?? 0));
  }
}

/** Starts the new pod's sidecar (and its scrape target) as soon as the pod has moved off `oldIp`, while `starting` runs. */
async function sidecarOnNewIp(monitored: MonitoredRelease, pod: Pod, oldIp: string, starting: Promise<void>): Promise<void> {
  let failed: unknown;
  starting.catch((e: unknown) => {
    failed = e;
  });
  await waitFor(
    `${pod.name} to get its new IP`,
    () => {
      if (failed) throw failed;
      return { done: pod.ip !== oldIp, state: `still ${pod.ip}` };
    },
    { timeoutMs: 30_000, intervalMs: 20 },
  );
  await monitored.podCreated(pod);
}

interface PodRoll {
  readonly pod: string;
  readonly wasMaster: boolean;
  /** How the pod stopped (preStop, SIGTERM or SIGKILL), as text. */
  readonly stop: string;
  /** From the start of the deletion until the new pod was Ready. */
  readonly readyMs: number;
}

const rollText = (pods: readonly PodRoll[]) => pods.map((p) => `${p.pod} (${p.wasMaster ? 'master' : 'replica'}): ${p.stop}, Ready again ${p.readyMs}ms after its deletion began`).join('\n    ');

describe('a rolling restart of a Redis Cluster with the preStop handover, under write load (real redis-server, redis_exporter, prometheus)', () => {
  let sandbox: Sandbox;
  let chart: RedisClusterChart;
  let monitored: MonitoredRelease;
  const known = makeKeySet('known', 1000);

  beforeAll(async () => {
    const t0 = Date.now();
    sandbox = await Sandbox.create({ name: 'monitoring-e2e-rolling-cluster', ports: [6379, 16379, 9121], requires: ['redis-server', 'redis-cli'] });
    sandboxes.push(sandbox);
    ({ chart } = await installCluster(sandbox));
    await writeKeys(chart.pods, known);
    monitored = await monitorCluster(sandbox, chart);
    // A rule evaluation between the first and the last pod's first scrape may leave RedisPodsMissing pending a moment.
    await monitored.waitQuiet(30_000);
    figure(`cluster setup: ${chart.podCount} pods healthy, exporters + prometheus scraping all targets, no alert, after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }, SETUP_BOUND_MS);

  afterAll(async () => {
    await sandbox?.cleanup();
  }, 60_000);

  /**
   * operations.ts rollingRestart, step for step, with service discovery following the pods: the
   * sidecar of a deleted pod dies once the pod is gone, the new pod's sidecar starts as soon as the
   * pod has its new IP (before redis listens: the containers of a pod start together).
   */
  async function rollingRestartMonitored(): Promise<{ pods: PodRoll[]; stops: TerminateReport[]; totalMs: number }> {
    const t0 = Date.now();
    const pods: PodRoll[] = [];
    const stops: TerminateReport[] = [];
    for (const pod of [...chart.pods].reverse()) {
      const wasMaster = (await pod.info('replication')).role === 'master';
      const since = Date.now();
      const stop = await chart.deletePod(pod);
      await monitored.podDeleted(pod);
      const oldIp = pod.ip;
      const starting = chart.startNode(pod);
      await sidecarOnNewIp(monitored, pod, oldIp, starting);
      await starting;
      await chart.waitReady(pod, since, HEALTH_TIMEOUT_MS);
      stops.push(stop);
      pods.push({
        pod: pod.name,
        wasMaster,
        stop: `preStop ${stop.preStopMs}ms${stop.preStopError ? ` (${stop.preStopError})` : ''}, ${stop.killed ? 'SIGKILLed after the grace period' : `SIGTERM to exit ${stop.sigtermToExitMs}ms`}`,
        readyMs: Date.now() - since,
      });
    }
    return { pods, stops, totalMs: Date.now() - t0 };
  }

  it(
    'fires no alert of severity warning or critical (info allowed), loses no acknowledged write, and ends whole',
    async () => {
      await assertShardShape(chart);
      const watch = new RollWatch(monitored.prometheus, monitored.shortenedAlerts);
      const t0 = Date.now();
      let roll: Awaited<ReturnType<typeof rollingRestartMonitored>>;
      let report: WriteLoadReport;
      let quietAfterS: number;
      try {
        ({ result: roll, report } = await withWriteLoad(chart, { keysPrefix: 'rolling', ratePerSec: CLUSTER_WRITE_RATE }, rollingRestartMonitored));
        // Anything still pending after the last pod is Ready fires or clears within its (shortened) `for`.
        const rolledAt = Date.now();
        await watch.quietAboveInfo(QUIET_BOUND_MS);
        quietAfterS = (Date.now() - rolledAt) / 1000;
      } finally {
        await watch.stop();
        figure(`cluster: alerts seen during the rolling restart (seconds from the first deletion):\n    ${indent(watch.recorder.text())}`);
      }
      const seconds = (Date.now() - t0) / 1000;
      figure(`cluster: rolling restart of ${roll.pods.length} pods in ${(roll.totalMs / 1000).toFixed(1)}s:\n    ${rollText(roll.pods)}`);
      figure(`cluster: writes during it (${CLUSTER_WRITE_RATE}/s, acknowledged = the master's OK): ${writeLoadText(report)}`);
      figure(`cluster: no warning/critical alert pending (shortened for) or firing ${quietAfterS.toFixed(1)}s after the last pod was Ready`);
      figure(`cluster: longest pending episode of each warning/critical alert (for ${SHORT_FOR} here): ${watch.marginText()}`);
      const fired = watch.recorder.firing();
      const maxSeverity = maxSeverityOf(fired);
      const masters = roll.pods.filter((p) => p.wasMaster).length;
      log.soak({
        release: 'redis-cluster',
        seconds,
        load: `rolling restart of ${roll.pods.length} pods (${masters} masters handed over) with preStop handover under write load (${CLUSTER_WRITE_RATE}/s, ${report.acknowledged.length} acknowledged, ${report.failed.length} failed); longest warning/critical pending ${watch.longestAboveInfoS().toFixed(1)}s of for ${SHORT_FOR}`,
        alertsFired: fired.length,
        ...(maxSeverity ? { maxSeverity } : {}),
      });

      expect(watch.recorder.errors).toEqual([]);
      expect(roll.pods.length).toBe(chart.podCount);
      expect(masters).toBe(chart.shards);
      expect(roll.stops.filter((s) => s.killed || s.preStopError).length).toBe(0);
      expect(fired.filter((s) => aboveInfo(s.severity)).map((s) => `${s.key} (${s.severity})`)).toEqual([]);
      expect(report.acknowledged.length).toBeGreaterThan(1000);
      await assertWholeCluster(chart, [known, acknowledgedMap(report)], 'after the monitored rolling restart');
      await assertShardShape(chart);
    },
    ROLL_BOUND_MS + QUIET_BOUND_MS + 120_000,
  );
});

describe('a rolling restart of a Sentinel group with the preStop handover, under write load (real redis-server, redis-sentinel, redis_exporter, prometheus)', () => {
  let sandbox: Sandbox;
  let chart: RedisSentinelChart;
  let redis: Pod[];
  let sentinels: Pod[];
  let monitored: MonitoredRelease;
  const known = makeKeySet('known', 500);
  const describeAll = () => sandbox.describe(20);

  beforeAll(async () => {
    const t0 = Date.now();
    sandbox = await Sandbox.create({ name: 'monitoring-e2e-rolling-sentinel', ports: [6379, 26379, 9121], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
    sandboxes.push(sandbox);
    const group = await startSentinelGroup(sandbox);
    ({ chart, redis, sentinels } = group);
    await writeKeysTo(group.master, known, 2);
    // The Sentinel pods' exporter sidecars too: the Sentinel alerts (quorum, TILT, disagreement, failovers) are watched as well.
    monitored = await monitorSentinelGroup(sandbox, group);
    await monitored.waitQuiet(30_000);
    figure(
      `sentinel setup: ${redis.length} Redis + ${sentinels.length} Sentinels whole, ${monitored.targetCount} exporters + prometheus scraping, no alert, after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
  }, SETUP_BOUND_MS);

  afterAll(async () => {
    await sandbox?.cleanup();
  }, 60_000);

  /**
   * The StatefulSet's RollingUpdate of the Redis pods: highest ordinal first; kubelet runs the
   * chart's preStop hook, then stops the container (SIGKILL here: prestop-redis.sh has already handed
   * over); the new pod gets fresh emptyDirs, a new IP and the same volume, and starts through
   * start-redis.sh; the next pod goes once the group is whole and the pod's readiness probe passes.
   */
  async function rollingRestartMonitored(): Promise<{ pods: PodRoll[]; totalMs: number }> {
    const t0 = Date.now();
    const pods: PodRoll[] = [];
    for (const pod of [...redis].reverse()) {
      const wasMaster = (await pod.info('replication')).role === 'master';
      const since = Date.now();
      const hook = await chart.runHook(pod, 'preStop');
      if (hook.code !== 0) throw new Error(`preStop of ${pod.name} exited ${hook.code}: ${hook.stdout}${hook.stderr}`);
      const preStopMs = Date.now() - since;
      await pod.kill();
      for (const v of ['runtime', 'tmp']) {
        const dir = chart.volumeDir(pod, v);
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
      }
      await monitored.podDeleted(pod);
      pod.moveTo(await sandbox.allocateIp());
      await monitored.podCreated(pod);
      await chart.start(pod, { startTimeoutMs: GROUP_TIMEOUT_MS });
      await waitForGroup(redis, sentinels, chart.masterSet, `the group to be whole after ${pod.name} came back`, GROUP_TIMEOUT_MS, describeAll);
      await waitFor(
        `the readiness probe of ${pod.name} to pass`,
        async () => {
          const r = await chart.runHook(pod, 'readiness', 15_000);
          return { done: r.code === 0, state: r.stdout.trim() };
        },
        { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 500 },
      );
      const handover = /prestop-redis: handover done after \d+s: .*/.exec(hook.stderr)?.[0];
      pods.push({ pod: pod.name, wasMaster, stop: `preStop ${preStopMs}ms${handover ? ` (${handover})` : ''}`, readyMs: Date.now() - since });
    }
    return { pods, totalMs: Date.now() - t0 };
  }

  it(
    'fires no alert of severity warning or critical (info allowed), loses no write acknowledged with WAIT 1, and ends whole',
    async () => {
      const watch = new RollWatch(monitored.prometheus, monitored.shortenedAlerts);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'rolling', 1, 500, 20);
      const t0 = Date.now();
      let roll: Awaited<ReturnType<typeof rollingRestartMonitored>> | undefined;
      let report: LoadReport;
      let quietAfterS = Number.NaN;
      try {
        roll = await rollingRestartMonitored();
        const rolledAt = Date.now();
        await watch.quietAboveInfo(QUIET_BOUND_MS);
        quietAfterS = (Date.now() - rolledAt) / 1000;
      } finally {
        report = await load.stop();
        client.close();
        await watch.stop();
        figure(`sentinel: alerts seen during the rolling restart (seconds from the first preStop):\n    ${indent(watch.recorder.text())}`);
      }
      const seconds = (Date.now() - t0) / 1000;
      figure(`sentinel: rolling restart of ${roll.pods.length} Redis pods in ${(roll.totalMs / 1000).toFixed(1)}s:\n    ${rollText(roll.pods)}`);
      figure(`sentinel: writes during it (acknowledged = OK + WAIT 1): ${report.acknowledged.size} acknowledged, ${report.failed} failed or unacknowledged`);
      figure(`sentinel: no warning/critical alert pending (shortened for) or firing ${quietAfterS.toFixed(1)}s after the last pod was Ready`);
      figure(`sentinel: longest pending episode of each warning/critical alert (for ${SHORT_FOR} here): ${watch.marginText()}`);
      const fired = watch.recorder.firing();
      const maxSeverity = maxSeverityOf(fired);
      log.soak({
        release: 'redis-sentinel',
        seconds,
        load: `rolling restart of ${roll.pods.length} Redis pods (${roll.pods.filter((p) => p.wasMaster).length} master handed over) with preStop handover under write load (WAIT 1: ${report.acknowledged.size} acknowledged, ${report.failed} failed); longest warning/critical pending ${watch.longestAboveInfoS().toFixed(1)}s of for ${SHORT_FOR}`,
        alertsFired: fired.length,
        ...(maxSeverity ? { maxSeverity } : {}),
      });

      expect(watch.recorder.errors).toEqual([]);
      expect(roll.pods.length).toBe(redis.length);
      expect(roll.pods.filter((p) => p.wasMaster).length).toBe(1);
      expect(fired.filter((s) => aboveInfo(s.severity)).map((s) => `${s.key} (${s.severity})`)).toEqual([]);
      expect(report.acknowledged.size).toBeGreaterThan(200);
      const g = await waitForGroup(redis, sentinels, chart.masterSet, 'the group after the rolling restart', GROUP_TIMEOUT_MS, describeAll);
      // WAIT 1 promises the master and one replica: let the other replica apply everything first (the load has stopped).
      await waitFor(
        'every replica to apply everything its master wrote',
        async () => {
          const offset = (await g.master.info('replication')).master_repl_offset;
          const behind = [];
          for (const p of g.replicas) {
            const x = (await p.info('replication')).slave_repl_offset;
            if (x !== offset) behind.push(`${p.name} ${x}/${offset}`);
          }
          return { done: behind.length === 0, state: behind.join(', ') };
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      for (const p of [g.master, ...g.replicas]) {
        expect({ pod: p.name, lostAcked: (await missingKeys(p, report.acknowledged)).length }).toEqual({ pod: p.name, lostAcked: 0 });
        expect({ pod: p.name, lostKnown: (await missingKeys(p, known)).length }).toEqual({ pod: p.name, lostKnown: 0 });
      }
    },
    ROLL_BOUND_MS + QUIET_BOUND_MS + 60_000,
  );
});
