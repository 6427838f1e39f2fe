import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/ApplicationSet';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import { ValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/**
 * A kubernetes-models class: its static type meta, and `validate()` on the prototype
 * (the ajv validator compiled from the OpenAPI schema, which throws with `errors` on failure).
 */
export interface ModelClass {
  readonly apiVersion: string;
  readonly kind: string;
  readonly prototype: { validate(): void };
}

/**
 * Every kind this project may render. Each model is imported one by one (not by group index)
 * so start-up loads only the schemas these kinds need. Add a line here to support a new kind.
 */
const MODELS: readonly ModelClass[] = [
  // core/v1
  ConfigMap,
  Secret,
  Service,
  ServiceAccount,
  Pod,
  PersistentVolumeClaim,
  Namespace,
  LimitRange,
  ResourceQuota,
  // workloads
  StatefulSet,
  Deployment,
  DaemonSet,
  Job,
  CronJob,
  PodDisruptionBudget,
  HorizontalPodAutoscaler,
  // network, access, admission, scheduling, storage
  NetworkPolicy,
  Ingress,
  Role,
  RoleBinding,
  ClusterRole,
  ClusterRoleBinding,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
  PriorityClass,
  StorageClass,
  // CRDs: prometheus-operator and Argo CD
  ServiceMonitor,
  PodMonitor,
  PrometheusRule,
  Application,
  ApplicationSet,
  AppProject,
];

let registry: Map<string, ModelClass> | undefined;

const key = (apiVersion: string, kind: string): string => `${apiVersion} ${kind}`;

/** The model for `apiVersion` + `kind`, or undefined when no schema is known. The lookup table is built once, on first use. */
export function findModel(apiVersion: string, kind: string): ModelClass | undefined {
  registry ??= new Map(MODELS.map((m) => [key(m.apiVersion, m.kind), m]));
  return registry.get(key(apiVersion, kind));
}

/** apiVersions that do have a model for `kind`, to suggest when an object uses an unknown one (e.g. `policy/v1beta1`). */
export function knownApiVersions(kind: string): string[] {
  return MODELS.filter((m) => m.kind === kind).map((m) => m.apiVersion);
}
