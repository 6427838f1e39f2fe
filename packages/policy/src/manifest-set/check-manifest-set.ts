/**
 * CI-only rules that span several objects of one environment, where an admission policy (which sees
 * one object at a time) cannot look: NetworkPolicy coverage and default deny, the backup CronJob a
 * StatefulSet names, PodDisruptionBudgets that select real pods and let drains proceed, and
 * maxmemory headroom below the memory limit. Production and staging report errors; dev warnings.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { checkBackupCronJobs } from './backup-cronjob.ts';
import { checkMaxmemoryHeadroom } from './maxmemory-headroom.ts';
import { checkNetworkCoverage } from './network-coverage.ts';
import { checkPdbDrain } from './pdb-drain.ts';
import type { ManifestSetContext, ManifestSetFinding } from './workloads.ts';

/** Every manifest-set finding for one environment's objects (all charts together). */
export function checkManifestSet(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  return [...checkNetworkCoverage(objects, ctx), ...checkBackupCronJobs(objects, ctx), ...checkPdbDrain(objects, ctx), ...checkMaxmemoryHeadroom(objects, ctx)];
}
