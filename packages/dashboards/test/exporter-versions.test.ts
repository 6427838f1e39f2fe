/**
 * The metric names of the tested (v1.45.0) and pinned (v1.81.0) redis_exporter
 * (src/generated/redis-exporter-metric-names.ts), how they were read (src/exporter-source-names.ts),
 * and the "Exporter versions" region of the monitoring chart README. Pure; the live check is
 * charts/redis-monitoring/tests/live-metrics.test.ts, the rendered alerts' check
 * charts/redis-monitoring/tests/exporter-versions.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { generatedRegion } from '../../../tools/bench/doc-region.ts';
import { dashboardFiles, dashboardQueries } from '../src/dashboard-files.ts';
import { EXPORTER_METRICS, KUBE_STATE_METRICS, PROMETHEUS_TARGET_METRICS, SENTINEL_EXPORTER_METRICS } from '../src/exporter-metrics.ts';
import { sourceMetricNames } from '../src/exporter-source-names.ts';
import {
  EXPORTER_VERSIONS_END,
  EXPORTER_VERSIONS_START,
  exporterSource,
  exporterVersionDiff,
  exporterVersionsMarkdown,
  HAPROXY_METRICS,
  NEWER_EXPORTER_ONLY,
  NOT_FROM_TESTED_EXPORTER,
  PINNED_EXPORTER,
  servedBy,
  TESTED_EXPORTER,
} from '../src/exporter-versions.ts';
import { expandGrafanaVariables, metricNamesOf } from '../src/promql-metrics.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const VERSIONS = [TESTED_EXPORTER, PINNED_EXPORTER] as const;

describe('sourceMetricNames (how the names are read from the exporter source)', () => {
  const go = `package exporter
func NewRedisExporter() {
	e := &Exporter{
		scrapeDuration: prometheus.NewSummary(prometheus.SummaryOpts{
			Name:      "exporter_scrape_duration_seconds",
		}),
		metricMapGauges: map[string]string{
			// # Server
			"uptime_in_seconds": "uptime_in_seconds",
			"maxmemory":         "memory_max_bytes", // a comment: "not_a_metric": "x"
		},
		metricMapCounters: map[string]string{
			"evicted_keys": "evicted_keys_total",
		},
	}
	if opts.InclSystemMetrics {
		e.metricMapGauges["total_system_memory"] = "total_system_memory_bytes"
	}
	for k, desc := range map[string]struct{ txt string; lbls []string }{
		"master_link_up": {txt: "Master link status", lbls: []string{"master_host"}},
	} {
	}
}
func (e *Exporter) includeMetric(s string) bool {
	if strings.HasPrefix(s, "db") || strings.HasPrefix(s, "cmdstat_") || strings.HasPrefix(s, "cluster_") {
		return true
	}
	return false
}
func (e *Exporter) extractConfigMetrics() {
	if map[string]bool{
		"io-threads": true,
		"maxclients": true,
	}[strKey] {
		e.registerConstMetricGauge(ch, fmt.Sprintf("config_%s", strKey), val)
	}
	e.registerConstMetricGauge(
		ch, "up", 1)
	fieldKey = "master_last_io_seconds_ago"
	fieldKey = "tile38_" + fieldKey
}
`;

  it('finds map values, assigned map values, descriptions, registered names, collector names, renames and CONFIG keys', () => {
    expect(sourceMetricNames({ 'exporter/exporter.go': go, 'exporter/exporter_test.go': 'registerConstMetricGauge(ch, "test_only", 1)' })).toEqual({
      names: [
        'redis_config_io_threads',
        'redis_config_maxclients',
        'redis_evicted_keys_total',
        'redis_exporter_scrape_duration_seconds',
        'redis_master_last_io_seconds_ago',
        'redis_master_link_up',
        'redis_memory_max_bytes',
        'redis_total_system_memory_bytes',
        'redis_up',
        'redis_uptime_in_seconds',
      ],
      families: [{ prefix: 'redis_cluster_', from: expect.stringContaining('CLUSTER INFO') }],
    });
  });

  it('fails on an includeMetric prefix it cannot describe, and on a folder without names', () => {
    expect(() => sourceMetricNames({ 'a.go': 'func (e *Exporter) includeMetric(s string) bool { return strings.HasPrefix(s, "new_") }\nregisterConstMetricGauge(ch, "up", 1)' })).toThrow(
      /prefix "new_"/,
    );
    expect(() => sourceMetricNames({ 'a.go': 'package x' })).toThrow(/no metric name found/);
  });
});

describe.each(VERSIONS)('the committed names of redis_exporter %s', (version) => {
  const s = exporterSource(version);

  it('say where they come from: the upstream repository, the tag, its commit and date, and the command', () => {
    expect(s.version).toBe(version);
    expect(s.repo).toBe('https://github.com/oliver006/redis_exporter');
    expect(s.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(s.commitDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.extractedWith).toMatch(/^node packages\/dashboards\/bin\/exporter-versions\.ts --extract/);
  });

  it('are sorted, distinct, full names (namespace redis_)', () => {
    expect(s.names.length).toBeGreaterThan(150);
    expect([...new Set(s.names)].sort()).toEqual(s.names);
    expect(s.names.filter((n) => !/^redis_[a-z0-9_]*[a-z0-9]$/.test(n))).toEqual([]);
  });

  it('hold every name of the reviewed catalogue (EXPORTER_METRICS) and every Sentinel metric the alerts use', () => {
    expect([...Object.keys(EXPORTER_METRICS), ...Object.keys(SENTINEL_EXPORTER_METRICS)].filter((m) => !servedBy(version, m))).toEqual([]);
  });

  it('hold every metric of every dashboard panel and variable', () => {
    const used = new Set(dashboardFiles().flatMap((d) => dashboardQueries(d.file, d.dashboard).flatMap((q) => metricNamesOf(expandGrafanaVariables(q.expr)))));
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((m) => !servedBy(version, m) && !Object.hasOwn(NOT_FROM_TESTED_EXPORTER, m))).toEqual([]);
  });
});

describe('the exemptions: metrics alerts and panels may use without the tested exporter serving them', () => {
  it('are Prometheus target series, kube-state-metrics series and HAProxy series, each with a reason, and no exporter name', () => {
    expect(Object.keys(NOT_FROM_TESTED_EXPORTER).sort()).toEqual([...PROMETHEUS_TARGET_METRICS, ...Object.keys(KUBE_STATE_METRICS), ...HAPROXY_METRICS, ...Object.keys(NEWER_EXPORTER_ONLY)].sort());
    for (const [m, e] of Object.entries(NOT_FROM_TESTED_EXPORTER)) {
      expect({ m, reason: e.reason.length > 20 }).toEqual({ m, reason: true });
      if (e.from !== 'newer exporter only') expect({ m, tested: servedBy(TESTED_EXPORTER, m), pinned: servedBy(PINNED_EXPORTER, m) }).toEqual({ m, tested: false, pinned: false });
    }
  });

  it('list a newer-exporter-only metric only when the pinned exporter serves it and the tested one does not', () => {
    for (const m of Object.keys(NEWER_EXPORTER_ONLY)) expect({ m, tested: servedBy(TESTED_EXPORTER, m), pinned: servedBy(PINNED_EXPORTER, m) }).toEqual({ m, tested: false, pinned: true });
  });
});

describe('the difference between the two versions', () => {
  it('counts add up', () => {
    const d = exporterVersionDiff();
    expect(d.both + d.onlyTested.length).toBe(exporterSource(TESTED_EXPORTER).names.length);
    expect(d.both + d.onlyPinned.length).toBe(exporterSource(PINNED_EXPORTER).names.length);
  });

  it('is what charts/redis-monitoring/README.md shows between its exporter-versions markers (node packages/dashboards/bin/exporter-versions.ts --write-doc)', () => {
    const readme = readFileSync(path.join(REPO, 'charts/redis-monitoring/README.md'), 'utf8');
    expect(generatedRegion(readme, 'charts/redis-monitoring/README.md', { begin: EXPORTER_VERSIONS_START, end: EXPORTER_VERSIONS_END })).toBe(exporterVersionsMarkdown().trim());
  });
});
