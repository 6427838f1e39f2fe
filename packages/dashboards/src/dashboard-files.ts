/**
 * The dashboards as the files the redis-monitoring chart ships (`files/dashboards/<name>.json`),
 * and every PromQL expression in them. Pure: `bin/generate-dashboards.ts` writes the files and
 * the tests compare them, so a stale or hand-edited file fails the build.
 */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { clusterDashboard } from './cluster-dashboard.ts';
import { type Incident, incidentOnlyOf } from './panels.ts';
import { overviewDashboard } from './overview-dashboard.ts';
import { replicationDashboard } from './replication-dashboard.ts';

/** Where the chart keeps the generated files, relative to the repository root. */
export const DASHBOARDS_DIR = 'charts/redis-monitoring/files/dashboards';

export interface DashboardFile {
  /** File name inside DASHBOARDS_DIR, e.g. `redis-overview.json`. */
  readonly file: string;
  readonly dashboard: Dashboard;
  /** The file content: pretty JSON with a trailing newline. */
  readonly content: string;
}

/** Every dashboard, in a stable order. */
export function dashboardFiles(): DashboardFile[] {
  return [overviewDashboard(), replicationDashboard(), clusterDashboard()].map((dashboard) => {
    const name = (dashboard.uid ?? '').split('-').pop();
    return { file: `redis-${name}.json`, dashboard, content: `${JSON.stringify(dashboard, null, 2)}\n` };
  });
}

export interface DashboardQuery {
  /** `<file> / <panel title>` or `<file> / variable <name>`. */
  readonly where: string;
  /** The PromQL as written (Grafana variables not expanded). */
  readonly expr: string;
}

type PanelLike = { title?: string; targets?: unknown[]; panels?: PanelLike[] };

/**
 * Every query of a dashboard: panel targets, and the series selector inside a
 * `label_values(<selector>, label)` variable query.
 */
export function dashboardQueries(file: string, dashboard: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const visit = (p: PanelLike) => {
    for (const t of p.targets ?? []) {
      const expr = (t as { expr?: unknown }).expr;
      if (typeof expr === 'string') out.push({ where: `${file} / ${p.title ?? '(untitled)'}`, expr });
    }
    for (const child of p.panels ?? []) visit(child);
  };
  for (const p of (dashboard.panels ?? []) as PanelLike[]) visit(p);
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== 'query' || typeof v.query !== 'string') continue;
    const m = /^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\)$/.exec(v.query.trim());
    if (!m) throw new Error(`${file}: variable ${v.name} query is not label_values(<selector>, <label>): ${v.query}`);
    out.push({ where: `${file} / variable ${v.name}`, expr: m[1]! });
  }
  return out;
}

export interface DashboardPanel {
  /** File name, e.g. `redis-overview.json`. */
  readonly file: string;
  readonly id: number;
  readonly title: string;
  /** Panel type: `timeseries`, `stat`, `table`. */
  readonly type: string;
  /** Tags of the dashboard (the charts whose releases get it). */
  readonly tags: readonly string[];
  /** Every target of the panel, as written (Grafana variables not expanded). */
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly instant: boolean }>;
  /** The incident the panel shows data only in (PanelSpec.incidentOnly), if any. */
  readonly incidentOnly?: Incident;
}

/** Every panel with queries (rows left out) of every dashboard file. */
export function dashboardPanels(files: readonly DashboardFile[] = dashboardFiles()): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  for (const f of files) {
    const uid = f.dashboard.uid ?? '';
    for (const p of (f.dashboard.panels ?? []) as Array<{ id?: number; title?: string; type?: string; targets?: unknown[] }>) {
      const targets = (p.targets ?? []).flatMap((t) => {
        const q = t as { expr?: unknown; instant?: unknown };
        return typeof q.expr === 'string' ? [{ expr: q.expr, instant: q.instant === true }] : [];
      });
      if (targets.length === 0) continue;
      const incidentOnly = incidentOnlyOf(uid, p.id ?? -1);
      out.push({ file: f.file, id: p.id ?? -1, title: p.title ?? '(untitled)', type: p.type ?? '?', tags: f.dashboard.tags ?? [], targets, ...(incidentOnly ? { incidentOnly } : {}) });
    }
  }
  return out;
}
