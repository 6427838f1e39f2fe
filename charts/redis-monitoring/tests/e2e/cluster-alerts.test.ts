/**
 * Monitoring proven end to end on a Redis Cluster (issue 13, first part): the redis-cluster chart's
 * own pods (start-node.sh, bootstrap Job: charts/redis-cluster/tests/behaviour), one real
 * redis_exporter per pod started from the rendered sidecar, and a real Prometheus loaded with the
 * rendered PodMonitor (as a scrape job) and PrometheusRule of charts/redis-monitoring
 * (ci/cluster-values.yaml, time constants shortened through values only: see
 * lib/monitored-release.ts).
 *
 *   1. the series carry the labels the rendered relabelings produce;
 *   2. no false alarm: a healthy cluster under a little write load fires no alert at all;
 *      every panel of the dashboards a redis-cluster release gets has data over that window
 *      (lib/dashboard-panels.ts: Grafana's template variables substituted; incident-only panels
 *      are checked in their incident instead);
 *   3. master down: SIGKILL of a master's redis container -> RedisDown fires for that pod, and every
 *      alert resolves once the container is back (same pod, same IP: a container restart).
 *
 * Seconds from incident to firing and from repair to resolution are printed ([monitoring-e2e]),
 * never asserted beyond generous bounds. A missing prometheus, prometheus-redis-exporter or
 * redis-server fails the file; every process is SIGKILLed by PID and the sandbox removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClusterClient, monitoringBinary, roles, rolesText, Sandbox, startWriteLoad, writeLoadText, type Pod, type WriteLoadReport } from '@redis-gitops/redis-testkit';
import { installCluster } from '../../../redis-cluster/tests/behaviour/operations.ts';
import { TEST_PASSWORD, type RedisClusterChart } from '../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import { emptyText, hasData, incidentPanels, panelName, panelsOf, runPanels } from './lib/dashboard-panels.ts';
import { figureLog } from './lib/figures.ts';
import { monitorCluster } from './lib/monitored-cluster.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

// Fail at once, before anything starts, when a binary is missing (never skip).
monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

/** What the generator puts in both charts' commonLabels for the environment of ci/cluster-values.yaml. */
const ENVIRONMENT = 'prod-x86';
const TIER = 'production';
const QUIET_MS = 75_000;
/** Generous bounds on a shared 2-core machine, not expectations. */
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 120_000;

let sandbox: Sandbox | undefined;
let chart: RedisClusterChart;
let monitored: MonitoredRelease;
const log = figureLog(import.meta.filename);
const { figure, summary } = log;

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-cluster', ports: [6379, 16379, 9121], requires: ['redis-server', 'redis-cli'] });
  ({ chart } = await installCluster(sandbox, { set: [`commonLabels.redis-gitops\\.dev/environment=${ENVIRONMENT}`, `commonLabels.redis-gitops\\.dev/tier=${TIER}`] }));
  const installedS = (Date.now() - t0) / 1000;
  monitored = await monitorCluster(sandbox, chart);
  figure(`setup: cluster of ${chart.podCount} pods healthy in ${installedS.toFixed(1)}s, exporters + prometheus scraping all targets after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}, 240_000);

afterAll(async () => {
  await sandbox?.cleanup();
  summary('redis-cluster figures');
}, 60_000);

describe('monitoring of a Redis Cluster, end to end (real redis-server, redis_exporter, prometheus)', () => {
  it('labels every series as the rendered PodMonitor relabelings do, and drops the runtime series', async () => {
    const up = await monitored.prometheus.query('redis_up');
    const pods = chart.pods.map((p) => p.name).sort();
    expect(up.map((s) => s.metric.pod).sort()).toEqual(pods);
    for (const s of up) {
      expect(s.metric).toMatchObject({ namespace: chart.namespace, release: chart.release, mode: 'cluster', environment: ENVIRONMENT, tier: TIER, container: 'metrics', endpoint: 'metrics' });
      expect(s.value).toBe(1);
    }
    expect(await monitored.prometheus.query('{__name__=~"go_.*|process_.*"}')).toEqual([]);
  });

  it(
    'fires no alert while the cluster is healthy under a little write load',
    async () => {
      const recorder = new AlertRecorder(monitored.prometheus);
      const client = new ClusterClient({ seeds: () => chart.pods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
      const load = startWriteLoad({ client, keysPrefix: 'quiet', ratePerSec: 50, durationMs: QUIET_MS });
      let report: WriteLoadReport;
      try {
        report = await load.done;
      } finally {
        client.close();
        await recorder.stop();
      }
      figure(`no-false-alarm window ${(QUIET_MS / 1000).toFixed(0)}s, write load: ${writeLoadText(report)}`);
      figure(`alerts seen in the healthy window:\n    ${recorder.text().split('\n').join('\n    ')}`);
      log.soak({ release: 'redis-cluster', seconds: QUIET_MS / 1000, load: `${writeLoadText(report)}`, alertsFired: recorder.firing().length });
      expect(recorder.errors).toEqual([]);
      expect(report.acknowledged.length).toBeGreaterThan(1000);
      expect(recorder.firing().map((s) => s.key)).toEqual([]);
      // Not even pending, except alerts whose production `for` the test keeps: RedisMemoryGrowthToMaxmemory
      // is pending on any write load over a minute of history (the fit extrapolates a minute to
      // memoryGrowthHorizonHours); its 1h `for` is what keeps it quiet, so it stays unshortened.
      const shortened = monitored.shortenedAlerts;
      expect(shortened.size).toBeGreaterThan(10);
      expect([...recorder.seen.values()].filter((s) => shortened.has(s.alert)).map((s) => s.key)).toEqual([]);
    },
    QUIET_MS + 30_000,
  );

  it('shows data in every dashboard panel of a redis-cluster release (variables substituted as Grafana does), incident-only panels aside', async () => {
    const panels = panelsOf('redis-cluster');
    const healthy = panels.filter((p) => p.incidentOnly === undefined);
    const results = await runPanels(monitored.prometheus, healthy, { namespace: chart.namespace, release: chart.release }, QUIET_MS / 1000);
    const withData = results.filter(hasData);
    const incidentOnly = panels.length - healthy.length;
    log.panels({ release: 'redis-cluster', state: `healthy, under write load (${incidentOnly} incident-only panels aside)`, checked: healthy.length, withData: withData.length });
    const empty = emptyText(results);
    if (empty) figure(`dashboard targets without data:\n    ${empty.split('\n').join('\n    ')}`);
    expect(results.filter((r) => !hasData(r)).map((r) => panelName(r.panel))).toEqual([]);
    expect(healthy.length).toBeGreaterThan(30);
  });

  it(
    'fires RedisDown when a master is SIGKILLed, and resolves every alert once it is back',
    async () => {
      const r = await roles(chart.pods);
      const master: Pod | undefined = chart.pods.find((p) => r[p.name]?.role === 'master');
      if (!master) throw new Error(`no master: ${rolesText(r)}`);
      const prom = monitored.prometheus;
      const recorder = new AlertRecorder(prom);
      const isMaster = (a: { labels: Record<string, string> }) => a.labels.pod === master.name;
      try {
        const killedAt = Date.now();
        await master.kill({ keepDns: true }); // the redis container dies; the pod (its IP, its exporter sidecar) stays
        await prom.waitForAlert('RedisDown', { match: isMaster, timeoutMs: FIRE_BOUND_MS });
        const downPanels = incidentPanels(panelsOf('redis-cluster'), 'master-down');
        const down = await runPanels(prom, downPanels, { namespace: chart.namespace, release: chart.release }, 30);
        log.panels({ release: 'redis-cluster', state: 'incident-only panels, master down', checked: downPanels.length, withData: down.filter(hasData).length });
        expect(down.filter((r) => !hasData(r)).map((r) => panelName(r.panel))).toEqual([]);
        const firingS = (Date.now() - killedAt) / 1000;
        figure(`RedisDown{pod=${master.name}} firing (downFor ${SHORT_FOR}, scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`);

        const repairedAt = Date.now();
        await chart.startNode(master, { newIp: false }); // kubelet restarts the container in the same pod
        const backS = (Date.now() - repairedAt) / 1000;
        await prom.waitForAlertGone('RedisDown', { match: isMaster, timeoutMs: RESOLVE_BOUND_MS });
        log.alert({
          alert: 'RedisDown',
          incident: "SIGKILL of a master's redis container (cluster)",
          firingS,
          repair: `the container restart (listening after ${backS.toFixed(1)}s)`,
          resolvedS: (Date.now() - repairedAt) / 1000,
        });
        await monitored.waitQuiet(RESOLVE_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - repairedAt) / 1000).toFixed(1)}s after the container restart`);
      } finally {
        await recorder.stop();
        figure(`alerts seen during master-down (seconds from the SIGKILL):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(recorder.firing().map((s) => s.alert)).toContain('RedisDown');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + 30_000,
  );
});
