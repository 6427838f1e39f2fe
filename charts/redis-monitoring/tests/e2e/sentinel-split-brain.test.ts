/**
 * Monitoring proven end to end on a Sentinel group (issue 13, first part): the redis-sentinel
 * chart's own pods (start-redis.sh, start-sentinel.sh: charts/redis-sentinel/tests/behaviour), one
 * real redis_exporter per Redis pod started from the rendered sidecar, and a real Prometheus with
 * the rendered PodMonitor and PrometheusRule of charts/redis-monitoring (ci/sentinel-values.yaml,
 * time constants shortened through values only).
 *
 * A healthy group under a steady write load (WAIT 1) fires no alert, and every panel of the
 * dashboards a redis-sentinel release gets has data over that window (lib/dashboard-panels.ts).
 *
 * Split brain, the chart's negative control (charts/redis-sentinel/tests/behaviour/failover.test.ts):
 * the master's pod is deleted, a replica is promoted, and the old master comes back on a NEW address
 * with its ORIGINAL config (what a chart without start-redis.sh does): a second writable master
 * the Sentinels never learn about. RedisSplitBrain must fire; once the pod's container is restarted
 * through the chart's start-redis.sh (it asks the Sentinels and starts as a replica), it must resolve.
 * Seconds are printed ([monitoring-e2e]), never asserted beyond generous bounds.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { monitoringBinary, redisBinary, Sandbox, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import type { RedisSentinelChart } from '../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { groupText, roleOf, SentinelClient, sentinelMasterAddr, startWriteLoad, type LoadReport } from '../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { emptyText, hasData, incidentPanels, panelName, panelsOf, runPanels } from './lib/dashboard-panels.ts';
import { figureLog } from './lib/figures.ts';
import { monitorSentinelGroup, startSentinelGroup } from './lib/monitored-sentinel.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

const GROUP_TIMEOUT_MS = 60_000;
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 90_000;
const QUIET_MS = 45_000;
const START_QUIET_BOUND_MS = 15_000;

let sandbox: Sandbox | undefined;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
let monitored: MonitoredRelease;
let originalMasterConf = '';
const log = figureLog(import.meta.filename);
const { figure, summary } = log;
const describeAll = () => sandbox!.describe(20);

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-sentinel', ports: [6379, 26379, 9121], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  const group = await startSentinelGroup(sandbox);
  ({ chart, redis, sentinels } = group);
  originalMasterConf = chart.runtimeConf(group.master);
  const installedS = group.installedS;
  // The Sentinels' exporter sidecars are scraped too: RedisSplitBrain and every other Redis-pod alert must not count them.
  monitored = await monitorSentinelGroup(sandbox, group);
  figure(
    `setup: Sentinel group (${redis.length} Redis + ${sentinels.length} Sentinels) whole in ${installedS.toFixed(1)}s, exporters + prometheus scraping after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
}, 180_000);

afterAll(async () => {
  await sandbox?.cleanup();
  summary('redis-sentinel figures');
}, 60_000);

describe('monitoring of a Redis Sentinel group, end to end (real redis-server, redis-sentinel, redis_exporter, prometheus)', () => {
  it('labels the Redis pods and the Sentinel pods apart (component redis / sentinel), all with mode sentinel; no alert while the group is whole', async () => {
    const up = await monitored.prometheus.query('redis_up');
    const podsOf = (component: string) =>
      up
        .filter((s) => s.metric.component === component)
        .map((s) => s.metric.pod)
        .sort();
    expect(podsOf('redis')).toEqual(redis.map((p) => p.name).sort());
    expect(podsOf('sentinel')).toEqual(sentinels.map((p) => p.name).sort());
    expect(up).toHaveLength(redis.length + sentinels.length);
    for (const s of up) expect(s.metric).toMatchObject({ namespace: chart.namespace, mode: 'sentinel', container: 'metrics', endpoint: 'metrics' });
    // A rule evaluation between the first and the last pod's first scrape may leave RedisPodsMissing
    // pending for a second: it must clear at once.
    const t0 = Date.now();
    await monitored.prometheus.waitNoAlerts(START_QUIET_BOUND_MS);
    figure(`no alert pending or firing ${((Date.now() - t0) / 1000).toFixed(1)}s after every pod was scraped`);
  });

  it(
    'fires no alert while the group is healthy under a steady write load (WAIT 1)',
    async () => {
      const recorder = new AlertRecorder(monitored.prometheus);
      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'quiet', 1, 500, 20);
      let report: LoadReport;
      try {
        await new Promise((r) => setTimeout(r, QUIET_MS));
      } finally {
        report = await load.stop();
        client.close();
        await recorder.stop();
      }
      figure(
        `no-false-alarm window ${(QUIET_MS / 1000).toFixed(0)}s on the Sentinel group: ${report.acknowledged.size} writes acknowledged by the master and a replica, ${report.failed} failed; alerts seen:\n    ${recorder.text().split('\n').join('\n    ')}`,
      );
      log.soak({
        release: 'redis-sentinel',
        seconds: QUIET_MS / 1000,
        load: `${report.acknowledged.size} writes acknowledged by the master and a replica (WAIT 1), ${report.failed} failed`,
        alertsFired: recorder.firing().length,
      });
      expect(recorder.errors).toEqual([]);
      expect(report.failed).toBe(0);
      expect(report.acknowledged.size).toBeGreaterThan(500);
      expect(recorder.firing().map((x) => x.key)).toEqual([]);
      const shortened = monitored.shortenedAlerts;
      expect([...recorder.seen.values()].filter((x) => shortened.has(x.alert)).map((x) => x.key)).toEqual([]);
    },
    QUIET_MS + 30_000,
  );

  it('shows data in every dashboard panel of a redis-sentinel release (variables substituted as Grafana does), incident-only panels aside', async () => {
    // Over the steady-load window of the test before.
    const panels = panelsOf('redis-sentinel');
    const healthy = panels.filter((p) => p.incidentOnly === undefined);
    const results = await runPanels(monitored.prometheus, healthy, { namespace: chart.namespace, release: releaseOf() }, QUIET_MS / 1000);
    log.panels({
      release: 'redis-sentinel',
      state: `healthy, under write load (${panels.length - healthy.length} incident-only panels aside)`,
      checked: healthy.length,
      withData: results.filter(hasData).length,
    });
    const empty = emptyText(results);
    if (empty) figure(`dashboard targets without data:\n    ${empty.split('\n').join('\n    ')}`);
    expect(results.filter((r) => !hasData(r)).map((r) => panelName(r.panel))).toEqual([]);
    expect(healthy.length).toBeGreaterThan(25);
  });

  it(
    'fires RedisSplitBrain when the old master returns writable next to the promoted one, and resolves once start-redis.sh restarts it',
    async () => {
      const prom = monitored.prometheus;
      const old = redis.find((p) => p.address === originalMasterAddr())!;
      const recorder = new AlertRecorder(prom);
      try {
        // The master's pod is deleted: redis and its exporter sidecar die, service discovery drops it.
        await old.kill();
        await monitored.podDeleted(old);
        const deletedAt = Date.now();
        const current = await waitForPromotion(old);
        figure(`${current.name} promoted by the Sentinels ${((Date.now() - deletedAt) / 1000).toFixed(1)}s after the deletion of master ${old.name}`);

        // It comes back on a new address with its original config: a second writable master.
        old.moveTo(await sandbox!.allocateIp());
        const conf = path.join(old.dir, 'original-redis.conf');
        writeFileSync(
          conf,
          originalMasterConf.replace(/^(bind|bind-source-addr|replica-announce-ip) .*$/gm, (_, k: string) => `${k} ${old.ip}`),
        );
        await old.start({ kind: 'command', command: redisBinary('redis-server'), args: [conf], password: chart.redisPassword });
        const incidentAt = Date.now();
        await monitored.podCreated(old);
        expect((await roleOf(old)).role).toBe('master');
        expect((await roleOf(current)).role).toBe('master');
        await prom.waitForAlert('RedisSplitBrain', { timeoutMs: FIRE_BOUND_MS });
        const splitPanels = incidentPanels(panelsOf('redis-sentinel'), 'split-brain');
        const split = await runPanels(prom, splitPanels, { namespace: chart.namespace, release: releaseOf() }, 30);
        log.panels({ release: 'redis-sentinel', state: 'incident-only panels, split brain', checked: splitPanels.length, withData: split.filter(hasData).length });
        expect(split.filter((r) => !hasData(r)).map((r) => panelName(r.panel))).toEqual([]);
        const firingS = (Date.now() - incidentAt) / 1000;
        figure(`RedisSplitBrain: ${old.name} writable next to ${current.name} (for ${SHORT_FOR}, scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`);

        // Repair: the container restarts in the same pod, through the chart's start-redis.sh.
        const repairedAt = Date.now();
        await old.kill({ keepDns: true });
        await chart.start(old);
        await prom.waitForAlertGone('RedisSplitBrain', { timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisSplitBrain',
          incident: 'the old master back on a new IP with its original config, next to the promoted replica (Sentinel)',
          firingS,
          repair: `a container restart through start-redis.sh (now ${(await roleOf(old)).role})`,
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await monitored.waitQuiet(RESOLVE_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - repairedAt) / 1000).toFixed(1)}s after the repair`);
      } finally {
        await recorder.stop();
        figure(`alerts seen during the split brain (seconds from the pod deletion):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisSplitBrain');
    },
    GROUP_TIMEOUT_MS + FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS,
  );
});

/** The Redis release's name (the `release` label and dashboard variable). */
function releaseOf(): string {
  return String(chart.objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === chart.redisSts)?.metadata.labels['app.kubernetes.io/instance']);
}

/** The address the first master had (its runtime config was read then). */
function originalMasterAddr(): string {
  const bind = /^bind (\S+)/m.exec(originalMasterConf)?.[1];
  if (!bind) throw new Error(`no bind line in the master's runtime redis.conf:\n${originalMasterConf}`);
  return `${bind}:6379`;
}

/** Waits until the Sentinels name a running pod other than `old` that answers ROLE master. */
async function waitForPromotion(old: Pod): Promise<Pod> {
  const r = await waitFor<Pod>(
    `a replica to be promoted after the deletion of ${old.name}`,
    async () => {
      const addr = await sentinelMasterAddr(sentinels.find((s) => s.running)!, chart.masterSet);
      const p = redis.find((x) => x !== old && x.running && x.address === addr);
      if (!p) return { done: false, state: await groupText(redis, sentinels, chart.masterSet) };
      return { done: (await roleOf(p)).role === 'master', state: `${p.name} named`, value: p };
    },
    { timeoutMs: GROUP_TIMEOUT_MS, intervalMs: 100, context: describeAll },
  );
  return r.value!;
}
