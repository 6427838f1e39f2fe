/** One Kubernetes object out of a `helm template` stream, with where it came from. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  /** `metadata.name`. */
  readonly name: string;
  /** `metadata.namespace`; undefined when the template leaves it to the release namespace (or for cluster-scoped kinds). */
  readonly namespace: string | undefined;
  /** Template path from helm's `# Source:` comment, e.g. `redis-cluster/templates/redis/statefulset.yaml`. */
  readonly source: string | undefined;
  /** 1-based line in the rendered stream where the object's content starts. */
  readonly line: number;
  readonly environment?: string;
  readonly chart?: string;
  /** The object as plain JSON-compatible data. */
  readonly object: Readonly<Record<string, unknown>>;
}
