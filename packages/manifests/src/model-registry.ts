/**
 * A kubernetes-models class: its static type meta, and `validate()` on the prototype
 * (the ajv validator compiled from the OpenAPI schema, which throws with `errors` on failure).
 */
export interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(): void };
}

/** A kind this project may render, and how to load its model. */
interface ModelEntry {
  readonly apiVersion: string;
  readonly kind: string;
  readonly load: () => Promise<ModelClass>;
}

/**
 * Every kind this project may render. A model is imported only when an object of its kind is
 * checked (loadModelsFor), one module per kind, so a run loads only the schemas its objects need:
 * loading all of them was a large part of a one-environment `validate`. Add a line here to support
 * a new kind.
 */
const MODELS: readonly ModelEntry[] = [
  // core/v1
  { apiVersion: 'v1', kind: 'ConfigMap', load: async () => (await import('kubernetes-models/v1/ConfigMap')).ConfigMap },
  { apiVersion: 'v1', kind: 'Secret', load: async () => (await import('kubernetes-models/v1/Secret')).Secret },
  { apiVersion: 'v1', kind: 'Service', load: async () => (await import('kubernetes-models/v1/Service')).Service },
  { apiVersion: 'v1', kind: 'ServiceAccount', load: async () => (await import('kubernetes-models/v1/ServiceAccount')).ServiceAccount },
  { apiVersion: 'v1', kind: 'Pod', load: async () => (await import('kubernetes-models/v1/Pod')).Pod },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', load: async () => (await import('kubernetes-models/v1/PersistentVolumeClaim')).PersistentVolumeClaim },
  { apiVersion: 'v1', kind: 'Namespace', load: async () => (await import('kubernetes-models/v1/Namespace')).Namespace },
  { apiVersion: 'v1', kind: 'LimitRange', load: async () => (await import('kubernetes-models/v1/LimitRange')).LimitRange },
  { apiVersion: 'v1', kind: 'ResourceQuota', load: async () => (await import('kubernetes-models/v1/ResourceQuota')).ResourceQuota },
  // workloads
  { apiVersion: 'apps/v1', kind: 'StatefulSet', load: async () => (await import('kubernetes-models/apps/v1/StatefulSet')).StatefulSet },
  { apiVersion: 'apps/v1', kind: 'Deployment', load: async () => (await import('kubernetes-models/apps/v1/Deployment')).Deployment },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', load: async () => (await import('kubernetes-models/apps/v1/DaemonSet')).DaemonSet },
  { apiVersion: 'batch/v1', kind: 'Job', load: async () => (await import('kubernetes-models/batch/v1/Job')).Job },
  { apiVersion: 'batch/v1', kind: 'CronJob', load: async () => (await import('kubernetes-models/batch/v1/CronJob')).CronJob },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', load: async () => (await import('kubernetes-models/policy/v1/PodDisruptionBudget')).PodDisruptionBudget },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', load: async () => (await import('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')).HorizontalPodAutoscaler },
  // network, access, admission, scheduling, storage
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', load: async () => (await import('kubernetes-models/networking.k8s.io/v1/NetworkPolicy')).NetworkPolicy },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', load: async () => (await import('kubernetes-models/networking.k8s.io/v1/Ingress')).Ingress },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', load: async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/Role')).Role },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', load: async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding')).RoleBinding },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', load: async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole')).ClusterRole },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', load: async () => (await import('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding')).ClusterRoleBinding },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    load: async () => (await import('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy')).ValidatingAdmissionPolicy,
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    load: async () => (await import('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding')).ValidatingAdmissionPolicyBinding,
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    load: async () => (await import('kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration')).ValidatingWebhookConfiguration,
  },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', load: async () => (await import('kubernetes-models/scheduling.k8s.io/v1/PriorityClass')).PriorityClass },
  { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', load: async () => (await import('kubernetes-models/storage.k8s.io/v1/StorageClass')).StorageClass },
  // CRDs: prometheus-operator and Argo CD
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', load: async () => (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor')).ServiceMonitor },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', load: async () => (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor')).PodMonitor },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', load: async () => (await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule')).PrometheusRule },
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', load: async () => (await import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application')).Application },
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', load: async () => (await import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet')).ApplicationSet },
  { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', load: async () => (await import('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject')).AppProject },
];

const key = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;
const ENTRIES = new Map(MODELS.map((m) => [key(m.apiVersion, m.kind), m]));
const loaded = new Map<string, ModelClass>();

/** Loads the models of every kind among `objects` that has one (the others are reported as unknown kinds). */
export async function loadModelsFor(objects: readonly { readonly apiVersion: string; readonly kind: string }[]): Promise<void> {
  const wanted = new Set(objects.map((o) => key(o.apiVersion, o.kind)).filter((k) => ENTRIES.has(k) && !loaded.has(k)));
  await Promise.all(
    [...wanted].map(async (k) => {
      const entry = ENTRIES.get(k)!;
      const model = await entry.load();
      if (model.apiVersion !== entry.apiVersion || model.kind !== entry.kind) {
        throw new Error(`model-registry: ${k} loads a model of ${model.apiVersion} ${model.kind}`);
      }
      loaded.set(k, model);
    }),
  );
}

/** Loads every model (tests of the registry itself). */
export function loadAllModels(): Promise<void> {
  return loadModelsFor(MODELS);
}

/**
 * The model for `apiVersion` + `kind`, or undefined when no schema is known. A known kind whose
 * model was not loaded first (loadModelsFor) is a programming error, and throws.
 */
export function findModel(apiVersion: string, kind: string): ModelClass | undefined {
  const k = key(apiVersion, kind);
  if (!ENTRIES.has(k)) return undefined;
  const model = loaded.get(k);
  if (!model) throw new Error(`model-registry: the model of ${k} is not loaded; await loadModelsFor(objects) before checking them`);
  return model;
}

/** apiVersions that do have a model for `kind`, to suggest when an object uses an unknown one (e.g. `policy/v1beta1`). */
export function knownApiVersions(kind: string): string[] {
  return MODELS.filter((m) => m.kind === kind).map((m) => m.apiVersion);
}
