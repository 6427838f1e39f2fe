/** Compiled ValidatingAdmissionPolicies and bindings, ready to evaluate many objects without recompiling. */
import type { CompiledExpression } from './compile-expression.ts';
import type { LazyVariablesClass } from './cel-environment.ts';
import type { MatchResources } from './resource-rules.ts';

export type ValidationAction = 'Deny' | 'Warn' | 'Audit';
export type FailurePolicy = 'Fail' | 'Ignore';

/** Where a policy or binding was declared. */
export interface PolicySource {
  /** Workspace-relative file, e.g. `policies/resource-limits/resource-limits.yaml`. */
  readonly file: string;
  /** 1-based line of the object in the file. */
  readonly line: number;
}

export interface CompiledValidation {
  /** Index in spec.validations. */
  readonly index: number;
  readonly expression: CompiledExpression;
  readonly message?: string;
  readonly messageExpression?: CompiledExpression;
  /** Kubernetes status reason: Invalid (default), Forbidden, Unauthorized, RequestEntityTooLarge. */
  readonly reason: string;
}

export interface CompiledNamedExpression {
  readonly name: string;
  readonly expression: CompiledExpression;
}

export interface CompiledPolicy extends PolicySource {
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly failurePolicy: FailurePolicy;
  readonly matchConstraints: MatchResources;
  readonly matchConditions: readonly CompiledNamedExpression[];
  readonly variables: readonly CompiledNamedExpression[];
  readonly validations: readonly CompiledValidation[];
  /** Runtime class of `variables` (lazy fields). */
  readonly variablesClass: LazyVariablesClass;
}

export interface CompiledBinding extends PolicySource {
  readonly name: string;
  readonly policyName: string;
  readonly validationActions: readonly ValidationAction[];
  /** Narrows what the policy matches; undefined = everything the policy matches. */
  readonly matchResources?: MatchResources;
}

export interface PolicySet {
  readonly policies: readonly CompiledPolicy[];
  readonly bindings: readonly CompiledBinding[];
}

/** Policy annotations this repository reads (see policies/README.md). */
export const ANNOTATIONS = {
  title: 'redis-gitops.dev/title',
  severity: 'redis-gitops.dev/severity',
  category: 'redis-gitops.dev/category',
  description: 'redis-gitops.dev/description',
  remediation: 'redis-gitops.dev/remediation',
} as const;
