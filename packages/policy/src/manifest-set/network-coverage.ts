/**
 * Rules `netpol-coverage` and `default-deny-ingress`: every Redis pod template (a StatefulSet whose
 * pods are labelled app.kubernetes.io/part-of: redis-gitops with component redis or sentinel) is
 * selected by at least one NetworkPolicy that admits ingress through explicit rules, and its
 * namespace has a default-deny ingress policy (empty podSelector, Ingress in policyTypes, no rules),
 * so whatever no policy names is refused.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { matchesLabelSelector } from '../label-selector.ts';
import { asList, at, COMPONENT, findingAt, isRecord, namespaceOf, PART_OF, podLabelsOf, selectorOf, subjectOf, type ManifestSetContext, type ManifestSetFinding } from './workloads.ts';

const REDIS_COMPONENTS = ['redis', 'sentinel'];

/** policyTypes, with the API server's default: Ingress, plus Egress when egress rules exist. */
function policyTypes(np: RenderedObject): string[] {
  const declared = asList(at(np.object, 'spec', 'policyTypes')).filter((t): t is string => typeof t === 'string');
  if (declared.length > 0) return declared;
  return at(np.object, 'spec', 'egress') !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
}

function isDefaultDenyIngress(np: RenderedObject): boolean {
  const selector = at(np.object, 'spec', 'podSelector');
  const empty = isRecord(selector) && Object.keys(selector.matchLabels ?? {}).length === 0 && asList(selector.matchExpressions).length === 0;
  return empty && policyTypes(np).includes('Ingress') && asList(at(np.object, 'spec', 'ingress')).length === 0;
}

export function checkNetworkCoverage(objects: readonly RenderedObject[], ctx: ManifestSetContext): ManifestSetFinding[] {
  const findings: ManifestSetFinding[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const redis = objects.filter((o) => {
    if (o.kind !== 'StatefulSet') return false;
    const labels = podLabelsOf(o);
    return labels[PART_OF] === 'redis-gitops' && REDIS_COMPONENTS.includes(labels[COMPONENT] ?? '');
  });
  const namespacesWithoutDeny = new Set<string>();
  for (const sts of redis) {
    const ns = namespaceOf(sts, ctx);
    const labels = podLabelsOf(sts);
    const inNamespace = policies.filter((np) => namespaceOf(np, ctx) === ns);
    const admitting = inNamespace.filter(
      (np) => policyTypes(np).includes('Ingress') && asList(at(np.object, 'spec', 'ingress')).length > 0 && matchesSelectorOrNothing(at(np.object, 'spec', 'podSelector'), labels),
    );
    if (admitting.length === 0) {
      findings.push(
        findingAt(
          sts,
          ctx,
          'netpol-coverage',
          `the ${labels[COMPONENT]} pods of ${subjectOf(sts, ctx)} are selected by no NetworkPolicy with ingress rules in namespace ${ns || '(release namespace)'}`,
          'enable the redis-netpol chart for this environment (its policies must select the pod labels ' +
            `${Object.entries(labels)
              .filter(([k]) => k.startsWith('app.kubernetes.io/'))
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`,
          'spec.template.metadata.labels',
        ),
      );
    }
    if (!inNamespace.some(isDefaultDenyIngress) && !namespacesWithoutDeny.has(ns)) {
      namespacesWithoutDeny.add(ns);
      findings.push(
        findingAt(
          sts,
          ctx,
          'default-deny-ingress',
          `namespace ${ns || '(release namespace)'} of ${subjectOf(sts, ctx)} has no default-deny ingress NetworkPolicy, so pods no policy selects accept traffic from anywhere`,
          'render a NetworkPolicy with podSelector: {}, policyTypes: [Ingress] and no ingress rules (the redis-netpol chart does)',
        ),
      );
    }
  }
  return findings;
}

function matchesSelectorOrNothing(selector: unknown, labels: Record<string, string>): boolean {
  const s = selectorOf(selector);
  return s !== undefined && matchesLabelSelector(s, labels);
}
