/**
 * Rule `pdb-drain`: every PodDisruptionBudget selects the pods of a workload rendered in the same
 * namespace (otherwise it protects nothing, usually after a label change), and lets at least one of
 * them be evicted, so node drains proceed: maxUnavailable >= 1 (or a percentage that rounds up to at
 * least one pod), or minAvailable below the workload's replicas (a percentage rounds up, as the
 * disruption controller rounds it).
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { matchesLabelSelector } from '../label-selector.ts';
import { at, findingAt, namespaceOf, podLabelsOf, selectorOf, subjectOf, type ManifestSetContext, type ManifestSetFinding } from './workloads.ts';

const SCALABLE = new Set(['StatefulSet', 'Deployment', 'ReplicaSet']);

function replicasOf(obj: RenderedObject): number {
  const r = at(obj.object, 'spec', 'replicas');
  return typeof r === 'number' ? r : 1;
}

/** Pods an int-or-percent value stands for out of `total`, rounded up; undefined when it is neither. */
function podsOf(value: unknown, total: number): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const m = /^([0-9]+)%$/.exec(value);
    if (m) return Math.ceil((Number(m[1]) * total) / 100);
    if (/^[0-9]+$/.test(value)) return Number(value);
  }
  return undefined;
}

export function checkPdbDrain(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  const findings: ManifestSetFinding[] = [];
  const workloads = objects.filter((o) => SCALABLE.has(o.kind));
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const ns = namespaceOf(pdb, ctx);
    const selector = selectorOf(at(pdb.object, 'spec', 'selector'));
    const selected = selector ? workloads.filter((w) => namespaceOf(w, ctx) === ns && matchesLabelSelector(selector, podLabelsOf(w))) : [];
    if (selected.length === 0) {
      findings.push(
        findingAt(
          pdb,
          ctx,
          'pdb-drain',
          `${subjectOf(pdb, ctx)} selects the pods of no workload rendered in namespace ${ns || '(release namespace)'}, so it protects nothing`,
          "make spec.selector match the workload's pod template labels",
          'spec.selector',
        ),
      );
      continue;
    }
    const replicas = selected.reduce((n, w) => n + replicasOf(w), 0);
    const names = selected.map((w) => subjectOf(w, ctx)).join(', ');
    const maxUnavailable = at(pdb.object, 'spec', 'maxUnavailable');
    const minAvailable = at(pdb.object, 'spec', 'minAvailable');
    if (maxUnavailable !== undefined) {
      const pods = podsOf(maxUnavailable, replicas);
      if (pods !== undefined && pods < 1) {
        findings.push(
          findingAt(
            pdb,
            ctx,
            'pdb-drain',
            `${subjectOf(pdb, ctx)} allows ${pods} of the ${replicas} pods of ${names} to be evicted (maxUnavailable ${String(maxUnavailable)}), so node drains hang`,
            'use maxUnavailable: 1',
            'spec.maxUnavailable',
          ),
        );
      }
    } else if (minAvailable !== undefined) {
      const pods = podsOf(minAvailable, replicas);
      if (pods !== undefined && pods >= replicas) {
        findings.push(
          findingAt(
            pdb,
            ctx,
            'pdb-drain',
            `${subjectOf(pdb, ctx)} keeps minAvailable ${String(minAvailable)} (${pods} pods) of the ${replicas} pods of ${names}, so no pod can be evicted and node drains hang`,
            `use maxUnavailable: 1, or a minAvailable below ${replicas}`,
            'spec.minAvailable',
          ),
        );
      }
    }
  }
  return findings;
}
