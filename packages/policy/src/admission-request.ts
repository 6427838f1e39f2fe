/**
 * What the API server hands a ValidatingAdmissionPolicy when a rendered object is created: the
 * object (with its namespace filled in from the request, as the API server does before admission),
 * `oldObject` null, the `request`, and the `namespaceObject` built from the namespace labels the
 * caller supplies (offline there is no cluster to read them from).
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { toCel } from './cel-values.ts';
import { isClusterScoped, pluralResource, splitApiVersion, type AdmittedResource } from './resource-rules.ts';

export interface AdmissionContext {
  /** Labels of the namespace the objects are created in, e.g. `{ 'redis-gitops.dev/tier': 'production' }`. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** The namespace objects without metadata.namespace go to; default: the `kubernetes.io/metadata.name` label. */
  readonly namespace?: string;
}

/** The user CI pretends to be: the Argo CD application controller that syncs the objects. */
export const OFFLINE_USER = {
  username: 'system:serviceaccount:argocd:argocd-application-controller',
  uid: '',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:argocd', 'system:authenticated'],
  extra: {},
};

export interface Admission {
  readonly resource: AdmittedResource;
  /** CEL activation without `variables`; built on first use, so objects no policy matches are never converted. */
  readonly activation: Readonly<Record<string, unknown>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

export function admissionOf(obj: RenderedObject, ctx: AdmissionContext): Admission {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const namespaced = !isClusterScoped(obj.kind);
  const namespace = namespaced ? (obj.namespace ?? ctx.namespace ?? ctx.namespaceLabels['kubernetes.io/metadata.name']) : undefined;
  const metadata = isRecord(obj.object.metadata) ? obj.object.metadata : {};
  const resource: AdmittedResource = {
    group,
    version,
    kind: obj.kind,
    resource: pluralResource(obj.kind),
    name: obj.name,
    namespace,
    namespaced,
    labels: stringMap(metadata.labels),
    operation: 'CREATE',
  };
  let activation: Record<string, unknown> | undefined;
  const build = (): Record<string, unknown> => {
    const object = toCel(namespace && metadata.namespace === undefined ? { ...obj.object, metadata: { ...metadata, namespace } } : obj.object);
    const gvk = { group, version, kind: obj.kind };
    const gvr = { group, version, resource: resource.resource };
    const request = {
      uid: '',
      kind: gvk,
      resource: gvr,
      subResource: '',
      requestKind: gvk,
      requestResource: gvr,
      requestSubResource: '',
      name: obj.name,
      namespace: namespace ?? '',
      operation: 'CREATE',
      userInfo: OFFLINE_USER,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    };
    const namespaceObject = namespace
      ? toCel({
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: namespace, labels: { 'kubernetes.io/metadata.name': namespace, ...ctx.namespaceLabels } },
          spec: {},
          status: { phase: 'Active' },
        })
      : null;
    return { object, oldObject: null, request, namespaceObject };
  };
  return {
    resource,
    get activation() {
      activation ??= build();
      return activation;
    },
  };
}
