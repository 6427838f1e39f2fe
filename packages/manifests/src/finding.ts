/**
 * One problem found in rendered manifests, with everything a reader needs to fix it:
 * which environment and chart, which template and object, which field, what is wrong and a hint.
 */
export interface Finding {
  readonly severity: 'error' | 'warning';
  /**
   * Stable machine-readable kind of problem: `yaml-syntax`, `not-an-object`, `missing-identity` (from parsing);
   * `unknown-kind`, `unknown-field`, `wrong-type`, `missing-field`, `invalid-value`, `duplicate-object` (from checking).
   */
  readonly code: string;
  /** What is wrong, e.g. `unknown field`. */
  readonly message: string;
  /** How to fix it, e.g. `did you mean "resources"?`. */
  readonly hint?: string;
  readonly environment?: string;
  readonly chart?: string;
  /** Template that produced the object, from helm's `# Source:` comment, e.g. `redis-cluster/templates/redis/statefulset.yaml`. */
  readonly source?: string;
  /** 1-based line in the rendered stream (the object's first line, or the syntax error's line). */
  readonly line?: number;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  /** Field path inside the object, e.g. `spec.template.spec.containers[0].resources`. */
  readonly path?: string;
}
