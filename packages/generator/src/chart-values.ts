/** The values one chart gets for one environment, and where each value came from in the spec. */
export interface ChartValues<V = unknown> {
  /** Chart folder name under charts/. */
  readonly chart: string;
  /**
   * Helm release name. The Redis chart is released under the environment's name (so its pods are
   * `app.kubernetes.io/instance=<env>`); companion charts under `<env>-<chart>`, since two releases
   * in one namespace need distinct names.
   */
  readonly release: string;
  /** Helm values (only what the spec decides; the chart's defaults fill the rest). */
  readonly values: V;
  /**
   * Values path -> spec path. When a chart schema rejects a generated value, the error is
   * reported at the spec field it came from (longest matching prefix wins).
   */
  readonly provenance: Readonly<Record<string, string>>;
}

/** The spec path a values path came from, by longest matching prefix; undefined when unknown. */
export function specPathFor(provenance: Readonly<Record<string, string>>, valuesPath: string): string | undefined {
  let path = valuesPath;
  while (path) {
    const hit = provenance[path];
    if (hit) return hit;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    path = cut > 0 ? path.slice(0, cut) : '';
  }
  return undefined;
}

/** Charts that run Redis itself; they are released under the environment's name. */
export const REDIS_CHARTS: readonly string[] = ['redis-cluster', 'redis-sentinel'];

/** The Helm release of `chart` in environment `env` (see ChartValues.release). */
export function releaseName(env: string, chart: string): string {
  return REDIS_CHARTS.includes(chart) ? env : `${env}-${chart}`;
}
