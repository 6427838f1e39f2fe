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
import type { ManifestSetContext, ManifestSetFinding, ManifestSetRule } from './workloads.ts';

export interface ManifestSetCheck {
  /** The check's name in reports. */
  readonly name: string;
  /** What it proves, in one line. */
  readonly what: string;
  /** The rule codes its findings carry. */
  readonly rules: readonly ManifestSetRule[];
  readonly run: (objects: readonly RenderedObject[], ctx: ManifestSetContext) => ManifestSetFinding[];
}

/** Every manifest-set check, in the order they run. Reports list these names: what runs is what is listed. */
export const MANIFEST_SET_CHECKS: readonly ManifestSetCheck[] = [
  { name: 'network-coverage', what: 'every Redis pod is covered by a NetworkPolicy, under a default deny of ingress', rules: ['netpol-coverage', 'default-deny-ingress'], run: checkNetworkCoverage },
  { name: 'backup-cronjob', what: 'the backup CronJob a StatefulSet names exists and mounts a backup volume', rules: ['backup-cronjob'], run: checkBackupCronJobs },
  { name: 'pdb-drain', what: 'each PodDisruptionBudget selects real pods and still lets a node drain', rules: ['pdb-drain'], run: checkPdbDrain },
  { name: 'maxmemory-headroom', what: 'Redis maxmemory leaves headroom below the container memory limit', rules: ['maxmemory-headroom'], run: checkMaxmemoryHeadroom },
];

/** Every manifest-set finding for one environment's objects (all charts together). */
export function checkManifestSet(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  return MANIFEST_SET_CHECKS.flatMap((c) => c.run(objects, ctx));
}
