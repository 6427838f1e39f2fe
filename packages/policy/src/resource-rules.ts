/**
 * Admission resource matching: which REST resource a rendered object is (group, version, plural
 * lower-case resource, namespaced or not) and whether a policy's or binding's rules select it.
 * Offline, every object is admitted as a CREATE.
 */
import { matchesLabelSelector, type LabelSelector } from './label-selector.ts';

export interface ResourceRule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly resources: readonly string[];
  readonly operations: readonly string[];
  /** `*` (default), `Cluster` or `Namespaced`. */
  readonly scope?: string;
  readonly resourceNames?: readonly string[];
}

export interface MatchResources {
  readonly namespaceSelector?: LabelSelector;
  readonly objectSelector?: LabelSelector;
  readonly resourceRules: readonly ResourceRule[];
  readonly excludeResourceRules: readonly ResourceRule[];
}

/** What admission knows about an object being created. */
export interface AdmittedResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly namespaced: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly operation: 'CREATE';
}

/** Plural resource names that do not follow the English rules below. */
const IRREGULAR: Record<string, string> = { Endpoints: 'endpoints', PodSecurityPolicy: 'podsecuritypolicies' };

/** Kinds that are not namespaced (the ones a GitOps repo may render). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'APIService',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'AppProject',
]);

/** `StatefulSet` -> `statefulsets`, `NetworkPolicy` -> `networkpolicies`, `Ingress` -> `ingresses`. */
export function pluralResource(kind: string): string {
  if (IRREGULAR[kind]) return IRREGULAR[kind];
  const lower = kind.toLowerCase();
  if (/[^aeiou]y$/.test(lower)) return `${lower.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(lower)) return `${lower}es`;
  return `${lower}s`;
}

export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED.has(kind);
}

/** `apps/v1` -> group `apps`, version `v1`; `v1` -> the core group ``. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const anyOf = (list: readonly string[], value: string): boolean => list.includes('*') || list.includes(value);

export function matchesRule(rule: ResourceRule, r: AdmittedResource): boolean {
  if (!anyOf(rule.operations, r.operation)) return false;
  if (!anyOf(rule.apiGroups, r.group) || !anyOf(rule.apiVersions, r.version)) return false;
  // `*` is every resource but no subresource; `*/*` is everything; offline there are no subresources.
  if (!rule.resources.some((res) => res === '*' || res === '*/*' || res === r.resource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && r.namespaced) return false;
  if (scope === 'Namespaced' && !r.namespaced) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(r.name)) return false;
  return true;
}

/**
 * Whether `match` selects the resource. The namespace selector sees the namespace's labels for a
 * namespaced object, the object's own labels for a Namespace, and never excludes other
 * cluster-scoped objects. Empty `resourceRules` do not constrain (as in a binding's matchResources).
 */
export function matchesResources(match: MatchResources | undefined, r: AdmittedResource, namespaceLabels: Readonly<Record<string, string>>): boolean {
  if (!match) return true;
  if (r.namespaced) {
    if (!matchesLabelSelector(match.namespaceSelector, namespaceLabels)) return false;
  } else if (r.kind === 'Namespace' && !matchesLabelSelector(match.namespaceSelector, r.labels)) return false;
  if (!matchesLabelSelector(match.objectSelector, r.labels)) return false;
  if (match.resourceRules.length > 0 && !match.resourceRules.some((rule) => matchesRule(rule, r))) return false;
  if (match.excludeResourceRules.some((rule) => matchesRule(rule, r))) return false;
  return true;
}
