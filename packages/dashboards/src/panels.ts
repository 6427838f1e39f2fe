/**
 * Thin helpers over the Grafana Foundation SDK: one dashboard skeleton (data source, namespace,
 * release and pod variables) and a few panel shapes, laid out on Grafana's 24-column grid in the
 * order they are added. Everything is deterministic: the same code gives byte-identical JSON.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { PLACEHOLDERS } from './placeholders.ts';
import { RELEASE_SCOPE } from './query.ts';

/** Every panel reads from the data source picked in the `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana template variable, not a JavaScript one
export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  readonly expr: string;
  /** Series name in the legend, e.g. `{{pod}}`. */
  readonly legend: string;
  /** Instant query (tables, stats of a current state). @default false */
  readonly instant?: boolean;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and what to do about it; Grafana shows it on hover. */
  readonly description: string;
  readonly queries: readonly Query[];
  /** Grafana unit id: `bytes`, `percentunit`, `s`, `ops`, `Bps`, `short`, `none` ... */
  readonly unit: string;
  /** Width in grid columns (24 = full row). @default 12 */
  readonly width?: number;
  readonly min?: number;
  readonly max?: number;
  /** Thresholds as [value, color] steps after the base green (e.g. [[0.85, 'orange'], [0.95, 'red']]). */
  readonly thresholds?: ReadonlyArray<readonly [number, string]>;
  /**
   * The panel shows data only during this incident (e.g. `master-down`): the end-to-end tests check
   * it while the incident lasts, not on a healthy release. Never emitted into the dashboard JSON.
   */
  readonly incidentOnly?: Incident;
}

/** Incidents the end-to-end tests of charts/redis-monitoring stage (tests/e2e). */
export type Incident = 'master-down' | 'split-brain' | 'memory-growth';

/** Panel specs by builder, so the layout can record each placed panel's test-only markers. */
const SPECS = new WeakMap<object, PanelSpec>();

/** `incidentOnly` of every placed panel, by `<dashboard uid>#<panel id>` (kept out of the JSON). */
const INCIDENT_ONLY = new Map<string, Incident>();

/** The incident a placed panel of the dashboard `uid` shows data only in, if any. */
export function incidentOnlyOf(uid: string, panelId: number): Incident | undefined {
  return INCIDENT_ONLY.get(`${uid}#${panelId}`);
}

function targets(queries: readonly Query[]): prometheus.DataqueryBuilder[] {
  return queries.map((q, i) => {
    const b = new prometheus.DataqueryBuilder()
      .expr(q.expr)
      .legendFormat(q.legend)
      .refId(String.fromCharCode(65 + i))
      .datasource(DATASOURCE);
    return q.instant ? b.instant().format(prometheus.PromQueryFormat.Table) : b.range();
  });
}

function thresholdsOf(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([{ value: null, color: 'green' }, ...(spec.thresholds ?? []).map(([value, color]) => ({ value, color }))]);
}

/** A time series panel, one line per series, legend as a table with last and max. */
export function timeseriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  const p = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .thresholds(thresholdsOf(spec))
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(['lastNotNull', 'max']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  if (spec.thresholds?.length) p.thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed));
  for (const t of targets(spec.queries)) p.withTarget(t);
  SPECS.set(p, spec);
  return p;
}

/** A single big number (the last value), colored by thresholds. */
export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  const p = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .thresholds(thresholdsOf(spec))
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  if (spec.min !== undefined) p.min(spec.min);
  if (spec.max !== undefined) p.max(spec.max);
  for (const t of targets(spec.queries)) p.withTarget(t);
  SPECS.set(p, spec);
  return p;
}

/** A table of the current value of instant queries (e.g. role per pod). */
export function tablePanel(spec: PanelSpec): table.PanelBuilder {
  const p = new table.PanelBuilder().title(spec.title).description(spec.description).datasource(DATASOURCE).unit(spec.unit);
  for (const t of targets(spec.queries)) p.withTarget(t);
  SPECS.set(p, spec);
  return p;
}

/** A panel builder the layout can number and place. */
type Placeable = cog.Builder<dashboard.Panel> & { id(id: number): unknown; gridPos(g: dashboard.GridPos): unknown };

/**
 * Lays panels out left to right in rows of 24 columns and numbers them, so the JSON never
 * depends on Grafana's auto-placement. `section(title)` starts a new row header.
 */
export class Layout {
  private readonly dash: dashboard.DashboardBuilder;
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  constructor(dash: dashboard.DashboardBuilder) {
    this.dash = dash;
  }

  section(title: string): this {
    this.newLine();
    this.dash.withRow(new dashboard.RowBuilder(title).id(this.nextId++).gridPos({ x: 0, y: this.y, w: 24, h: 1 }));
    this.y += 1;
    return this;
  }

  add(panel: Placeable, width = 12, height = 8): this {
    if (this.x + width > 24) this.newLine();
    const id = this.nextId++;
    panel.id(id);
    const incident = SPECS.get(panel)?.incidentOnly;
    if (incident) INCIDENT_ONLY.set(`${this.dash.build().uid}#${id}`, incident);
    panel.gridPos({ x: this.x, y: this.y, w: width, h: height });
    this.dash.withPanel(panel);
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return this;
  }

  private newLine(): void {
    if (this.x > 0) {
      this.y += this.rowHeight;
      this.x = 0;
      this.rowHeight = 0;
    }
  }
}

export interface DashboardMeta {
  /** Stable short name: file name `redis-<name>.json` and uid suffix. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** Charts whose releases get this dashboard; they become tags, which the chart's ConfigMap template reads. */
  readonly charts: readonly RedisChart[];
}

export type RedisChart = 'redis-cluster' | 'redis-sentinel';

/**
 * A dashboard with the variables every Redis dashboard shares: `datasource` (any Prometheus),
 * `namespace` and `release` (hidden constants the chart fills in) and `pod` (multi-select).
 */
export function redisDashboard(meta: DashboardMeta): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(`Redis ${PLACEHOLDERS.namespace}/${PLACEHOLDERS.release}: ${meta.title}`)
    .uid(`${PLACEHOLDERS.uidPrefix}-${meta.name}`)
    .description(`${meta.description} Generated by packages/dashboards (redis-gitops); do not edit in Grafana, change the TypeScript.`)
    .tags(['redis', 'redis-gitops', ...meta.charts])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .link(new dashboard.DashboardLinkBuilder('Redis dashboards').type(dashboard.DashboardLinkType.Dashboards).tags(['redis-gitops']).asDropdown(true).includeVars(true).keepTime(true))
    .withVariable(new dashboard.DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(new dashboard.ConstantVariableBuilder('namespace').value(PLACEHOLDERS.namespace))
    .withVariable(new dashboard.ConstantVariableBuilder('release').value(PLACEHOLDERS.release))
    .withVariable(
      new dashboard.QueryVariableBuilder('pod')
        .label('Pod')
        .datasource(DATASOURCE)
        .query(`label_values(redis_up{${RELEASE_SCOPE}}, pod)`)
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc)
        .multi(true)
        .includeAll(true)
        .allValue('.*')
        .current({ text: 'All', value: '$__all' }),
    );
}
