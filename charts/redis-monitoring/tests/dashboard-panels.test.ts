/**
 * The panel listing the end-to-end tests run (tests/e2e/lib/dashboard-panels.ts): every panel with
 * its targets, the test-only `incidentOnly` marker kept out of the dashboard JSON, and Grafana's
 * template variables substituted.
 */
import { describe, expect, it } from '@jest/globals';
import { dashboardFiles, dashboardPanels, Layout, redisDashboard, timeseriesPanel } from '@redis-gitops/dashboards';
import { GRAFANA_RATE_INTERVAL_S, panelsOf, substitute } from './e2e/lib/dashboard-panels.ts';

describe('dashboard panels as the e2e tests run them', () => {
  it('lists every panel with a query of every dashboard, by the charts it is for', () => {
    const all = dashboardPanels();
    const queries = dashboardFiles().flatMap((f) => ((f.dashboard.panels ?? []) as Array<{ targets?: unknown[] }>).flatMap((p) => p.targets ?? []));
    expect(all.flatMap((p) => p.targets).length).toBe(queries.length);
    expect(panelsOf('redis-sentinel').every((p) => p.file !== 'redis-cluster.json')).toBe(true);
    expect(panelsOf('redis-cluster').length).toBe(all.length);
  });

  it('records incidentOnly for the tests and keeps it out of the emitted JSON', () => {
    const dash = redisDashboard({ name: 'markertest', title: 't', description: 'd', charts: ['redis-cluster'] });
    new Layout(dash)
      .add(timeseriesPanel({ title: 'always', description: 'd', queries: [{ expr: 'redis_up', legend: '' }], unit: 'none' }))
      .add(timeseriesPanel({ title: 'incident', description: 'd', queries: [{ expr: 'redis_up == 0', legend: '' }], unit: 'none', incidentOnly: 'master-down' }));
    const built = dash.build();
    const content = JSON.stringify(built);
    expect(content).not.toContain('incidentOnly');
    expect(content).not.toContain('master-down');
    const panels = dashboardPanels([{ file: 'redis-markertest.json', dashboard: built, content }]);
    expect(panels.map((p) => [p.title, p.incidentOnly])).toEqual([
      ['always', undefined],
      ['incident', 'master-down'],
    ]);
    for (const f of dashboardFiles()) expect(f.content).not.toContain('incidentOnly');
  });

  it('substitutes the template variables as Grafana would for the test release', () => {
    const expr = 'rate(redis_commands_total{namespace="$namespace",release="$release",pod=~"$pod"}[$__rate_interval]) + $__interval';
    expect(substitute(expr, { namespace: 'ns', release: 'rel' })).toBe(`rate(redis_commands_total{namespace="ns",release="rel",pod=~".*"}[${GRAFANA_RATE_INTERVAL_S}s]) + 2s`);
    expect(() => substitute('x{a="$unknown"}', { namespace: 'ns', release: 'rel' })).toThrow(/left after substitution/);
  });
});
