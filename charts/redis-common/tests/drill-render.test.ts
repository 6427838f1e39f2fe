/**
 * Render tests of the restore drill CronJob (backup.drill, redis-common.drillCronJob) in both Redis
 * charts: off unless asked for, hardened like the backup CronJob, reading the backup volume
 * read-only, or, from the bucket, a `fetch` init container with the upload's own rclone image and
 * bucket settings into a scratch volume; accepted by every admission policy of policies/ in a
 * production namespace; and the renders that must fail (a drill without backups, a drill from a
 * bucket that is not configured). drill.sh and the fetch are proven on real processes in each
 * chart's behaviour/drill.test.ts and behaviour/remote-backup.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { evaluate, loadPolicies } from '@redis-gitops/policy';
import { ofKind, renderChart, templateChart } from '@redis-gitops/redis-testkit';

const CHARTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPO = path.resolve(CHARTS, '..');
const NAMESPACE = 'redis-prod';
const PRODUCTION = { 'redis-gitops.dev/tier': 'production', 'kubernetes.io/metadata.name': NAMESPACE };
const REMOTE = ['backup.remote.enabled=true', 'backup.remote.endpoint=https://s3.example.com', 'backup.remote.bucket=redis-backups', 'backup.remote.credentialsSecret=s3-creds'].flatMap((s) => [
  '--set',
  s,
]);
const DRILL = ['--set', 'backup.enabled=true', '--set', 'backup.drill.enabled=true'];

type Obj = Record<string, any>;

const env = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);
const allPolicies = () =>
  loadPolicies(
    readdirSync(path.join(REPO, 'policies'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `policies/${d.name}/${d.name}.yaml`)
      .map((p) => ({ path: p, text: readFileSync(path.join(REPO, p), 'utf8') })),
  );

describe.each(['cluster', 'sentinel'] as const)('redis-%s restore drill CronJob', (mode) => {
  const chart = path.join(CHARTS, `redis-${mode}`);
  const render = (args: string[] = []) => renderChart(chart, { release: 'rc', namespace: NAMESPACE, args });
  const cronJob = (objs: Awaited<ReturnType<typeof render>>, suffix: string): Obj | undefined => ofKind(objs, 'CronJob').find((o) => String(o.metadata.name).endsWith(suffix));
  const podOf = (cron: Obj): Obj => cron.spec.jobTemplate.spec.template.spec;
  const backupContainer = (cron: Obj): Obj => [...(podOf(cron).initContainers ?? []), ...podOf(cron).containers].find((x: Obj) => x.name === 'backup');

  it('renders no drill CronJob by default, nor with backups alone', async () => {
    expect(cronJob(await render(), '-drill')).toBeUndefined();
    expect(cronJob(await render(['--set', 'backup.enabled=true']), '-drill')).toBeUndefined();
  });

  it('with backup.drill.enabled: a hardened CronJob <fullname>-drill that never overlaps or retries, reading the backup claim read-only, with the Redis password', async () => {
    const objs = await render(DRILL);
    const cron = cronJob(objs, '-drill')!;
    const backup = cronJob(objs, '-backup')!;
    expect(cron.metadata.name).toBe(`rc-redis-${mode}-drill`);
    expect(cron.metadata.labels['app.kubernetes.io/component']).toBe('backup-drill');
    expect(cron.spec).toMatchObject({ schedule: '47 4 * * 0', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(0);
    const pod = podOf(cron);
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } } });
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    const b = backupContainer(backup);
    expect({ name: c.name, command: c.command, image: c.image }).toEqual({ name: 'drill', command: ['/scripts/drill.sh'], image: b.image });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(env(c, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef).toEqual(env(b, 'REDIS_PASSWORD')?.valueFrom.secretKeyRef);
    expect(env(c, 'DRILL_MODE')?.value).toBe(mode);
    expect(env(c, 'BACKUP_DIR')?.value).toBe('/backup');
    expect(c.volumeMounts).toEqual(expect.arrayContaining([{ name: 'backup', mountPath: '/backup', readOnly: true }]));
    const claim = (p: Obj) => p.volumes.find((v: Obj) => v.name === 'backup').persistentVolumeClaim;
    expect(claim(pod)).toEqual({ claimName: claim(podOf(backup)).claimName, readOnly: true });
  });

  it('with backup.remote (source auto): a fetch init container downloads the newest set from the same bucket as the upload, into a scratch volume the drill reads; no backup claim', async () => {
    const objs = await render([...DRILL, ...REMOTE]);
    const pod = podOf(cronJob(objs, '-drill')!);
    const upload = podOf(cronJob(objs, '-backup')!).containers.find((x: Obj) => x.name === 'upload');
    expect(pod.initContainers.map((x: Obj) => x.name)).toEqual(['fetch']);
    const fetch = pod.initContainers[0];
    expect({ image: fetch.image, command: fetch.command }).toEqual({ image: upload.image, command: upload.command });
    expect(env(fetch, 'REMOTE_ACTION')?.value).toBe('drill-fetch');
    // Every bucket setting (endpoint, bucket, prefix, keys, crypt password) is the upload's.
    const bucketEnv = (c: Obj) => c.env.filter((e: Obj) => /^(RCLONE_CONFIG_|REMOTE_(BUCKET|PREFIX|CRYPT))/.test(e.name));
    expect(bucketEnv(fetch)).toEqual(bucketEnv(upload));
    expect(bucketEnv(fetch).length).toBeGreaterThanOrEqual(10);
    expect(fetch.volumeMounts).toEqual(expect.arrayContaining([{ name: 'drill-set', mountPath: '/backup' }]));
    expect(pod.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'drill-set', mountPath: '/backup', readOnly: true }]));
    expect(pod.volumes.find((v: Obj) => v.name === 'drill-set')).toEqual({ name: 'drill-set', emptyDir: {} });
    expect(pod.volumes.filter((v: Obj) => v.persistentVolumeClaim)).toEqual([]);
    // source volume keeps the backup claim even with a bucket.
    const volume = podOf(cronJob(await render([...DRILL, ...REMOTE, '--set', 'backup.drill.source=volume']), '-drill')!);
    expect(volume.initContainers).toBeUndefined();
    expect(volume.volumes.map((v: Obj) => v.name)).toContain('backup');
  });

  it('the production scenario with backups, the bucket and the drill passes every admission policy of policies/', async () => {
    const ci = (f: string) => ['-f', path.join(chart, 'ci', f)];
    for (const extra of [[], REMOTE]) {
      const objs = await render([...ci('production-values.yaml'), ...ci('backup-values.yaml'), '--set', 'backup.drill.enabled=true', ...extra]);
      expect(cronJob(objs, '-drill')).toBeDefined();
      expect(evaluate(allPolicies(), objs, { namespaceLabels: PRODUCTION })).toEqual([]);
    }
  });

  it('fails the render, saying why, for a drill without backups and for a drill from a bucket that is not configured', async () => {
    for (const [args, message] of [
      [['--set', 'backup.drill.enabled=true'], /backup\.drill\.enabled needs backup\.enabled/],
      [[...DRILL, '--set', 'backup.drill.source=remote'], /backup\.drill\.source=remote needs backup\.remote\.enabled/],
    ] as const) {
      const r = await templateChart(chart, { release: 'rc', namespace: NAMESPACE, args: [...args] });
      expect({ args, code: r.code === 0 ? 0 : 1 }).toEqual({ args, code: 1 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/problem\(s\) in the values; nothing was rendered/);
    }
  });
});
