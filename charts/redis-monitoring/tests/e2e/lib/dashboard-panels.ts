/**
 * Every panel of the generated dashboards run against the e2e Prometheus, as Grafana would run it:
 * template variables substituted (the hidden constants `namespace` and `release` the chart fills in,
 * `pod` at its default "All" (allValue `.*`), `$__interval` and `$__rate_interval` as Grafana computes
 * them for the e2e scrape interval), a range query for time series and stat panels, an instant
 * query for table targets. A panel has data when at least one of its targets returns a series.
 */
import { dashboardPanels, type DashboardPanel, type Incident, type RedisChart } from '@redis-gitops/dashboards';
import type { PrometheusServer } from '@redis-gitops/redis-testkit';
import { SCRAPE_INTERVAL } from './monitored-release.ts';

const SCRAPE_S = Number.parseInt(SCRAPE_INTERVAL, 10);
/** Grafana's `$__interval` for a few minutes on a dashboard-wide panel: clamped to the data source's scrape interval. */
export const GRAFANA_INTERVAL_S = SCRAPE_S;
/** Grafana's `$__rate_interval`: max($__interval + scrape interval, 4 x scrape interval). */
export const GRAFANA_RATE_INTERVAL_S = Math.max(GRAFANA_INTERVAL_S + SCRAPE_S, 4 * SCRAPE_S);

/** The panels of the dashboards a release of `chart` gets (by the dashboards' chart tags). */
export function panelsOf(chart: RedisChart): DashboardPanel[] {
  return dashboardPanels().filter((p) => p.tags.includes(chart));
}

/** `expr` with the dashboard's template variables replaced as Grafana would for this release. */
export function substitute(expr: string, v: { namespace: string; release: string }): string {
  const out = expr
    .replaceAll('$__rate_interval', `${GRAFANA_RATE_INTERVAL_S}s`)
    .replaceAll('$__interval', `${GRAFANA_INTERVAL_S}s`)
    .replaceAll('$namespace', v.namespace)
    .replaceAll('$release', v.release)
    .replaceAll('$pod', '.*');
  if (out.includes('$')) throw new Error(`a template variable is left after substitution: ${out}`);
  return out;
}

export interface PanelResult {
  readonly panel: DashboardPanel;
  /** Series per target, in target order. */
  readonly series: readonly number[];
  /** Per target: true when every point of every series is NaN (e.g. a ratio 0/0: Grafana shows NaN). */
  readonly onlyNaN: readonly boolean[];
}

export const panelName = (p: DashboardPanel): string => `${p.file} / ${p.title}`;
export const hasData = (r: PanelResult): boolean => r.series.some((n) => n > 0);

/** Runs every target of `panels` over the last `rangeS` seconds (range) or now (instant targets). */
export async function runPanels(prom: PrometheusServer, panels: readonly DashboardPanel[], v: { namespace: string; release: string }, rangeS: number): Promise<PanelResult[]> {
  const endS = Date.now() / 1000;
  const out: PanelResult[] = [];
  for (const panel of panels) {
    const series: number[] = [];
    const onlyNaN: boolean[] = [];
    for (const t of panel.targets) {
      const expr = substitute(t.expr, v);
      if (t.instant) {
        const r = await prom.query(expr);
        series.push(r.length);
        onlyNaN.push(r.length > 0 && r.every((s) => Number.isNaN(s.value)));
      } else {
        const r = await prom.queryRange(expr, endS - rangeS, endS, GRAFANA_INTERVAL_S);
        series.push(r.length);
        onlyNaN.push(r.length > 0 && r.every((s) => s.numbers === 0));
      }
    }
    out.push({ panel, series, onlyNaN });
  }
  return out;
}

/** The panels that show data only in `incident`. */
export function incidentPanels(panels: readonly DashboardPanel[], incident: Incident): DashboardPanel[] {
  return panels.filter((p) => p.incidentOnly === incident);
}

/** Lines naming the panels without data, the empty targets of the others, and the targets whose series are all NaN. */
export function emptyText(results: readonly PanelResult[]): string {
  const rows: string[] = [];
  for (const r of results) {
    if (!hasData(r)) rows.push(`NO DATA: ${panelName(r.panel)}`);
    else
      r.series.forEach((n, i) => {
        const target = `target ${String.fromCharCode(65 + i)}`;
        if (n === 0) rows.push(`${target} empty (the panel has data from its other targets): ${panelName(r.panel)}`);
        else if (r.onlyNaN[i]) rows.push(`${target} has series, all NaN (e.g. 0/0 with no reads): ${panelName(r.panel)}`);
      });
  }
  return rows.join('\n');
}
