import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_PLACEHOLDERS, DASHBOARDS_DIR, dashboardFiles, dashboardQueries, expandGrafanaVariables, isExporterMetric, metricNamesOf, vectorSelectors } from '../src/index.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const files = dashboardFiles();

type Panel = { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; datasource?: { uid?: string } };

describe('dashboards', () => {
  it('are the files the redis-monitoring chart ships (stale or hand-edited files fail: run node packages/dashboards/bin/generate-dashboards.ts)', () => {
    const dir = path.join(REPO, DASHBOARDS_DIR);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(files.map((f) => f.file).sort());
    for (const f of files) expect({ file: f.file, upToDate: readFileSync(path.join(dir, f.file), 'utf8') === f.content }).toEqual({ file: f.file, upToDate: true });
  });

  it('are deterministic', () => {
    expect(dashboardFiles().map((f) => f.content)).toEqual(files.map((f) => f.content));
  });

  it('cover memory, hit/miss ratio, command latency and throughput, clients, replication and cluster slots/state', () => {
    const titles = files.flatMap((f) => (f.dashboard.panels as Panel[]).map((p) => p.title.toLowerCase())).join('\n');
    for (const topic of ['memory', 'hit ratio', 'latency', 'commands / s', 'clients', 'replication', 'slots', 'cluster_state']) expect(titles).toContain(topic);
  });

  it.each(files.map((f) => [f.file, f] as const))('%s: unique panel ids, no overlapping panels, every panel on the datasource variable, placeholders for the chart', (_file, f) => {
    const panels = f.dashboard.panels as Panel[];
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana template variable
      if (p.type !== 'row') expect(p.datasource?.uid).toBe('${datasource}');
    }
    for (const placeholder of ALL_PLACEHOLDERS) expect(f.content).toContain(placeholder);
  });

  it('query only reviewed exporter metrics, each scoped to the namespace and release variables', () => {
    const queries = files.flatMap((f) => dashboardQueries(f.file, f.dashboard));
    expect(queries.length).toBeGreaterThan(30);
    for (const q of queries) {
      const expr = expandGrafanaVariables(q.expr);
      expect({ where: q.where, unknown: metricNamesOf(expr).filter((m) => !isExporterMetric(m)) }).toEqual({ where: q.where, unknown: [] });
      for (const s of vectorSelectors(expr)) {
        const eq = Object.fromEntries(s.matchers.filter((m) => m.op === '=').map((m) => [m.label, m.value]));
        expect({ where: q.where, metric: s.metric, scope: [eq.namespace, eq.release] }).toEqual({ where: q.where, metric: s.metric, scope: ['$namespace', '$release'] });
      }
    }
  });
});
