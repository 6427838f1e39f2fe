/**
 * Offline admission: every rendered object is created (operation CREATE) in a namespace whose labels
 * the caller gives, and each ValidatingAdmissionPolicy is applied once per binding that matches it,
 * following the API server's order: policy matchConstraints, binding matchResources, match
 * conditions (any false skips; an error applies failurePolicy), lazily evaluated variables, then
 * every validation. A validation that evaluates to false yields its message (messageExpression,
 * else message, else the expression); an expression that fails to evaluate yields a policy-error
 * when failurePolicy is Fail, as the API server would reject the object.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { admissionOf, type Admission, type AdmissionContext } from './admission-request.ts';
import { celTypeName } from './cel-values.ts';
import { celErrorText } from './compile-expression.ts';
import type { PolicyResult } from './policy-result.ts';
import { ANNOTATIONS, type CompiledBinding, type CompiledPolicy, type PolicySet } from './policy-set.ts';
import { matchesResources } from './resource-rules.ts';

export type EvaluationContext = AdmissionContext;

/** How one validation (or a match condition) of a policy turned out for one object. */
interface Failure {
  readonly error: boolean;
  readonly message: string;
  readonly validationIndex?: number;
  readonly matchCondition?: string;
  readonly reason?: string;
}

const GUARD_HINT = 'the API server rejects the object when an expression fails and failurePolicy is Fail: guard optional fields with has() or the ?. operator';

function usableMessage(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' && !/[\r\n]/.test(v) ? v : undefined;
}

function runPolicy(policy: CompiledPolicy, admission: Admission): Failure[] {
  const values = new Map<string, { value: unknown } | { error: unknown }>();
  const pending = new Set<string>();
  const byName = new Map(policy.variables.map((v) => [v.name, v.expression]));
  let activation: Record<string, unknown>;
  const resolve = (name: string): unknown => {
    let entry = values.get(name);
    if (!entry) {
      if (pending.has(name)) throw new Error(`variable "${name}" refers to itself`);
      pending.add(name);
      try {
        entry = { value: byName.get(name)!.evaluate(activation) };
      } catch (error) {
        entry = { error: new Error(`variable "${name}" failed to evaluate: ${celErrorText(error)}`) };
      }
      pending.delete(name);
      values.set(name, entry);
    }
    if ('error' in entry) throw entry.error;
    return entry.value;
  };
  activation = { ...admission.activation, variables: new policy.variablesClass(resolve) };

  const conditionErrors: Failure[] = [];
  for (const c of policy.matchConditions) {
    try {
      const v = c.expression.evaluate(activation);
      if (v === false) return [];
      if (v !== true) throw new Error(`must evaluate to bool, got ${celTypeName(v)}`);
    } catch (error) {
      conditionErrors.push({ error: true, matchCondition: c.name, message: `match condition "${c.name}" could not be evaluated: ${celErrorText(error)}` });
    }
  }
  if (conditionErrors.length > 0) return policy.failurePolicy === 'Fail' ? conditionErrors.slice(0, 1) : [];

  const failures: Failure[] = [];
  for (const v of policy.validations) {
    let outcome: unknown;
    try {
      outcome = v.expression.evaluate(activation);
      if (typeof outcome !== 'boolean') throw new Error(`must evaluate to bool, got ${celTypeName(outcome)}`);
    } catch (error) {
      if (policy.failurePolicy === 'Fail') {
        failures.push({ error: true, validationIndex: v.index, reason: v.reason, message: `validations[${v.index}].expression could not be evaluated: ${celErrorText(error)}` });
      }
      continue;
    }
    if (outcome) continue;
    let message: string | undefined;
    if (v.messageExpression) {
      try {
        message = usableMessage(v.messageExpression.evaluate(activation));
      } catch {
        // As in the API server: a failing messageExpression falls back to message.
      }
    }
    message ??= usableMessage(v.message) ?? `failed expression: ${v.expression.text.replace(/\s+/g, ' ').trim()}`;
    failures.push({ error: false, validationIndex: v.index, reason: v.reason, message });
  }
  return failures;
}

/**
 * Applies every policy of `set` to every object, once per matching binding. Results are
 * Finding-compatible: severity error when the binding denies, warning for Warn or Audit.
 */
export function evaluate(set: PolicySet, objects: readonly RenderedObject[], ctx: EvaluationContext): PolicyResult[] {
  const bindingsOf = new Map<string, CompiledBinding[]>();
  for (const b of set.bindings) bindingsOf.set(b.policyName, [...(bindingsOf.get(b.policyName) ?? []), b]);
  const results: PolicyResult[] = [];
  for (const obj of objects) {
    let admission: Admission | undefined;
    for (const policy of set.policies) {
      const bindings = bindingsOf.get(policy.name);
      if (!bindings) continue;
      admission ??= admissionOf(obj, ctx);
      const resource = admission.resource;
      if (!matchesResources(policy.matchConstraints, resource, ctx.namespaceLabels)) continue;
      const matching = bindings.filter((b) => matchesResources(b.matchResources, resource, ctx.namespaceLabels));
      if (matching.length === 0) continue;
      const failures = runPolicy(policy, admission);
      for (const binding of matching) {
        for (const f of failures) {
          const remediation = policy.annotations[ANNOTATIONS.remediation];
          const title = policy.annotations[ANNOTATIONS.title];
          const policySeverity = policy.annotations[ANNOTATIONS.severity];
          results.push({
            severity: binding.validationActions.includes('Deny') ? 'error' : 'warning',
            code: f.error ? 'policy-error' : 'policy-violation',
            message: f.message,
            ...(f.error ? { hint: GUARD_HINT } : remediation ? { hint: remediation } : {}),
            ...(obj.environment !== undefined ? { environment: obj.environment } : {}),
            ...(obj.chart !== undefined ? { chart: obj.chart } : {}),
            ...(obj.source !== undefined ? { source: obj.source } : {}),
            line: obj.line,
            kind: obj.kind,
            name: obj.name,
            ...(resource.namespace !== undefined ? { namespace: resource.namespace } : {}),
            policy: policy.name,
            binding: binding.name,
            ...(f.validationIndex !== undefined ? { validationIndex: f.validationIndex } : {}),
            ...(f.matchCondition !== undefined ? { matchCondition: f.matchCondition } : {}),
            actions: binding.validationActions,
            ...(f.reason !== undefined ? { reason: f.reason } : {}),
            ...(title !== undefined ? { title } : {}),
            ...(policySeverity !== undefined ? { policySeverity } : {}),
          });
        }
      }
    }
  }
  return results;
}
