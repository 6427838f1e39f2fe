/**
 * An upgrade of the exporter sidecar to the pinned redis_exporter (v1.81.0) breaks no alert and no
 * panel: every metric a rendered alert (every ci/ scenario, both charts with and without backups)
 * or a dashboard query uses is in the names read from the v1.81.0 source
 * (packages/dashboards/src/generated/redis-exporter-metric-names.ts), or comes from Prometheus or
 * kube-state-metrics (NOT_FROM_TESTED_EXPORTER). Whether the tested 1.45 exporter serves them is
 * proven live by live-metrics.test.ts; the same names must also be in the v1.45.0 source, unless
 * listed as newer-exporter-only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { load } from 'js-yaml';
import { dashboardFiles, dashboardQueries, expandGrafanaVariables, metricNamesOf } from '@redis-gitops/dashboards';
import { NEWER_EXPORTER_ONLY, NOT_FROM_TESTED_EXPORTER, PINNED_EXPORTER, servedBy, TESTED_EXPORTER } from '../../../packages/dashboards/src/exporter-versions.ts';
import { CHART, ofKind, render, SCENARIOS, scenario } from './lib/chart.ts';
import { requireTool } from './lib/tools.ts';

/** Metric name -> one place that uses it (the first found). */
async function usedMetrics(): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  const renders: Array<[string, string[]]> = [
    ...SCENARIOS.map((s): [string, string[]] => [`ci/${s}`, scenario(s)]),
    ...['redis-cluster', 'redis-sentinel'].flatMap(
      (chart): Array<[string, string[]]> => [
        [`${chart}`, ['--set', `target.chart=${chart}`]],
        [`${chart} with backups`, ['--set', `target.chart=${chart}`, '--set', 'target.backup=true']],
        [`${chart} with the master endpoint`, ['--set', `target.chart=${chart}`, '--set', 'target.masterEndpoint=true']],
      ],
    ),
  ];
  for (const [what, args] of renders) {
    for (const rule of ofKind(await render(args), 'PrometheusRule')) {
      for (const group of rule.spec.groups) for (const r of group.rules) for (const m of metricNamesOf(r.expr)) if (!used.has(m)) used.set(m, `${what}: ${r.alert ?? r.record}`);
    }
  }
  for (const d of dashboardFiles()) for (const q of dashboardQueries(d.file, d.dashboard)) for (const m of metricNamesOf(expandGrafanaVariables(q.expr))) if (!used.has(m)) used.set(m, q.where);
  return used;
}

describe('metrics used by alerts and panels, against the names of both redis_exporter versions', () => {
  let used: Map<string, string>;
  const exporterMetrics = () => [...used].filter(([m]) => !Object.hasOwn(NOT_FROM_TESTED_EXPORTER, m) || Object.hasOwn(NEWER_EXPORTER_ONLY, m));

  it('renders the alerts of every scenario', async () => {
    used = await usedMetrics();
    expect(used.size).toBeGreaterThan(25);
    // Backups and the pod-start alert read kube-state-metrics; RedisDown reads Prometheus' up.
    expect([...used.keys()].filter((m) => Object.hasOwn(NOT_FROM_TESTED_EXPORTER, m)).length).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it(`every exporter metric is in the ${PINNED_EXPORTER} source (the pinned sidecar image serves it)`, () => {
    expect(
      exporterMetrics()
        .filter(([m]) => !servedBy(PINNED_EXPORTER, m))
        .map(([m, where]) => `${m} (${where})`),
    ).toEqual([]);
  });

  it(`every exporter metric is in the ${TESTED_EXPORTER} source, or listed as newer-exporter-only with its reason`, () => {
    expect(
      exporterMetrics()
        .filter(([m]) => !servedBy(TESTED_EXPORTER, m) && !Object.hasOwn(NEWER_EXPORTER_ONLY, m))
        .map(([m, where]) => `${m} (${where})`),
    ).toEqual([]);
  });
});

describe('the two versions are the ones this project runs', () => {
  it(`the Redis charts pin the exporter image ${PINNED_EXPORTER} (re-extract the names when the tag changes)`, () => {
    const tags = ['redis-cluster', 'redis-sentinel'].map((chart) => {
      const values = load(readFileSync(path.join(CHART, '..', chart, 'values.yaml'), 'utf8')) as { metrics: { image: { repository: string; tag: string } } };
      return { chart, image: `${values.metrics.image.repository}:${values.metrics.image.tag}` };
    });
    expect(tags).toEqual([
      { chart: 'redis-cluster', image: `oliver006/redis_exporter:${PINNED_EXPORTER}` },
      { chart: 'redis-sentinel', image: `oliver006/redis_exporter:${PINNED_EXPORTER}` },
    ]);
  });

  it(`the tests run Debian's prometheus-redis-exporter ${TESTED_EXPORTER.slice(1)}`, () => {
    let out: string;
    try {
      out = execFileSync(requireTool('prometheus-redis-exporter'), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      out = `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? ''}`;
    }
    expect(/Redis Metrics Exporter (\d+\.\d+\.\d+)/.exec(out)?.[1]).toBe(TESTED_EXPORTER.slice(1));
  });
});
