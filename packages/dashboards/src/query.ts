/**
 * PromQL building blocks for the dashboards. A query can only name a metric from the reviewed
 * exporter catalogue (`ExporterMetric`), so a typo or an unchecked metric fails `tsc`.
 */
import type { ExporterMetric } from './exporter-metrics.ts';

/**
 * Label matchers every panel query carries: one namespace, one release, its Redis pods
 * (component="redis": the exporters of a redis-sentinel release's Sentinel pods serve redis_up,
 * redis_instance_info, memory and command series too), the selected pods.
 */
export const SCOPE = 'namespace="$namespace",release="$release",component="redis",pod=~"$pod"';

/** Label matchers for queries that must see every Redis pod of the release (counts, totals). */
export const RELEASE_SCOPE = 'namespace="$namespace",release="$release",component="redis"';

/** `metric{<scope>[,extra]}`. */
export function sel(metric: ExporterMetric, extra = '', scope: string = SCOPE): string {
  return `${metric}{${scope}${extra ? `,${extra}` : ''}}`;
}

/** `rate(metric{<scope>}[$__rate_interval])`. */
export function rate(metric: ExporterMetric, extra = '', scope: string = SCOPE): string {
  return `rate(${sel(metric, extra, scope)}[$__rate_interval])`;
}
