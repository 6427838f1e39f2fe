/**
 * Rule `backup-cronjob`: the backup CronJob a Redis StatefulSet names in its annotation
 * redis-gitops.dev/backup-cronjob exists in the same namespace of the same environment, and carries
 * the labels (app.kubernetes.io/part-of: redis-gitops, app.kubernetes.io/component: backup) that make
 * the backup-required policy check its schedule, concurrency and retention. Whether the annotation is
 * there at all is the backup-required policy's job.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { BACKUP_ANNOTATION, COMPONENT, findingAt, labelsOf, namespaceOf, PART_OF, stringMap, at, subjectOf, type ManifestSetContext, type ManifestSetFinding } from './workloads.ts';

export function checkBackupCronJobs(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  const findings: ManifestSetFinding[] = [];
  const cronJobs = objects.filter((o) => o.kind === 'CronJob');
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    const name = stringMap(at(sts.object, 'metadata', 'annotations'))[BACKUP_ANNOTATION];
    if (name === undefined) continue;
    const ns = namespaceOf(sts, ctx);
    const cronJob = cronJobs.find((c) => c.name === name && namespaceOf(c, ctx) === ns);
    const path = `metadata.annotations[${BACKUP_ANNOTATION}]`;
    if (!cronJob) {
      const others = cronJobs.filter((c) => namespaceOf(c, ctx) === ns).map((c) => c.name);
      findings.push(
        findingAt(
          sts,
          ctx,
          'backup-cronjob',
          `${subjectOf(sts, ctx)} names backup CronJob "${name}", which is not rendered in namespace ${ns || '(release namespace)'}`,
          others.length > 0 ? `CronJobs rendered there: ${others.join(', ')}` : "enable the chart's backup CronJob for this environment",
          path,
        ),
      );
      continue;
    }
    const labels = labelsOf(cronJob);
    if (labels[PART_OF] !== 'redis-gitops' || labels[COMPONENT] !== 'backup') {
      findings.push(
        findingAt(
          cronJob,
          ctx,
          'backup-cronjob',
          `${subjectOf(cronJob, ctx)} is the backup of ${subjectOf(sts, ctx)} but is not labelled ${PART_OF}: redis-gitops and ${COMPONENT}: backup, so the backup-required policy never checks it`,
          'add both labels to the CronJob',
          'metadata.labels',
        ),
      );
    }
  }
  return findings;
}
