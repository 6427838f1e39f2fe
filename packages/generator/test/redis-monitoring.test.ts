import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALERT_RULES, ALERT_RUNBOOKS } from '@redis-gitops/dashboards';
import { parseClusters, parseEnvironment } from '@redis-gitops/spec';
import { backupMaxAgeHours, redisMonitoringValues } from '../src/redis-monitoring.ts';
import { alertSections, runbookAlerts } from '../src/templates.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const clusters = parseClusters(readFileSync(path.join(ROOT, 'environments/clusters.yaml'), 'utf8'), 'environments/clusters.yaml');
const load = (name: string, change: (t: string) => string = (t) => t) => {
  const file = `environments/${name}/environment.yaml`;
  return parseEnvironment(change(readFileSync(path.join(ROOT, file), 'utf8')), file, clusters).resolved!;
};

describe('backupMaxAgeHours', () => {
  it.each([
    ['17 2 * * *', 48],
    ['0 * * * *', 2],
    ['0 */6 * * *', 12],
    ['30 3 * * 0', 336],
    ['0 4 1 * *', 1488],
    ['@daily', 48],
    ['*/5 * * * *', 48],
  ])('is twice the interval of %s: %i hours', (schedule, hours) => {
    expect(backupMaxAgeHours(schedule)).toBe(hours);
  });
});

describe('redisMonitoringValues and the backup alerts', () => {
  it('turns the backup alerts on from spec.backup.enabled, with the max age from spec.backup.schedule', () => {
    const prod = redisMonitoringValues(load('prod-x86')).values;
    expect(prod.target?.backup).toBe(true);
    expect(prod.alerts?.thresholds?.backupMaxAgeHours).toBe(48);
    const dev = redisMonitoringValues(load('dev-x86')).values;
    expect(dev.target?.backup).toBe(false);
    expect(dev.alerts?.thresholds).toBeUndefined();
  });
});

describe('runbook alert sections', () => {
  it('every alert has a runbook text (meaning, first checks, fixes)', () => {
    for (const r of ALERT_RULES) {
      const rb = ALERT_RUNBOOKS[r.alert];
      expect({ alert: r.alert, ok: !!rb && rb.meaning.length > 20 && rb.check.length > 10 && rb.fix.length > 20 }).toEqual({ alert: r.alert, ok: true });
    }
  });

  it('renders a section per alert that applies to the environment, exactly the chart gates', () => {
    const prod = load('prod-x86');
    const names = runbookAlerts(prod).map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(['RedisClusterSlotsFail', 'RedisBackupTooOld', 'RedisBackupJobFailed']));
    const sentinel = load('sessions-sentinel');
    expect(runbookAlerts(sentinel).filter((r) => r.alert.startsWith('RedisCluster') || r.alert.startsWith('RedisBackup'))).toEqual([]);
    const md = alertSections({ env: prod, cluster: true, release: 'prod-x86', masterSet: 'mymaster', tlsFlags: '' } as never);
    for (const n of names) expect(md).toContain(`### ${n}\n`);
    expect(md).not.toContain('{{');
  });
});
