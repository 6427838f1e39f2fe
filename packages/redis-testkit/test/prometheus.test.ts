/** The scrape job the Prometheus harness derives from a rendered PodMonitor (pure; the live server runs in charts/redis-monitoring/tests/e2e). */
import { describe, expect, it } from '@jest/globals';
import { podMonitorScrapeConfig, type ExporterSidecar, type PodScrapeTarget } from '../src/index.ts';

const podMonitor = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: { name: 'rc-redis-monitoring', namespace: 'redis' },
  spec: {
    namespaceSelector: { matchNames: ['redis'] },
    selector: { matchLabels: { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'redis' } },
    podMetricsEndpoints: [
      {
        port: 'metrics',
        path: '/metrics',
        scheme: 'http',
        interval: '2s',
        scrapeTimeout: '1s',
        honorLabels: false,
        relabelings: [
          { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'release' },
          { action: 'replace', targetLabel: 'mode', replacement: 'cluster' },
        ],
        metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: '(go|process)_.*' }],
      },
    ],
  },
};

const target = (name: string, ip: string, labels: Record<string, string>, portName = 'metrics'): PodScrapeTarget => ({
  sidecar: { pod: { name, ip }, address: `${ip}:9121`, portName } as unknown as ExporterSidecar,
  podLabels: labels,
  namespace: 'redis',
});

describe('podMonitorScrapeConfig', () => {
  it("stands static targets in for pod discovery and keeps the PodMonitor's relabelings, in Prometheus' own spelling", () => {
    const c = podMonitorScrapeConfig(podMonitor, [target('rc-0', '127.9.0.2', { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'redis', 'redis-gitops.dev/tier': 'production' })]);
    expect(c).toMatchObject({ job_name: 'podMonitor/redis/rc-redis-monitoring/0', scrape_interval: '2s', scrape_timeout: '1s', metrics_path: '/metrics', scheme: 'http', honor_labels: false });
    expect(c.static_configs).toEqual([
      {
        targets: ['127.9.0.2:9121'],
        labels: expect.objectContaining({
          __meta_kubernetes_namespace: 'redis',
          __meta_kubernetes_pod_name: 'rc-0',
          __meta_kubernetes_pod_label_app_kubernetes_io_instance: 'rc',
          __meta_kubernetes_pod_label_redis_gitops_dev_tier: 'production',
        }),
      },
    ]);
    expect(c.relabel_configs.slice(-2)).toEqual([
      { action: 'replace', source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], target_label: 'release' },
      { action: 'replace', target_label: 'mode', replacement: 'cluster' },
    ]);
    expect(c.relabel_configs.map((r: { target_label: string }) => r.target_label)).toEqual(['namespace', 'container', 'pod', 'job', 'endpoint', 'release', 'mode']);
    expect(c.metric_relabel_configs).toEqual([{ action: 'drop', source_labels: ['__name__'], regex: '(go|process)_.*' }]);
  });

  it('refuses pods the PodMonitor would not scrape: another release, another port name', () => {
    expect(() => podMonitorScrapeConfig(podMonitor, [target('x-0', '127.9.0.3', { 'app.kubernetes.io/instance': 'x', 'app.kubernetes.io/component': 'redis' })])).toThrow(
      /x-0 has app.kubernetes.io\/instance=x, the PodMonitor selects app.kubernetes.io\/instance=rc/,
    );
    expect(() => podMonitorScrapeConfig(podMonitor, [target('rc-0', '127.9.0.2', { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'redis' }, 'exporter')])).toThrow(
      /exporter port is named exporter, the PodMonitor scrapes port metrics/,
    );
  });

  it('applies matchExpressions as Kubernetes does: the Redis and Sentinel pods of a Sentinel group, never a Job pod', () => {
    const both = {
      ...podMonitor,
      spec: {
        ...podMonitor.spec,
        selector: { matchLabels: { 'app.kubernetes.io/instance': 'rc' }, matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['redis', 'sentinel'] }] },
      },
    };
    const c = podMonitorScrapeConfig(both, [
      target('rc-node-0', '127.9.0.2', { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'redis' }),
      target('rc-sentinel-0', '127.9.0.5', { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'sentinel' }),
    ]);
    expect(c.static_configs.map((x: { labels: Record<string, string> }) => x.labels.__meta_kubernetes_pod_label_app_kubernetes_io_component)).toEqual(['redis', 'sentinel']);
    expect(() => podMonitorScrapeConfig(both, [target('rc-backup-1', '127.9.0.9', { 'app.kubernetes.io/instance': 'rc', 'app.kubernetes.io/component': 'backup' })])).toThrow(
      /rc-backup-1 has app.kubernetes.io\/component=backup, the PodMonitor selects app.kubernetes.io\/component In \["redis","sentinel"\]/,
    );
    expect(() => podMonitorScrapeConfig(both, [target('rc-x', '127.9.0.9', { 'app.kubernetes.io/instance': 'rc' })])).toThrow(/component=\(absent\)/);
    const notJobs = {
      ...both,
      spec: {
        ...both.spec,
        selector: {
          matchExpressions: [
            { key: 'job-name', operator: 'DoesNotExist' },
            { key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['backup'] },
          ],
        },
      },
    };
    expect(podMonitorScrapeConfig(notJobs, [target('rc-node-1', '127.9.0.3', { 'app.kubernetes.io/component': 'redis' })]).static_configs).toHaveLength(1);
    expect(() => podMonitorScrapeConfig(notJobs, [target('rc-backup-2', '127.9.0.4', { 'job-name': 'b', 'app.kubernetes.io/component': 'redis' })])).toThrow(/job-name DoesNotExist/);
  });
});
