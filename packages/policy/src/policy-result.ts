import type { Finding } from '@redis-gitops/manifests';
import type { ValidationAction } from './policy-set.ts';

/**
 * One failed validation of one object by one policy through one binding: a Finding (so it prints
 * and serialises like every other finding) plus what a reviewer needs to find the rule.
 * Severity is `error` when the binding denies, `warning` for Warn/Audit.
 */
export interface PolicyResult extends Finding {
  /** `policy-violation`: a validation evaluated to false; `policy-error`: an expression failed to evaluate. */
  readonly code: 'policy-violation' | 'policy-error';
  readonly policy: string;
  readonly binding: string;
  /** Index in the policy's spec.validations; undefined when a match condition failed to evaluate. */
  readonly validationIndex?: number;
  /** Name of the match condition that failed to evaluate (code policy-error only). */
  readonly matchCondition?: string;
  readonly actions: readonly ValidationAction[];
  /** Kubernetes status reason of the validation (Invalid, Forbidden...). */
  readonly reason?: string;
  /** `redis-gitops.dev/title` of the policy. */
  readonly title?: string;
  /** `redis-gitops.dev/severity` of the policy: high, medium or low. */
  readonly policySeverity?: string;
}
