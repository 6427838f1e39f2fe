/**
 * Render tests of the restore drill CronJob (backup.drill): off unless asked for, hardened like the
 * backup CronJob, reading the backup volume read-only, accepted by every admission policy of
 * policies/ in a production namespace; and the renders that must fail (a drill without backups, a
 * drill from the bucket, which is not implemented yet). drill.sh itself is proven in
 * behaviour/drill.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { evaluate, loadPolicies } from '@redis-gitops/policy';
import { ofKind, renderChart, templateChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(CHART, '..', '..');
const NAMESPACE = 'redis-prod';
const PRODUCTION = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };
const FULLNAME = 'rc-redis-sentinel';

type Obj = Record<string, any>;

const render = (args: string[] = []) => renderChart(CHART, { release: 'rc', namespace: NAMESPACE, args });
const env = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);
const cronJob = (objs: Awaited<ReturnType<typeof render>>, suffix: string): Obj | undefined => ofKind(objs, 'CronJob').find((o) => String(o.metadata.name).endsWith(suffix));
const allPolicies = () =>
  loadPolicies(
    readdirSync(path.join(REPO, 'policies'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `policies/${d.name}/${d.name}.yaml`)
      .map((p) => ({ path: p, text: readFileSync(path.join(REPO, p), 'utf8') })),
  );

describe('redis-sentinel restore drill CronJob', () => {
  it('renders no drill CronJob by default, nor with backups alone', async () => {
    expect(cronJob(await render(), '-drill')).toBeUndefined();
    expect(cronJob(await render(['--set', 'backup.enabled=true']), '-drill')).toBeUndefined();
  });

  it('with backup.drill.enabled: a hardened CronJob <fullname>-drill that never overlaps or retries, reading the backup claim read-only, with the Redis password', async () => {
    const objs = await render(['--set', 'backup.enabled=true', '--set', 'backup.drill.enabled=true']);
    const cron = cronJob(objs, '-drill')!;
    const backup = cronJob(objs, '-backup')!;
    expect(cron.metadata.name).toBe(`${FULLNAME}-drill`);
    expect(cron.metadata.labels['app.kubernetes.io/component']).toBe('backup-drill');
    expect(cron.spec).toMatchObject({ schedule: '47 4 * * 0', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    const job = cron.spec.jobTemplate.spec;
    expect(job.backoffLimit).toBe(0);
    const pod = job.template.spec;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    const b =
      backup.spec.jobTemplate.spec.template.spec.containers.find((x: Obj) => x.name === 'backup') ?? backup.spec.jobTemplate.spec.template.spec.initContainers.find((x: Obj) => x.name === 'backup');
    expect({ name: c.name, command: c.command, image: c.image }).toEqual({ name: 'drill', command: ['/scripts/drill.sh'], image: b.image });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef).toEqual(env(b, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef);
    expect(env(c, 'DRILL_MODE')?.value).toBe('sentinel');
    expect(env(c, 'BACKUP_DIR')?.value).toBe('/backup');
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'backup', mountPath: '/backup', readOnly: true }]));
    const claim = (p: Obj) => p.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim;
    expect(claim(pod)).toEqual({ claimName: claim(backup.spec.jobTemplate.spec.template.spec).claimName, readOnly: true });
  });

  it('the production scenario with backups and the drill passes every admission policy of policies/', async () => {
    const ci = (f: string) => ['-f', path.join(CHART, 'ci', f)];
    const objs = await render([...ci('production-values.yaml'), ...ci('backup-values.yaml'), '--set', 'backup.drill.enabled=true']);
    expect(cronJob(objs, '-drill')).toBeDefined();
    expect(evaluate(allPolicies(), objs, { namespaceLabels: PRODUCTION })).toEqual([]);
  });

  it('fails the render, saying why, for a drill without backups and for a drill from the bucket', async () => {
    for (const [args, message] of [
      [['--set', 'backup.drill.enabled=true'], /backup\.drill\.enabled is true but backup\.enabled is false/],
      [['--set', 'backup.enabled=true', '--set', 'backup.drill.enabled=true', '--set', 'backup.drill.source=remote'], /backup\.drill\.source=remote is not implemented yet/],
    ] as const) {
      const r = await templateChart(CHART, { release: 'rc', namespace: NAMESPACE, args: [...args] });
      expect({ args, code: r.code === 0 ? 0 : 1 }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(message);
    }
  });
});
