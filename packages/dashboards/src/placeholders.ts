/**
 * Tokens the generated dashboard JSON carries where the chart fills in per-release values
 * (`charts/redis-monitoring/templates/configmap-dashboards.yaml` replaces them). Each dashboard is
 * scoped to one namespace and one Redis release, with its own uid and title, so two releases'
 * dashboards never collide in one Grafana.
 */
export const PLACEHOLDERS = {
  /** Namespace of the Redis release (a hidden constant variable `namespace`). */
  namespace: '__REDIS_GITOPS_NAMESPACE__',
  /** Redis release name (a hidden constant variable `release`). */
  release: '__REDIS_GITOPS_RELEASE__',
  /** Per-release uid prefix; the chart makes it from a hash of namespace/release (Grafana uids are at most 40 characters). */
  uidPrefix: '__REDIS_GITOPS_UID__',
} as const;

/** Every placeholder, for tests that assert none is left after rendering. */
export const ALL_PLACEHOLDERS: readonly string[] = Object.values(PLACEHOLDERS);
