/**
 * Render tests of the backup CronJob, the backup PVC and the restore init container: the real helm
 * renders the chart, the objects pass the Kubernetes schemas, the backup-required admission policy
 * (evaluated offline in a production namespace) and the backup-cronjob manifest-set check, and
 * redis-netpol's rules admit the backup pods to the Redis pods.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { checkObjects } from '@redis-gitops/manifests';
import { checkManifestSet, evaluate, loadPolicies, matchesLabelSelector } from '@redis-gitops/policy';
import { ofKind, onlyObject, renderChart } from '@redis-gitops/redis-testkit';

const CHART = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(CHART, '..', '..');
const NAMESPACE = 'redis-prod';
const PRODUCTION = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };

type Obj = Record<string, any>;

const render = (args: string[] = [], release = 'rc') => renderChart(CHART, { release, namespace: NAMESPACE, args });
const ci = (f: string) => ['-f', path.join(CHART, 'ci', f)];
const env = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);
const backupPolicy = () => loadPolicies([{ path: 'policies/backup-required/backup-required.yaml', text: readFileSync(path.join(REPO, 'policies/backup-required/backup-required.yaml'), 'utf8') }]);

describe('redis-cluster backup and restore objects', () => {
  it('renders no CronJob, no backup PVC, no annotation and no init container by default', async () => {
    const objs = await render();
    expect(ofKind(objs, 'CronJob')).toEqual([]);
    expect(ofKind(objs, 'PersistentVolumeClaim')).toEqual([]);
    const sts = onlyObject(objs, 'StatefulSet');
    expect(sts.metadata.annotations?.['redis-gitops.dev/backup-cronjob']).toBeUndefined();
    expect(sts.spec.template.spec.initContainers).toBeUndefined();
    expect(sts.spec.template.spec.volumes.map((v: Obj) => v.name)).not.toContain('backup');
  });

  it('with backup.enabled: a hardened CronJob <fullname>-backup that never overlaps, named by the StatefulSet', async () => {
    const objs = await render(['--set', 'backup.enabled=true']);
    expect(await checkObjects(objs)).toEqual([]);
    const sts = onlyObject(objs, 'StatefulSet');
    const cron = onlyObject(objs, 'CronJob');
    expect(cron.metadata.name).toBe('rc-redis-cluster-backup');
    expect(sts.metadata.annotations['redis-gitops.dev/backup-cronjob']).toBe(cron.metadata.name);
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
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.name).toBe('backup');
    expect(c.image).toBe(sts.spec.template.spec.containers[0].image);
    expect(c.command).toEqual(['/scripts/backup.sh']);
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef).toEqual({ name: 'rc-redis-cluster-auth', key: 'redis-password' });
    expect(env(c, 'BACKUP_RETENTION')?.value).toBe('7');
    expect(env(c, 'BACKUP_DIR')?.value).toBe('/backup');
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'backup', mountPath: '/backup' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'scripts', mountPath: '/scripts', readOnly: true },
      ]),
    );
    const volumes = Object.fromEntries(pod.volumes.map((v: Obj) => [v.name, v]));
    expect(volumes.backup.persistentVolumeClaim).toEqual({ claimName: 'rc-redis-cluster-backup' });
    expect(volumes.tmp.emptyDir).toBeDefined();
    // Labels: the recommended set, component backup (what redis-netpol admits).
    for (const labels of [cron.metadata.labels, pod && job.template.metadata.labels]) {
      expect(labels).toMatchObject({
        'app.kubernetes.io/instance': 'rc',
        'app.kubernetes.io/part-of': 'redis-gitops',
        'app.kubernetes.io/component': 'backup',
        'app.kubernetes.io/name': 'redis-cluster',
      });
    }
    // The backup pods are not Redis pods: the Services and the PodDisruptionBudget never select them.
    const selector = sts.spec.selector.matchLabels as Record<string, string>;
    expect(matchesLabelSelector({ matchLabels: selector }, job.template.metadata.labels)).toBe(false);
  });

  it('creates the backup PVC with helm.sh/resource-policy keep (and Argo CD Prune=false,Delete=false), or uses backup.existingClaim', async () => {
    const pvc = onlyObject(await render(ci('backup-values.yaml')), 'PersistentVolumeClaim');
    expect(pvc.metadata.name).toBe('rc-redis-cluster-backup');
    expect(pvc.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false' });
    expect(pvc.metadata.labels['app.kubernetes.io/component']).toBe('backup');
    expect(pvc.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'shared-rwx', resources: { requests: { storage: '50Gi' } } });
    const existing = await render(['--set', 'backup.enabled=true', '--set', 'backup.existingClaim=team-backups']);
    expect(ofKind(existing, 'PersistentVolumeClaim')).toEqual([]);
    const vol = onlyObject(existing, 'CronJob').spec.jobTemplate.spec.template.spec.volumes.find((v: Obj) => v.name === 'backup');
    expect(vol.persistentVolumeClaim.claimName).toBe('team-backups');
  });

  it('keeps the CronJob name within 52 characters for a long release name', async () => {
    const release = 'a-very-long-release-name-for-the-payments-platform-eu';
    const cron = onlyObject(await render(['--set', 'backup.enabled=true'], release), 'CronJob');
    expect(cron.metadata.name.length).toBeLessThanOrEqual(52);
    expect(cron.metadata.name).toMatch(/-backup$/);
  });

  it('production values with backup.enabled pass the backup-required policy and the backup-cronjob manifest-set check', async () => {
    const objs = await render([...ci('production-values.yaml'), ...ci('backup-values.yaml')]);
    expect(await checkObjects(objs)).toEqual([]);
    expect(evaluate(backupPolicy(), objs, { namespaceLabels: PRODUCTION })).toEqual([]);
    expect(checkManifestSet(objs, { tier: 'production', namespace: NAMESPACE }).filter((f) => f.code === 'backup-cronjob')).toEqual([]);
    // Without backups the same policy denies the StatefulSet (the check above is not vacuous).
    const without = evaluate(backupPolicy(), await render(ci('production-values.yaml')), { namespaceLabels: PRODUCTION });
    expect(without.map((r) => r.message)).toEqual([`StatefulSet ${NAMESPACE}/rc-redis-cluster names no backup CronJob (metadata.annotations[redis-gitops.dev/backup-cronjob])`]);
    // A retention below 7 is denied by the policy.
    const short = evaluate(backupPolicy(), await render([...ci('production-values.yaml'), ...ci('backup-values.yaml'), '--set', 'backup.retention=3']), { namespaceLabels: PRODUCTION });
    expect(short.map((r) => r.message)).toEqual([`CronJob ${NAMESPACE}/rc-redis-cluster-backup keeps 3 backup sets, fewer than 7 (env BACKUP_RETENTION)`]);
  });

  it('redis-netpol admits the backup pods: its jobs policy selects them, and the Redis pods accept them on 6379', async () => {
    const objs = await render(['--set', 'backup.enabled=true']);
    const labels = onlyObject(objs, 'CronJob').spec.jobTemplate.spec.template.metadata.labels as Record<string, string>;
    const netpol = ofKind(
      await renderChart(path.join(REPO, 'charts', 'redis-netpol'), { release: 'rc-netpol', namespace: NAMESPACE, set: ['target.release=rc', 'target.chart=redis-cluster'] }),
      'NetworkPolicy',
    );
    const jobs = netpol.filter((p) => p.metadata.name.endsWith('-jobs'));
    expect(jobs).toHaveLength(1);
    expect(matchesLabelSelector(jobs[0]!.spec.podSelector, labels)).toBe(true);
    const redisPods = onlyObject(objs, 'StatefulSet').spec.template.metadata.labels as Record<string, string>;
    const admitted = netpol
      .filter((p) => matchesLabelSelector(p.spec.podSelector, redisPods))
      .flatMap((p) => (p.spec.ingress ?? []) as Obj[])
      .filter((rule) => (rule.from ?? []).some((f: Obj) => f.podSelector && matchesLabelSelector(f.podSelector, labels)))
      .flatMap((rule) => (rule.ports ?? []).map((p: Obj) => p.port));
    expect(admitted).toContain(6379);
  });

  it('with restore.fromSet: a hardened `restore` init container reading the backup claim read-only; none without', async () => {
    const objs = await render(ci('restore-values.yaml'));
    expect(await checkObjects(objs)).toEqual([]);
    const spec = onlyObject(objs, 'StatefulSet').spec.template.spec;
    expect(spec.initContainers.map((c: Obj) => c.name)).toEqual(['restore']);
    const init = spec.initContainers[0];
    expect(init.command).toEqual(['/scripts/restore.sh']);
    expect(init.image).toBe(spec.containers[0].image);
    expect(env(init, 'RESTORE_SET')?.value).toBe('20261125T021700Z');
    expect(env(init, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef).toEqual({ name: 'redis-cluster-password', key: 'password' });
    expect(env(init, 'REDIS_TLS')?.value).toBe('yes');
    expect(init.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(init.resources.limits.memory).toBeDefined();
    expect(init.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'data', mountPath: '/data' },
        { name: 'backup', mountPath: '/backup', readOnly: true },
        { name: 'config', mountPath: '/etc/redis-base', readOnly: true },
        { name: 'tls', mountPath: '/tls', readOnly: true },
      ]),
    );
    expect(spec.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim).toEqual({ claimName: 'redis-backups', readOnly: true });
    // The redis container itself never sees the backups.
    expect(spec.containers[0].volumeMounts.map((m: Obj) => m.name)).not.toContain('backup');
    // Restore without backups enabled: the chart's conventional claim, <fullname>-backup (kept from the release that wrote it).
    const plain = onlyObject(await render(['--set', 'restore.fromSet=20261125T021700Z']), 'StatefulSet').spec.template.spec;
    expect(plain.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim.claimName).toBe('rc-redis-cluster-backup');
    expect(env(plain.initContainers[0], 'SLOTS')?.value).toBe('');
    const slots = onlyObject(await render(['--set', 'restore.fromSet=x', '--set', 'cluster.slots={0-5000,5001-10000,10001-16383}']), 'StatefulSet').spec.template.spec;
    expect(env(slots.initContainers[0], 'SLOTS')?.value).toBe('0-5000;5001-10000;10001-16383');
  });

  it('ships backup.sh, backup-lib.sh and restore.sh in the scripts ConfigMap', async () => {
    const cm = ofKind(await render(), 'ConfigMap').find((c) => c.metadata.name === 'rc-redis-cluster-scripts')!;
    for (const f of ['backup.sh', 'backup-lib.sh', 'restore.sh']) expect(cm.data[f]).toBe(readFileSync(path.join(CHART, 'scripts', f), 'utf8'));
  });
});
