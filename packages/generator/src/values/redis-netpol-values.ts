/**
 * Values of `charts/redis-netpol`: the NetworkPolicies of ONE Redis release (redis-cluster or
 * redis-sentinel) installed in the same namespace: default deny, then explicit allows for the
 * declared clients, the release's own peers, its Jobs, Prometheus and DNS. Source of truth for the
 * chart's `values.schema.json`, its documented `values.yaml` and its README table
 * (`npm run codegen` writes all three).
 *
 * The selector and client types are unions on purpose: the generated schema then has no shape that
 * selects everything (an empty selector, a client with no namespace and no pod selector, a
 * namespace given twice). The chart's templates check the same again with `fail`, for renders that
 * skip the schema.
 */
import type { DnsLabel, Int, MatchLabels } from '@redis-gitops/spec';

/** Label keys and values of a selector that must select something: at least one entry.
 * @minProperties 1
 */
export type NonEmptyMatchLabels = { [key: string]: string };

/** One requirement of a label selector, as in Kubernetes (`In`/`NotIn` need values, `Exists`/`DoesNotExist` none). */
export interface LabelSelectorRequirement {
  /**
   * Label key.
   * @minLength 1
   * @maxLength 317
   */
  key: string;
  /** How the key's value is compared. */
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** Values for `In` and `NotIn`. */
  values?: string[];
}

/** A label selector with at least one label. */
export interface MatchLabelsSelector {
  /** Labels the selected objects carry, all of them. */
  matchLabels: NonEmptyMatchLabels;
  /** More requirements, all of which must hold too. */
  matchExpressions?: LabelSelectorRequirement[];
}

/** A label selector with at least one expression. */
export interface MatchExpressionsSelector {
  /** Labels the selected objects carry, all of them. */
  matchLabels?: MatchLabels;
  /**
   * Requirements, all of which must hold.
   * @minItems 1
   */
  matchExpressions: LabelSelectorRequirement[];
}

/**
 * A Kubernetes label selector that selects SOME objects: `{}` (which selects every pod, or every
 * namespace) is not one.
 */
export type NonEmptyLabelSelector = MatchLabelsSelector | MatchExpressionsSelector;

/** Clients in one namespace, by name (`kubernetes.io/metadata.name`); all its pods unless `podSelector` narrows them. */
export interface ClientInNamespace {
  /** Namespace of the clients. */
  namespace: DnsLabel;
  /** Only the pods with these labels; omit to admit every pod of the namespace. */
  podSelector?: NonEmptyLabelSelector;
}

/** Clients in every namespace with certain labels; all their pods unless `podSelector` narrows them. */
export interface ClientInSelectedNamespaces {
  /** Labels of the client namespaces (never `{}`, which would be every namespace). */
  namespaceSelector: NonEmptyLabelSelector;
  /** Only the pods with these labels; omit to admit every pod of those namespaces. */
  podSelector?: NonEmptyLabelSelector;
}

/** Clients in the release's own namespace, by pod labels. */
export interface ClientInReleaseNamespace {
  /** Labels of the client pods (never `{}`, which would be every pod of the namespace). */
  podSelector: NonEmptyLabelSelector;
}

/**
 * One kind of client allowed to reach Redis on 6379 (and the Sentinels on 26379): `namespace` OR
 * `namespaceSelector` (neither: the release's own namespace), and/or `podSelector`. A client that
 * selects nobody in particular, e.g. `{}`, is refused.
 */
export type NetpolClient = ClientInNamespace | ClientInSelectedNamespaces | ClientInReleaseNamespace;

/** The Redis release whose pods these policies protect. */
export interface NetpolTargetValues {
  /**
   * Helm release name of the Redis release (the `app.kubernetes.io/instance` label of its pods);
   * empty means this chart's own release name (Argo CD and the generator use one release name per environment).
   * @pattern ^([a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?)?$
   * @examples ["prod-x86"]
   * @default ""
   */
  release: string;
  /**
   * Chart of the Redis release: `redis-cluster` (pods talk on 6379 and the cluster bus 16379) or
   * `redis-sentinel` (Redis pods on 6379, Sentinel pods on 26379). Only the rules of that mode are rendered.
   * @default "redis-cluster"
   */
  chart: 'redis-cluster' | 'redis-sentinel';
  /**
   * `app.kubernetes.io/name` of the Redis and Sentinel pods; empty means `chart`. Set it only when the Redis release uses `nameOverride`.
   * @pattern ^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$
   * @examples ["redis-cluster"]
   * @default ""
   */
  name: string;
}

/** Prometheus, which scrapes the `redis_exporter` sidecar of every Redis pod (and of every Sentinel pod of a redis-sentinel release). */
export interface NetpolMonitoringValues {
  /** Admit Prometheus to the exporter port of the Redis pods, and for redis-sentinel of the Sentinel pods (nothing else of theirs). @default true */
  enabled: boolean;
  /**
   * Namespace Prometheus runs in.
   * @default "monitoring"
   */
  namespace: DnsLabel;
  /**
   * Labels of the Prometheus pods in that namespace (prometheus-operator sets `app.kubernetes.io/name: prometheus`).
   * @default {"matchLabels":{"app.kubernetes.io/name":"prometheus"}}
   */
  podSelector: NonEmptyLabelSelector;
  /**
   * Exporter port of the Redis pods: the container port name (resolved on each pod, so a changed
   * `metrics.port` of the Redis chart still matches) or its number.
   * @default "metrics"
   */
  port: 'metrics' | 9121;
}

/** Cluster DNS, which every pod of the release needs to resolve its peers' stable names. */
export interface NetpolDnsValues {
  /**
   * Namespace of the cluster DNS pods (CoreDNS in kubeadm, k3s and most distributions).
   * @default "kube-system"
   */
  namespace: DnsLabel;
  /**
   * Labels of the cluster DNS pods (`k8s-app: kube-dns` for CoreDNS in kubeadm, k3s, EKS, GKE, AKS).
   * @default {"matchLabels":{"k8s-app":"kube-dns"}}
   */
  podSelector: NonEmptyLabelSelector;
}

/** One destination outside the cluster the backup Job pods may reach (e.g. an S3 endpoint). */
export interface NetpolBackupEgress {
  /**
   * Destination network in CIDR notation, e.g. `10.20.30.40/32` or `2001:db8::/64`. A prefix length
   * of 0 (`0.0.0.0/0`, `::/0`: the whole internet) is refused when the chart renders.
   * @pattern ^(((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])|[0-9A-Fa-f:.]{0,39}:[0-9A-Fa-f:.]{0,39}/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$
   * @examples ["10.20.30.40/32", "2001:db8::/64"]
   */
  cidr: string;
  /**
   * TCP port of the destination (443 for HTTPS S3 endpoints).
   * @minimum 1
   * @maximum 65535
   */
  port: Int;
}

/** The pods that reach the backup bucket. */
export interface NetpolBackupValues {
  /**
   * Egress to the backup bucket's endpoint, one entry per destination network and TCP port, e.g.
   * `[{cidr: "10.20.30.40/32", port: 443}]`. It admits the backup Job pods (`component: backup`,
   * the upload) and the restore drill pods (`component: backup-drill`, which fetch the newest set
   * from the bucket), never the Redis pods unless restoreFromBucket is on.
   * @default []
   */
  egress: NetpolBackupEgress[];
  /**
   * Also admit the Redis pods (`component: redis`) to backup.egress, for the `fetch` init container
   * of a restore from the bucket (restore.source remote in the Redis chart). Turn it off again with
   * the restore.
   * @default false
   */
  restoreFromBucket: boolean;
}

/** Values of the redis-netpol chart. */
export interface RedisNetpolValues {
  /** Override the chart name part of object names. @default "" */
  nameOverride: string;
  /** Override the full object name prefix. @default "" */
  fullnameOverride: string;
  /** Labels added to every object. @default {} */
  commonLabels: MatchLabels;
  /** The Redis release to protect (same namespace). */
  target: NetpolTargetValues;
  /**
   * Who may connect to Redis (6379) and, for redis-sentinel, to the Sentinels (26379). Each entry is
   * `namespace` or `namespaceSelector` (neither: this namespace) and/or `podSelector`, e.g.
   * `[{namespace: shop, podSelector: {matchLabels: {app: checkout}}}]`. Empty: no client at all.
   * @default []
   */
  clients: NetpolClient[];
  /**
   * Also render a namespace-wide default deny for ingress (`podSelector: {}`), so pods of the namespace
   * that no policy selects refuse traffic too (the `default-deny-ingress` CI check requires it). Turn it
   * off only when the namespace is shared with workloads that bring no NetworkPolicies of their own.
   * @default true
   */
  namespaceDefaultDeny: boolean;
  /** Prometheus access to the exporter port. */
  monitoring: NetpolMonitoringValues;
  /** Cluster DNS, for the egress of every pod of the release. */
  dns: NetpolDnsValues;
  /** Backup Job pods. */
  backup: NetpolBackupValues;
}
