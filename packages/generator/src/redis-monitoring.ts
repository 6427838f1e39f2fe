/** Resolved environment -> values for charts/redis-monitoring (scrape, alerts, dashboards). Pure. */
import type { ResolvedEnvironment } from '@redis-gitops/spec';
import { releaseName, type ChartValues } from './chart-values.ts';
import { environmentLabels, type DeepPartial } from './common.ts';
import type { RedisMonitoringValues } from './values/redis-monitoring-values.ts';

export function redisMonitoringValues(env: ResolvedEnvironment): ChartValues<DeepPartial<RedisMonitoringValues>> {
  const cluster = env.topology.mode === 'cluster';
  const values: DeepPartial<RedisMonitoringValues> = {
    target: {
      // The Redis chart is released under the environment's name (see the Argo CD Applications).
      release: env.name,
      chart: cluster ? 'redis-cluster' : 'redis-sentinel',
      shards: env.topology.shards,
      replicasPerShard: env.topology.replicasPerShard,
      backup: env.backup.enabled,
      masterEndpoint: !cluster && env.topology.sentinel.masterEndpoint,
    },
    commonLabels: environmentLabels(env),
    scrape: { enabled: env.monitoring.serviceMonitor },
    alerts: env.backup.enabled ? { enabled: env.monitoring.alerts, thresholds: { backupMaxAgeHours: backupMaxAgeHours(env.backup.schedule) } } : { enabled: env.monitoring.alerts },
    dashboards: { enabled: env.monitoring.dashboards },
  };
  return {
    chart: 'redis-monitoring',
    release: releaseName(env.name, 'redis-monitoring'),
    values,
    provenance: {
      target: 'spec.topology',
      'target.shards': 'spec.topology.shards',
      'target.replicasPerShard': 'spec.topology.replicasPerShard',
      'target.backup': 'spec.backup.enabled',
      'target.masterEndpoint': 'spec.topology.sentinel.masterEndpoint',
      'alerts.thresholds.backupMaxAgeHours': 'spec.backup.schedule',
      scrape: 'spec.monitoring.serviceMonitor',
      alerts: 'spec.monitoring.alerts',
      dashboards: 'spec.monitoring.dashboards',
    },
  };
}

/**
 * Twice the interval of a backup schedule, in hours, for `RedisBackupTooOld`: 2 for hourly
 * (`m * * * *`), 48 for daily (`m h * * *`), 336 for weekly (`m h * * d`), 1488 for monthly
 * (`m h d * *`); 48 for anything else (a step such as every 6 hours: 12).
 */
export function backupMaxAgeHours(schedule: string): number {
  const f = schedule.trim().split(/\s+/);
  if (f.length !== 5) return 48;
  const [min, hour, dom, month, dow] = f as [string, string, string, string, string];
  const fixed = (x: string): boolean => /^\d+$/.test(x);
  const any = (x: string): boolean => x === '*';
  if (!fixed(min)) return 48;
  if (any(hour) && any(dom) && any(month) && any(dow)) return 2;
  const step = /^\*\/(\d+)$/.exec(hour);
  if (step && any(dom) && any(month) && any(dow)) return 2 * Number(step[1]);
  if (!fixed(hour) || !any(month)) return 48;
  if (any(dom) && any(dow)) return 48;
  if (any(dom) && fixed(dow)) return 336;
  if (fixed(dom) && any(dow)) return 1488;
  return 48;
}
