import { checkManifestSet } from '../../src/index.ts';
import { objects } from '../helpers.ts';
import { BACKUP_CRONJOB, docs, redisStatefulSet } from './fixtures.ts';

const ctx = { tier: 'production' as const, namespace: 'redis-prod' };
const rule = (yaml: string) => checkManifestSet(objects(yaml), ctx).filter((f) => f.code === 'backup-cronjob');
const annotated = redisStatefulSet({ annotations: { 'redis-gitops.dev/backup-cronjob': 'prod-redis-cluster-backup' } });

describe('manifest set: backup CronJob', () => {
  it('passes when the named CronJob is rendered with the backup labels', () => {
    expect(rule(docs(annotated, BACKUP_CRONJOB))).toEqual([]);
  });

  it('reports a named CronJob that is not rendered, listing the CronJobs that are', () => {
    const [f] = rule(docs(annotated, BACKUP_CRONJOB.replace('name: prod-redis-cluster-backup', 'name: nightly')));
    expect(f).toMatchObject({
      severity: 'error',
      kind: 'StatefulSet',
      path: 'metadata.annotations[redis-gitops.dev/backup-cronjob]',
      message: 'StatefulSet redis-prod/prod-redis-cluster names backup CronJob "prod-redis-cluster-backup", which is not rendered in namespace redis-prod',
      hint: 'CronJobs rendered there: nightly',
    });
  });

  it('reports a backup CronJob the backup-required policy would not see', () => {
    const [f] = rule(docs(annotated, BACKUP_CRONJOB.replace('app.kubernetes.io/component: backup', 'app.kubernetes.io/component: redis')));
    expect(f).toMatchObject({ kind: 'CronJob', name: 'prod-redis-cluster-backup', path: 'metadata.labels' });
    expect(f!.message).toContain('is not labelled app.kubernetes.io/part-of: redis-gitops and app.kubernetes.io/component: backup');
  });

  it('leaves StatefulSets without the annotation to the backup-required policy', () => {
    expect(rule(redisStatefulSet())).toEqual([]);
  });
});
