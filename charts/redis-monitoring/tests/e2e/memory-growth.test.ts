/**
 * RedisMemoryGrowthToMaxmemory end to end (issue 13): a Redis Cluster of the redis-cluster chart with
 * a small maxmemory (set through the chart's own values: resources.limits.memory 64Mi x
 * redis.maxmemoryRatio 0.75 = 48 MiB), real redis_exporters and a real Prometheus evaluating the
 * rendered PrometheusRule (see lib/monitored-release.ts).
 *
 *   1. the same write load with TTLs (every key expires after 1 s, memory stays flat) fires nothing
 *      once its warm-up (replication backlog filling, the first TTL'd keys) has left the fit window;
 *   2. the same write load without TTLs (keys pile up: a leak) fires RedisMemoryGrowthToMaxmemory.
 *
 * Shortened through the monitoring chart's values only: the fit window
 * (alerts.thresholds.memoryGrowthWindow 30s instead of 6h), the horizon
 * (memoryGrowthHorizonHours 1 instead of 24) and the alert's `for` (15s instead of 1h). The
 * expression is the production one; its `deriv(...[1h])` term sees the whole (short) history. The
 * flat run goes first, so that term is positive in it (the initial fill) and only the fit keeps it quiet.
 * Figures are printed ([monitoring-e2e]), never asserted beyond generous bounds.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ClusterClient, monitoringBinary, Sandbox } from '@redis-gitops/redis-testkit';
import { installCluster } from '../../../redis-cluster/tests/behaviour/operations.ts';
import { TEST_PASSWORD, type RedisClusterChart } from '../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import { hasData, incidentPanels, panelName, panelsOf, runPanels } from './lib/dashboard-panels.ts';
import { figureLog } from './lib/figures.ts';
import { monitorCluster } from './lib/monitored-cluster.ts';
import { AlertRecorder, type MonitoredRelease } from './lib/monitored-release.ts';

monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

const LIMIT = '64Mi';
const MAXMEMORY_RATIO = 0.75;
const GROWTH_WINDOW = '30s';
const GROWTH_WINDOW_MS = 30_000;
const GROWTH_FOR = '15s';
/** Writes per second and value size of both runs: ~300 KB/s over the 3 masters. */
const RATE_PER_SEC = 150;
const VALUE_BYTES = 2048;
const TTL_MS = 1000;
const FLAT_MS = 30_000;
const FIRE_BOUND_MS = 75_000;
const SETTLE_BOUND_MS = 60_000;

let sandbox: Sandbox | undefined;
let chart: RedisClusterChart;
let monitored: MonitoredRelease;
const log = figureLog(import.meta.filename);
const { figure, summary } = log;

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-memory', ports: [6379, 16379, 9121], requires: ['redis-server', 'redis-cli'] });
  // A values file (helm --set would pass the ratio as a string, which the chart's schema refuses).
  const values = path.join(sandbox.root, 'small-maxmemory-values.yaml');
  writeFileSync(values, `resources:\n  requests:\n    memory: ${LIMIT}\n  limits:\n    memory: ${LIMIT}\nredis:\n  maxmemoryRatio: ${MAXMEMORY_RATIO}\n`);
  ({ chart } = await installCluster(sandbox, { values: [values] }));
  monitored = await monitorCluster(sandbox, chart, [
    `alerts.thresholds.memoryGrowthWindow=${GROWTH_WINDOW}`,
    'alerts.thresholds.memoryGrowthHorizonHours=1',
    `alerts.for.RedisMemoryGrowthToMaxmemory=${GROWTH_FOR}`,
  ]);
  const max = await monitored.prometheus.query(`redis_memory_max_bytes{namespace="${chart.namespace}"}`);
  figure(
    `memory setup: cluster of ${chart.podCount} pods with maxmemory ${[...new Set(max.map((s) => s.value))].join(', ')} bytes (limits.memory ${LIMIT} x ${MAXMEMORY_RATIO}) scraped after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
  );
  expect(max.every((s) => s.value === 64 * 1024 * 1024 * MAXMEMORY_RATIO)).toBe(true);
}, 180_000);

afterAll(async () => {
  await sandbox?.cleanup();
  summary('memory-growth figures');
}, 60_000);

/** SET <prefix>:<n> of VALUE_BYTES at RATE_PER_SEC, with PX ttlMs when given, until stop(). */
function startLoad(client: ClusterClient, prefix: string, ttlMs?: number): { stop(): Promise<{ ok: number; failed: number; errors: string[] }> } {
  const value = 'x'.repeat(VALUE_BYTES);
  let n = 0;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const perTick = RATE_PER_SEC / 50;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && inFlight.size < 64; i++) {
      const key = `${prefix}:${n++}`;
      const p = client
        .call(key, ttlMs === undefined ? ['SET', key, value] : ['SET', key, value, 'PX', String(ttlMs)])
        .then(
          () => {
            ok++;
          },
          (e: Error) => {
            failed++;
            if (errors.length < 5) errors.push(e.message);
          },
        )
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, 20);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return { ok, failed, errors };
    },
  };
}

/** used_memory of the masters now, in MiB, and the highest used/maxmemory share. */
async function memoryText(): Promise<string> {
  const ns = chart.namespace;
  const used = await monitored.prometheus.query(`redis_memory_used_bytes{namespace="${ns}"} and on (pod) redis_instance_info{namespace="${ns}",role="master"}`);
  return `masters' used_memory ${used
    .map((s) => (s.value / 1024 / 1024).toFixed(1))
    .sort()
    .join(', ')} MiB of ${((64 * MAXMEMORY_RATIO) as number).toFixed(0)} MiB`;
}

describe('RedisMemoryGrowthToMaxmemory, end to end (real redis-server, redis_exporter, prometheus)', () => {
  it(
    'stays quiet while the write load sets TTLs that keep memory flat',
    async () => {
      const client = new ClusterClient({ seeds: () => chart.pods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
      const load = startLoad(client, 'flat', TTL_MS);
      const startedAt = Date.now();
      let r: Awaited<ReturnType<typeof load.stop>>;
      let recorder: AlertRecorder | undefined;
      try {
        // Any write load starts with real growth: the pods' own start-up, the replication backlog
        // (1 MB) filling, the first TTL'd keys. Wait until the fit window has left it behind and
        // the alert is no longer even pending; then memory is flat and must stay quiet.
        await new Promise((res) => setTimeout(res, GROWTH_WINDOW_MS));
        await monitored.prometheus.waitNoAlerts(SETTLE_BOUND_MS);
        figure(
          `flat load: start-up and warm-up growth left the ${GROWTH_WINDOW} fit window, no alert pending ${((Date.now() - startedAt) / 1000).toFixed(1)}s after the load started; ${await memoryText()}`,
        );
        recorder = new AlertRecorder(monitored.prometheus);
        await new Promise((res) => setTimeout(res, FLAT_MS));
      } finally {
        r = await load.stop();
        client.close();
        await recorder?.stop();
      }
      figure(
        `flat load observed ${(FLAT_MS / 1000).toFixed(0)}s: ${r.ok} SETs of ${VALUE_BYTES} B with PX ${TTL_MS} in all (${r.failed} failed), ${await memoryText()}; alerts seen (seconds from the start of the observation):\n    ${recorder.text().split('\n').join('\n    ')}`,
      );
      log.soak({ release: 'redis-cluster', seconds: FLAT_MS / 1000, load: `${r.ok} SETs of ${VALUE_BYTES} B with PX ${TTL_MS} (memory flat)`, alertsFired: recorder.firing().length });
      expect(r.errors).toEqual([]);
      expect(r.ok).toBeGreaterThan((RATE_PER_SEC * FLAT_MS) / 1000 / 3);
      expect(recorder.errors).toEqual([]);
      expect(recorder.firing().map((s) => s.key)).toEqual([]);
    },
    GROWTH_WINDOW_MS + SETTLE_BOUND_MS + FLAT_MS + 30_000,
  );

  it(
    'fires RedisMemoryGrowthToMaxmemory when the same load writes keys without TTL',
    async () => {
      const prom = monitored.prometheus;
      const recorder = new AlertRecorder(prom);
      const client = new ClusterClient({ seeds: () => chart.pods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
      const startedAt = Date.now();
      const load = startLoad(client, 'leak');
      let r: Awaited<ReturnType<typeof load.stop>> | undefined;
      let fired: string | undefined;
      try {
        const alert = await prom.waitForAlert('RedisMemoryGrowthToMaxmemory', { timeoutMs: FIRE_BOUND_MS });
        fired = alert.labels.alertname;
        log.alert({
          alert: 'RedisMemoryGrowthToMaxmemory',
          incident: `keys without TTL written steadily (window ${GROWTH_WINDOW}, horizon 1h, for ${GROWTH_FOR})`,
          firingS: (Date.now() - startedAt) / 1000,
        });
        figure(`RedisMemoryGrowthToMaxmemory{pod=${alert.labels.pod}} firing; ${await memoryText()}`);
        const panels = incidentPanels(panelsOf('redis-cluster'), 'memory-growth');
        const results = await runPanels(prom, panels, { namespace: chart.namespace, release: chart.release }, (Date.now() - startedAt) / 1000);
        log.panels({ release: 'redis-cluster', state: 'incident-only panels, memory growth', checked: panels.length, withData: results.filter(hasData).length });
        expect(results.filter((x) => !hasData(x)).map((x) => panelName(x.panel))).toEqual([]);
      } finally {
        r = await load.stop();
        client.close();
        await recorder.stop();
        figure(`leak load: ${r.ok} SETs of ${VALUE_BYTES} B without TTL (${r.failed} failed); alerts seen (seconds from the start of the leak):\n    ${recorder.text().split('\n').join('\n    ')}`);
      }
      expect(r.errors).toEqual([]);
      // Prometheus reported it firing (the recorder samples and may stop before its next sample).
      expect(fired).toBe('RedisMemoryGrowthToMaxmemory');
      // Fired on the prediction, before the memory alerts' own thresholds.
      expect(recorder.firing().map((s) => s.alert)).not.toContain('RedisMemoryHigh');
    },
    FIRE_BOUND_MS + 30_000,
  );
});
