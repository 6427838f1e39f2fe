/**
 * Which admission policies apply to a namespace, as `evaluate` applies them: a policy counts when
 * one of its bindings (and the policy's own match constraints) selects a namespace with these
 * labels. Reports list them so that "0 errors" says how many rules ran, and which could deny. Pure.
 */
import { ANNOTATIONS, type PolicySet, type ValidationAction } from './policy-set.ts';
import { matchesLabelSelector } from './label-selector.ts';
import { byCodePoint } from '@redis-gitops/diagnostics';

export interface BoundPolicy {
  /** The ValidatingAdmissionPolicy's name. */
  readonly policy: string;
  /** Its redis-gitops.dev/title annotation, when it has one. */
  readonly title?: string;
  /** The bindings that select the namespace, and their validation actions (Deny, Warn, Audit). */
  readonly bindings: readonly { readonly name: string; readonly actions: readonly ValidationAction[] }[];
}

/** The policies bound for a namespace with `namespaceLabels`, sorted by name. Object selectors and resource rules still narrow them per object. */
export function boundPolicies(set: PolicySet, namespaceLabels: Readonly<Record<string, string>>): BoundPolicy[] {
  const out: BoundPolicy[] = [];
  for (const policy of set.policies) {
    if (!matchesLabelSelector(policy.matchConstraints.namespaceSelector, namespaceLabels)) continue;
    const bindings = set.bindings
      .filter((b) => b.policyName === policy.name && matchesLabelSelector(b.matchResources?.namespaceSelector, namespaceLabels))
      .map((b) => ({ name: b.name, actions: b.validationActions }));
    if (bindings.length === 0) continue;
    const title = policy.annotations[ANNOTATIONS.title];
    out.push({ policy: policy.name, ...(title !== undefined ? { title } : {}), bindings });
  }
  return out.sort((a, b) => byCodePoint(a.policy, b.policy));
}

/** The strongest action a bound policy takes: Deny over Warn over Audit. */
export function strongestAction(p: BoundPolicy): ValidationAction {
  const all = p.bindings.flatMap((b) => b.actions);
  return all.includes('Deny') ? 'Deny' : all.includes('Warn') ? 'Warn' : 'Audit';
}
