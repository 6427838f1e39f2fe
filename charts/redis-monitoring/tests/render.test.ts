/**
 * Chart unit tests: the real helm renders charts/redis-monitoring with each ci/ scenario, and the
 * parsed objects are asserted on (jest + the real helm instead of the helm-unittest plugin: one test runner for the whole repo).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ALERT_NAMES,
  alertsTableMarkdown,
  ALL_PLACEHOLDERS,
  DASHBOARDS_DIR,
  dashboardFiles,
  dashboardQueries,
  EXPORTER_METRICS,
  expandGrafanaVariables,
  KUBE_STATE_METRICS,
  SENTINEL_EXPORTER_METRICS,
  metricNamesOf,
  PROMETHEUS_RULE_TEMPLATE,
  PROMETHEUS_TARGET_METRICS,
  prometheusRuleTemplate,
  vectorSelectors,
} from '@redis-gitops/dashboards';
import { checkObjects, type RenderedObject } from '@redis-gitops/manifests';
import { lintChart, onlyObject, renderChart, templateChart } from '@redis-gitops/redis-testkit';
import { alertRules, CHART, NAMESPACE, ofKind, render, scenario, SCENARIOS, type Obj } from './lib/chart.ts';

const REPO = path.resolve(CHART, '..', '..');

/** A Kubernetes label selector (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist) against pod labels. */
function labelSelectorMatches(selector: Obj, labels: Record<string, string>): boolean {
  const byLabels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
  const byExpressions = ((selector.matchExpressions ?? []) as Obj[]).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In') return has && (e.values as string[]).includes(labels[e.key]!);
    if (e.operator === 'NotIn') return !has || !(e.values as string[]).includes(labels[e.key]!);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    throw new Error(`unknown selector operator ${e.operator}`);
  });
  return byLabels && byExpressions;
}
const dashboardsOf = (objs: RenderedObject[]): { cm: Obj; key: string; json: Obj; raw: string }[] =>
  ofKind(objs, 'ConfigMap').flatMap((cm) => Object.entries(cm.data as Record<string, string>).map(([key, raw]) => ({ cm, key, raw, json: JSON.parse(raw) as Obj })));

describe('redis-monitoring chart', () => {
  it('has ci/ scenarios to render', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(4);
  });

  it.each(SCENARIOS)('renders ci/%s into objects that pass the Kubernetes and CRD schemas, unknown fields included', async (f) => {
    const objs = await render(scenario(f));
    expect(objs.length).toBeGreaterThan(0);
    expect(await checkObjects(objs)).toEqual([]);
  });

  it('passes helm lint --strict with default values and every scenario', async () => {
    expect(await lintChart(CHART, SCENARIOS)).toEqual([]);
  });

  it('renders a PodMonitor, a PrometheusRule and the three dashboards for a Redis Cluster by default', async () => {
    const objs = await render();
    expect(objs.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'ConfigMap', 'PodMonitor', 'PrometheusRule']);
    expect(
      dashboardsOf(objs)
        .map((d) => d.key.replace(/^redis-[0-9a-f]{12}-/, ''))
        .sort(),
    ).toEqual(['cluster.json', 'overview.json', 'replication.json']);
    expect(objs.every((o) => o.namespace === NAMESPACE)).toBe(true);
  });

  describe('PodMonitor', () => {
    it('selects the Redis pods of the target release on the exporter port and adds the labels the alerts use', async () => {
      const pm = onlyObject(await render(['--set', 'target.release=prod-x86']), 'PodMonitor');
      expect(pm.spec.selector).toEqual({
        matchLabels: {
          'app.kubernetes.io/name': 'redis-cluster',
          'app.kubernetes.io/instance': 'prod-x86',
          'app.kubernetes.io/part-of': 'redis-gitops',
        },
        matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['redis'] }],
      });
      expect(pm.spec.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
      expect(pm.spec.podMetricsEndpoints).toHaveLength(1);
      const ep = pm.spec.podMetricsEndpoints[0];
      expect(ep).toMatchObject({ port: 'metrics', path: '/metrics', honorLabels: false });
      const targets = Object.fromEntries(ep.relabelings.map((r: Obj) => [r.targetLabel, r]));
      expect(Object.keys(targets).sort()).toEqual(['component', 'environment', 'mode', 'pod', 'release', 'tier']);
      expect(targets.component.sourceLabels).toEqual(['__meta_kubernetes_pod_label_app_kubernetes_io_component']);
      expect(targets.environment.sourceLabels).toEqual(['__meta_kubernetes_pod_label_redis_gitops_dev_environment']);
      expect(targets.tier.sourceLabels).toEqual(['__meta_kubernetes_pod_label_redis_gitops_dev_tier']);
      expect(targets.release.sourceLabels).toEqual(['__meta_kubernetes_pod_label_app_kubernetes_io_instance']);
      expect(targets.pod.sourceLabels).toEqual(['__meta_kubernetes_pod_name']);
      expect(targets.mode.replacement).toBe('cluster');
    });

    it("follows the target chart, a nameOverride of the Redis release and the chart's own release name", async () => {
      const sentinel = onlyObject(await render(scenario('sentinel-values.yaml')), 'PodMonitor');
      expect(sentinel.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('redis-sentinel');
      // The Sentinel pods too (their exporter sidecar serves the Sentinel alerts' series) and the HAProxy
      // pods of the master endpoint, on the same endpoint: the relabeled `component` label keeps their
      // series apart from the Redis pods'.
      expect(sentinel.spec.selector.matchExpressions).toEqual([{ key: 'app.kubernetes.io/component', operator: 'In', values: ['redis', 'sentinel', 'haproxy'] }]);
      expect(sentinel.spec.podMetricsEndpoints[0].relabelings.find((r: Obj) => r.targetLabel === 'mode').replacement).toBe('sentinel');
      const renamed = onlyObject(await render(['--set', 'target.name=cache']), 'PodMonitor');
      expect(renamed.spec.selector.matchLabels['app.kubernetes.io/name']).toBe('cache');
      const own = onlyObject(await render([], 'edge'), 'PodMonitor');
      expect(own.spec.selector.matchLabels['app.kubernetes.io/instance']).toBe('edge');
    });

    it('carries the labels a Prometheus podMonitorSelector needs', async () => {
      const pm = onlyObject(await render(scenario('cluster-values.yaml')), 'PodMonitor');
      expect(pm.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'redis-gitops.dev/tier': 'production' });
      expect(pm.spec.podMetricsEndpoints[0].interval).toBe('15s');
    });
  });

  describe('PrometheusRule', () => {
    it('gives every alert a severity, a summary and a description that says what to do', async () => {
      for (const f of SCENARIOS) {
        const rules = alertRules(await render(scenario(f)));
        expect({ f, alerts: rules.length > 10 }).toEqual({ f, alerts: true }); // every scenario renders its alerts
        for (const r of rules) {
          expect({ f, alert: r.alert, severity: r.labels.severity }).toEqual({ f, alert: r.alert, severity: expect.stringMatching(/^(critical|warning|info)$/) });
          expect({ alert: r.alert, summary: (r.annotations.summary ?? '').length > 10 }).toEqual({ alert: r.alert, summary: true });
          expect({ alert: r.alert, description: (r.annotations.description ?? '').length > 120 }).toEqual({ alert: r.alert, description: true });
        }
      }
    });

    it('renders every alert the issue asks for, cluster alerts for Redis Cluster only', async () => {
      const cluster = alertRules(await render(['--set', 'target.backup=true']))
        .map((r) => r.alert)
        .sort();
      const sentinelOnly = alertRules(await render(['--set', 'target.chart=redis-sentinel', '--set', 'target.backup=true', '--set', 'target.masterEndpoint=true']))
        .map((r) => r.alert)
        .filter((a) => !cluster.includes(a));
      expect(sentinelOnly.every((a) => a.startsWith('RedisSentinel') || a === 'RedisMasterEndpointDown')).toBe(true);
      // The master-endpoint alert only with the endpoint (target.masterEndpoint, from spec.topology.sentinel.masterEndpoint).
      expect(alertRules(await render(['--set', 'target.chart=redis-sentinel'])).map((r) => r.alert)).not.toContain('RedisMasterEndpointDown');
      expect([...cluster, ...sentinelOnly].sort()).toEqual([...ALERT_NAMES].sort());
      expect(cluster).toEqual(expect.arrayContaining(['RedisSplitBrain', 'RedisMemoryGrowthToMaxmemory', 'RedisClusterSlotsFail', 'RedisStartHeld', 'RedisDataVanished']));
      const sentinel = alertRules(await render(scenario('sentinel-values.yaml'))).map((r) => r.alert);
      expect(sentinel.filter((a) => a.startsWith('RedisCluster'))).toEqual([]);
      expect(sentinel).toContain('RedisSplitBrain');
    });

    it('scopes every series of every alert expression to the target release (namespace, release, mode) and to its Redis or its Sentinel pods (component)', async () => {
      for (const [args, release, mode] of [
        [[], 'rc', 'cluster'],
        [scenario('cluster-values.yaml'), 'prod-x86', 'cluster'],
        [scenario('sentinel-values.yaml'), 'cache-eu', 'sentinel'],
      ] as const) {
        for (const r of alertRules(await render([...args, '--set', 'target.backup=true']))) {
          for (const sel of vectorSelectors(r.expr)) {
            const eq = Object.fromEntries(sel.matchers.filter((m) => m.op === '=').map((m) => [m.label, m.value]));
            if (r.group === 'redis-backup') {
              // The backup alerts read kube-state-metrics series of the release's backup CronJob and its Jobs:
              // scoped by namespace, and by the CronJob's name (`<release>-<chart>-backup`; the drill alert:
              // the restore drill CronJob `<release>-<chart>-drill`) on the CronJob and owner series.
              const cronJob = `${release}-redis-${mode}-${r.alert === 'RedisBackupDrillFailed' ? 'drill' : 'backup'}`;
              expect({ alert: r.alert, metric: sel.metric, ns: eq.namespace }).toEqual({ alert: r.alert, metric: sel.metric, ns: NAMESPACE });
              expect(r.expr).toContain(`"release", "${release}"`);
              if (sel.metric.startsWith('kube_cronjob_')) expect({ metric: sel.metric, cronjob: eq.cronjob }).toEqual({ metric: sel.metric, cronjob: cronJob });
              if (sel.metric === 'kube_job_owner') expect({ metric: sel.metric, owner: eq.owner_name }).toEqual({ metric: sel.metric, owner: cronJob });
              continue;
            }
            if (sel.metric.startsWith('kube_')) {
              // kube-state-metrics series carry no release or mode label: they are scoped by namespace and
              // container and only ever joined `on (namespace, pod)` with a release-scoped Redis series.
              expect({ alert: r.alert, metric: sel.metric, scope: [eq.namespace, eq.container], joined: /and on \(namespace, pod\)/.test(r.expr) }).toEqual({
                alert: r.alert,
                metric: sel.metric,
                scope: [NAMESPACE, 'redis'],
                joined: true,
              });
              continue;
            }
            // Redis-pod alerts read component="redis" series only, the Sentinel alerts component="sentinel" ones:
            // a Sentinel's exporter serves redis_up, up, redis_instance_info ... too.
            const component = r.group === 'redis-sentinel' ? 'sentinel' : 'redis';
            expect({ alert: r.alert, metric: sel.metric, scope: [eq.namespace, eq.release, eq.mode, eq.component] }).toEqual({
              alert: r.alert,
              metric: sel.metric,
              scope: [NAMESPACE, release, mode, component],
            });
          }
        }
      }
    });

    it('takes thresholds and the expected shard count from values', async () => {
      const rules = alertRules(await render(scenario('cluster-values.yaml')));
      const expr = (a: string) => rules.find((r) => r.alert === a)!.expr;
      expect(expr('RedisSplitBrain')).toMatch(/> 6$/);
      expect(expr('RedisPodsMissing')).toMatch(/< 12$/);
      expect(expr('RedisMemoryHigh')).toMatch(/> 0\.8$/);
      expect(expr('RedisMemoryCritical')).toMatch(/> 0\.9$/);
      expect(expr('RedisReplicationLag')).toMatch(/> 67108864$/);
      expect(expr('RedisMemoryGrowthToMaxmemory')).toContain('[6h], 86400)');
      const sentinel = alertRules(await render(scenario('sentinel-values.yaml')));
      expect(sentinel.find((r) => r.alert === 'RedisSplitBrain')!.expr).toMatch(/> 1$/);
      expect(sentinel.find((r) => r.alert === 'RedisPodsMissing')!.expr).toMatch(/< 3$/);
    });

    it("takes every alert's `for` from values: the production defaults, each one changeable alone", async () => {
      const forOf = (rules: readonly { alert: string; for?: string }[]) => Object.fromEntries(rules.map((r) => [r.alert, r.for ?? '-']));
      expect(forOf(alertRules(await render()))).toEqual({
        RedisDown: '1m',
        RedisMetricsAbsent: '10m',
        RedisPodsMissing: '15m',
        RedisSplitBrain: '2m',
        RedisFailover: '1m',
        RedisMemoryHigh: '5m',
        RedisMemoryCritical: '5m',
        RedisMemoryGrowthToMaxmemory: '1h',
        RedisKeysEvicted: '-',
        RedisRejectedConnections: '-',
        RedisLowHitRatio: '30m',
        RedisClusterStateNotOk: '2m',
        RedisClusterSlotsFail: '1m',
        RedisClusterSlotsPfail: '5m',
        RedisClusterSlotsUnassigned: '5m',
        RedisMasterWithoutReplica: '10m',
        RedisReplicationLinkDown: '2m',
        RedisReplicationLag: '5m',
        RedisRdbSaveFailed: '1m',
        RedisAofWriteFailed: '1m',
        RedisStartHeld: '5m',
        RedisDataVanished: '-',
      });
      const rules = alertRules(await render(['--set', 'alerts.for.RedisSplitBrain=5s', '--set', 'alerts.for.RedisLowHitRatio=90s']));
      expect(forOf(rules)).toMatchObject({ RedisSplitBrain: '5s', RedisLowHitRatio: '90s', RedisDown: '1m', RedisClusterStateNotOk: '2m' });
      expect(rules.find((r) => r.alert === 'RedisLowHitRatio')!.annotations.description).toMatch(/^For 90s most key lookups have missed/);
      const bad = await templateChart(CHART, { release: 'rc', namespace: NAMESPACE, args: ['--set', 'alerts.for.RedisSplitBrain=soon'] });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/RedisSplitBrain/);
    });

    it('adds alert labels and RUNBOOK links, and never lets alerts.labels replace the severity', async () => {
      const rules = alertRules(await render([...scenario('cluster-values.yaml'), '--set', 'alerts.labels.severity=page']));
      for (const r of rules) {
        expect(r.labels.team).toBe('platform');
        expect(r.labels.severity).not.toBe('page');
        expect(r.annotations.runbook_url).toBe(`https://git.example.internal/redis-gitops/blob/main/environments/prod-x86/generated/RUNBOOK.md#${r.alert.toLowerCase()}`);
      }
      for (const r of alertRules(await render())) expect(r.annotations.runbook_url).toBeUndefined();
      const rule = onlyObject(await render(scenario('cluster-values.yaml')), 'PrometheusRule');
      expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
    });

    it('leaves out disabled alerts, replica alerts without replicas, and empty groups', async () => {
      const objs = await render(scenario('dashboards-off-values.yaml'));
      const alerts = alertRules(objs).map((r) => r.alert);
      for (const a of ['RedisLowHitRatio', 'RedisKeysEvicted', 'RedisMasterWithoutReplica', 'RedisReplicationLinkDown', 'RedisReplicationLag']) expect(alerts).not.toContain(a);
      expect(onlyObject(objs, 'PrometheusRule').spec.groups.map((g: Obj) => g.name)).not.toContain('redis-replication');
      for (const g of onlyObject(objs, 'PrometheusRule').spec.groups) expect(g.rules.length).toBeGreaterThan(0);
      const none = await render(['--set-json', 'alerts.disabled=["RedisRejectedConnections","RedisLowHitRatio"]']);
      expect(onlyObject(none, 'PrometheusRule').spec.groups.map((g: Obj) => g.name)).not.toContain('redis-clients');
    });

    it('renders only what is enabled', async () => {
      expect((await render(scenario('alerts-only-values.yaml'))).map((o) => o.kind)).toEqual(['PrometheusRule']);
      expect((await render(['--set', 'alerts.enabled=false', '--set', 'dashboards.enabled=false'])).map((o) => o.kind)).toEqual(['PodMonitor']);
    });
  });

  describe('dashboards', () => {
    it('are ConfigMaps with the Grafana sidecar label, valid JSON, scoped to the release and without placeholders', async () => {
      const objs = await render(scenario('cluster-values.yaml'));
      const dashboards = dashboardsOf(objs);
      expect(dashboards).toHaveLength(3);
      for (const d of dashboards) {
        expect(d.cm.metadata.labels.grafana_dashboard).toBe('1');
        expect(d.cm.metadata.annotations).toEqual({ grafana_folder: 'Redis' });
        for (const p of ALL_PLACEHOLDERS) expect(d.raw).not.toContain(p);
        expect(d.json.uid.length).toBeLessThanOrEqual(40);
        expect(d.key).toBe(`${d.json.uid}.json`);
        expect(d.json.title).toMatch(/^Redis redis\/prod-x86: /);
        const vars = Object.fromEntries(d.json.templating.list.map((v: Obj) => [v.name, v]));
        expect(vars.namespace).toMatchObject({ type: 'constant', query: NAMESPACE });
        expect(vars.release).toMatchObject({ type: 'constant', query: 'prod-x86' });
        // A ConfigMap applied client-side must fit the 256 KiB last-applied annotation.
        expect(Buffer.byteLength(d.raw)).toBeLessThan(200 * 1024);
      }
    });

    it('get a uid per release, so two releases share one Grafana', async () => {
      const a = dashboardsOf(await render(['--set', 'target.release=a'])).map((d) => d.json.uid);
      const b = dashboardsOf(await render(['--set', 'target.release=b'])).map((d) => d.json.uid);
      expect(new Set([...a, ...b]).size).toBe(6);
    });

    it('leave the cluster dashboard out for a Sentinel group', async () => {
      const keys = dashboardsOf(await render(scenario('sentinel-values.yaml'))).map((d) => d.key.replace(/^redis-[0-9a-f]{12}-/, ''));
      expect(keys.sort()).toEqual(['overview.json', 'replication.json']);
    });

    it('ship exactly the JSON packages/dashboards generates (run node packages/dashboards/bin/generate-dashboards.ts after a change)', () => {
      const dir = path.join(REPO, DASHBOARDS_DIR);
      const files = dashboardFiles();
      expect(
        readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort(),
      ).toEqual(files.map((f) => f.file).sort());
      for (const f of files) expect({ file: f.file, upToDate: readFileSync(path.join(dir, f.file), 'utf8') === f.content }).toEqual({ file: f.file, upToDate: true });
    });
  });

  describe('the PrometheusRule template', () => {
    it('is exactly what packages/dashboards generates from the typed alert rules (run node packages/dashboards/bin/generate-dashboards.ts after a change)', () => {
      expect(readFileSync(path.join(REPO, PROMETHEUS_RULE_TEMPLATE), 'utf8') === prometheusRuleTemplate()).toBe(true);
    });

    it('is documented by the generated alerts table in the chart README', () => {
      expect(readFileSync(path.join(CHART, 'README.md'), 'utf8')).toContain(alertsTableMarkdown());
    });
  });

  // Contract with the Redis charts: the PodMonitor must select their Redis pods, and a Sentinel group's
  // Sentinel pods (nothing else: no Job pods), each with the exporter port it scrapes.
  it.each([
    ['redis-cluster', ['redis']],
    ['redis-sentinel', ['redis', 'sentinel']],
  ] as const)('selects the pods of the %s chart with an exporter sidecar (components %j), on their exporter port', async (chart, components) => {
    const dir = path.join(REPO, 'charts', chart);
    const objs = await renderChart(dir, { release: 'rel', namespace: NAMESPACE });
    const podTemplates = objs.flatMap((o) => {
      const obj = o.object as Obj;
      if (o.kind === 'StatefulSet' || o.kind === 'Job') return [obj.spec.template];
      if (o.kind === 'CronJob') return [obj.spec.jobTemplate.spec.template];
      return [];
    });
    const selector = onlyObject(await render(['--set', `target.chart=${chart}`, '--set', 'target.release=rel']), 'PodMonitor').spec.selector;
    const selected = podTemplates.filter((t) => labelSelectorMatches(selector, t.metadata.labels));
    expect({ chart, selected: selected.map((t) => t.metadata.labels['app.kubernetes.io/component']).sort() }).toEqual({ chart, selected: [...components] });
    for (const t of selected) {
      const ports = t.spec.containers.flatMap((c: Obj) => (c.ports ?? []).map((p: Obj) => `${c.name}/${p.name}:${p.containerPort}`));
      expect({ chart, component: t.metadata.labels['app.kubernetes.io/component'], ports }).toEqual({
        chart,
        component: t.metadata.labels['app.kubernetes.io/component'],
        ports: expect.arrayContaining(['metrics/metrics:9121']),
      });
    }
    // With metrics.enabled=false no pod has the port: the PodMonitor then scrapes nothing (prometheus-operator keeps only pods with the named port).
    const off = ofKind(await renderChart(dir, { release: 'rel', namespace: NAMESPACE, args: ['--set', 'metrics.enabled=false'] }), 'StatefulSet');
    expect(off.flatMap((st) => st.spec.template.spec.containers.map((c: Obj) => c.name))).not.toContain('metrics');
  });

  it('uses only reviewed exporter metrics in alerts and dashboards', async () => {
    const used = new Set<string>();
    for (const mode of ['redis-cluster', 'redis-sentinel'])
      for (const r of alertRules(await render(['--set', `target.chart=${mode}`, '--set', 'target.backup=true']))) for (const m of metricNamesOf(r.expr)) used.add(m);
    for (const d of dashboardFiles()) for (const q of dashboardQueries(d.file, d.dashboard)) for (const m of metricNamesOf(expandGrafanaVariables(q.expr))) used.add(m);
    const known = new Set<string>([...Object.keys(EXPORTER_METRICS), ...PROMETHEUS_TARGET_METRICS, ...Object.keys(KUBE_STATE_METRICS), ...Object.keys(SENTINEL_EXPORTER_METRICS)]);
    expect([...used].filter((m) => !known.has(m))).toEqual([]);
  });

  it('rejects bad values through values.schema.json with a clear message', async () => {
    for (const [args, pattern] of [
      [['--set', 'target.chart=redis'], /target.*chart|chart.*must be one of|enum/],
      [['--set-json', 'alerts.disabled=["RedisNope"]'], /disabled/],
      [['--set-json', 'alerts.thresholds.memoryWarningRatio=2'], /memoryWarningRatio/],
      [['--set', 'scrape.interval=30'], /interval/],
      [['--set', 'target.shardz=3'], /shardz/],
    ] as const) {
      const r = await templateChart(CHART, { release: 'rc', args });
      expect({ args, code: r.code === 0 ? 0 : 1 }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(pattern);
    }
  });
});
