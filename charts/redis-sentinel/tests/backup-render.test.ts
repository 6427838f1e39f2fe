/**
 * Render tests of the backup CronJob, the backup PVC and the restore init container: the real helm
 * renders the chart, the objects pass the Kubernetes schemas, the backup-required admission policy
 * (evaluated offline in a production namespace) and the backup-cronjob manifest-set check, and
 * redis-netpol's rules admit the backup pods to the Sentinels and the Redis pods.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { checkObjects, type RenderedObject } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate, loadPolicies, matchesLabelSelector } from '@redis-gitops/policy';
import { ofKind, onlyObject, renderChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(CHART, '..', '..');
const NAMESPACE = 'redis-prod';
const PRODUCTION = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };

type Obj = Record<string, any>;

const render = (args: string[] = [], release = 'rs') => renderChart(CHART, { release, namespace: NAMESPACE, args });
const ci = (f: string) => ['-f', path.join(CHART, 'ci', f)];
const redisSts = (objs: RenderedObject[]) => onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-node');
const env = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);
const backupPolicy = () => loadPolicies([{ path: 'policies/backup-required/backup-required.yaml', text: readFileSync(path.join(REPO, 'policies/backup-required/backup-required.yaml'), 'utf8') }]);

describe('redis-sentinel backup and restore objects', () => {
  it('renders no CronJob, no backup PVC, no annotation and no init container by default', async () => {
    const objs = await render();
    expect(ofKind(objs, 'CronJob')).toEqual([]);
    expect(ofKind(objs, 'PersistentVolumeClaim')).toEqual([]);
    const sts = redisSts(objs);
    expect(sts.metadata.annotations?.['redis-gitops.dev/backup-cronjob']).toBeUndefined();
    expect(sts.spec.template.spec.initContainers).toBeUndefined();
  });

  it('with backup.enabled: a hardened CronJob <fullname>-backup that never overlaps, named by the Redis StatefulSet only', async () => {
    const objs = await render(['--set', 'backup.enabled=true', '--set', 'sentinel.auth.existingSecret=s-auth', '--set', 'sentinel.auth.passwordKey=s-pw']);
    expect(await checkObjects(objs)).toEqual([]);
    const sts = redisSts(objs);
    const cron = onlyObject(objs, 'CronJob');
    expect(cron.metadata.name).toBe('rs-redis-sentinel-backup');
    expect(sts.metadata.annotations['redis-gitops.dev/backup-cronjob']).toBe(cron.metadata.name);
    // The Sentinels hold no data: their StatefulSet names no backup (the policy skips component sentinel).
    expect(onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-sentinel').metadata.annotations).toBeUndefined();
    expect(cron.spec).toMatchObject({ schedule: '17 2 * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    const job = cron.spec.jobTemplate.spec;
    expect(job.activeDeadlineSeconds).toBe(3600);
    expect(job.backoffLimit).toBeLessThanOrEqual(3);
    const pod = job.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 999, runAsGroup: 999, fsGroup: 999, seccompProfile: { type: 'RuntimeDefault' } },
    });
    const c = pod.containers[0];
    expect(pod.containers).toHaveLength(1);
    expect(c.image).toBe(sts.spec.template.spec.containers[0].image);
    expect(c.command).toEqual(['/scripts/backup.sh']);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef).toEqual({ name: 'rs-redis-sentinel-auth', key: 'redis-password' });
    expect(env(c, 'SENTINEL_PASSWORD')?.valueFrom.secretKeyRef).toEqual({ name: 's-auth', key: 's-pw' });
    expect(env(c, 'MASTER_SET')?.value).toBe('mymaster');
    expect(env(c, 'BACKUP_RETENTION')?.value).toBe('7');
    // The same contract as the Redis container: every literal env of start-redis.sh's environment.
    const redisEnv = sts.spec.template.spec.containers[0].env.filter((e: Obj) => e.value !== undefined && !e.name.startsWith('PRESTOP'));
    for (const e of redisEnv) expect({ name: e.name, value: env(c, e.name)?.value }).toEqual({ name: e.name, value: e.value });
    expect(pod.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim).toEqual({ claimName: 'rs-redis-sentinel-backup' });
    for (const labels of [cron.metadata.labels, job.template.metadata.labels]) {
      expect(labels).toMatchObject({ 'app.kubernetes.io/instance': 'rs', 'app.kubernetes.io/part-of': 'redis-gitops', 'app.kubernetes.io/component': 'backup' });
    }
    expect(matchesLabelSelector({ matchLabels: sts.spec.selector.matchLabels }, job.template.metadata.labels)).toBe(false);
  });

  it('creates the backup PVC with helm.sh/resource-policy keep (and Argo CD Prune=false,Delete=false), or uses backup.existingClaim', async () => {
    const pvc = onlyObject(await render(ci('backup-values.yaml')), 'PersistentVolumeClaim');
    expect(pvc.metadata.name).toBe('rs-redis-sentinel-backup');
    expect(pvc.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'shared-rwx', resources: { requests: { storage: '50Gi' } } });
    const existing = await render(['--set', 'backup.enabled=true', '--set', 'backup.existingClaim=team-backups']);
    expect(ofKind(existing, 'PersistentVolumeClaim')).toEqual([]);
    expect(onlyObject(existing, 'CronJob').spec.jobTemplate.spec.template.spec.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim.claimName).toBe('team-backups');
    const long = onlyObject(await render(['--set', 'backup.enabled=true'], 'a-very-long-release-name-for-the-payments-platform-eu'), 'CronJob');
    expect(long.metadata.name.length).toBeLessThanOrEqual(52);
  });

  it('production values with backup.enabled pass the backup-required policy and the backup-cronjob manifest-set check', async () => {
    const objs = await render([...ci('production-values.yaml'), ...ci('backup-values.yaml')]);
    expect(await checkObjects(objs)).toEqual([]);
    expect(evaluate(backupPolicy(), objs, { namespaceLabels: PRODUCTION })).toEqual([]);
    expect(checkManifestSet(objs, { tier: 'production', namespace: NAMESPACE }).filter((f) => f.code === 'backup-cronjob')).toEqual([]);
    const without = evaluate(backupPolicy(), await render(ci('production-values.yaml')), { namespaceLabels: PRODUCTION });
    expect(without.map((r) => r.message)).toEqual([`StatefulSet ${NAMESPACE}/rs-redis-sentinel-node names no backup CronJob (metadata.annotations[redis-gitops.dev/backup-cronjob])`]);
  });

  it('redis-netpol admits the backup pods: its jobs policy selects them; the Sentinels accept them on 26379 and the Redis pods on 6379', async () => {
    const objs = await render(['--set', 'backup.enabled=true']);
    const labels = onlyObject(objs, 'CronJob').spec.jobTemplate.spec.template.metadata.labels as Record<string, string>;
    const netpol = ofKind(
      await renderChart(path.join(REPO, 'charts', 'redis-netpol'), { release: 'rs-netpol', namespace: NAMESPACE, set: ['target.release=rs', 'target.chart=redis-sentinel'] }),
      'NetworkPolicy',
    );
    expect(netpol.filter((p) => p.metadata.name.endsWith('-jobs') && matchesLabelSelector(p.spec.podSelector, labels))).toHaveLength(1);
    const admittedInto = (podLabels: Record<string, string>) =>
      netpol
        .filter((p) => matchesLabelSelector(p.spec.podSelector, podLabels))
        .flatMap((p) => (p.spec.ingress ?? []) as Obj[])
        .filter((rule) => (rule.from ?? []).some((f: Obj) => f.podSelector && matchesLabelSelector(f.podSelector, labels)))
        .flatMap((rule) => (rule.ports ?? []).map((p: Obj) => p.port));
    expect(admittedInto(redisSts(objs).spec.template.metadata.labels)).toContain(6379);
    expect(admittedInto(onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-sentinel').spec.template.metadata.labels)).toContain(26379);
  });

  it('with restore.fromSet: a hardened `restore` init container reading the backup claim read-only; none without', async () => {
    const objs = await render(ci('restore-values.yaml'));
    expect(await checkObjects(objs)).toEqual([]);
    const spec = redisSts(objs).spec.template.spec;
    expect(spec.initContainers.map((c: Obj) => c.name)).toEqual(['restore']);
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['/scripts/restore.sh']);
    expect(init.image).toBe(spec.containers[0].image);
    expect(env(init, 'RESTORE_SET')?.value).toBe('20261125T021700Z');
    expect(env(init, 'REDIS_TLS')?.value).toBe('yes');
    expect(init.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(init.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'data', mountPath: '/data' },
        { name: 'backup', mountPath: '/backup', readOnly: true },
        { name: 'config', mountPath: '/etc/redis-base', readOnly: true },
        { name: 'tls', mountPath: '/tls', readOnly: true },
      ]),
    );
    expect(spec.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim).toEqual({ claimName: 'redis-backups', readOnly: true });
    expect(spec.containers[0].volumeMounts.map((m: Obj) => m.name)).not.toContain('backup');
    // The Sentinels get no init container and no backup volume.
    const sentinel = onlyObject(objs, 'StatefulSet', 'rs-redis-sentinel-sentinel').spec.template.spec;
    expect(sentinel.initContainers).toBeUndefined();
    expect(sentinel.volumes.map((v: Obj) => v.name)).not.toContain('backup');
    const plain = redisSts(await render(['--set', 'restore.fromSet=20261125T021700Z'])).spec.template.spec;
    expect(plain.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim.claimName).toBe('rs-redis-sentinel-backup');
  });

  it('ships backup.sh, backup-lib.sh and restore.sh in the scripts ConfigMap', async () => {
    const cm = onlyObject(await render(), 'ConfigMap', 'rs-redis-sentinel-scripts');
    for (const f of ['backup.sh', 'backup-lib.sh', 'restore.sh']) expect(cm.data[f]).toBe(readFileSync(path.join(CHART, 'scripts', f), 'utf8'));
  });
});
