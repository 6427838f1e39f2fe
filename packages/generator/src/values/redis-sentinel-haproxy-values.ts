/**
 * Values of the redis-sentinel chart's master endpoint (`haproxy.*`): HAProxy in front of the Redis
 * pods, for clients that do not speak Sentinel. Part of RedisSentinelValues.
 */
import type { Int } from '@redis-gitops/spec';
import type { ImageValues, ResourceValues, ServiceValues } from './common-values.ts';

/**
 * An HAProxy time: a number with the unit `ms`, `s`, `m` or `h`.
 * @pattern ^[1-9][0-9]*(ms|s|m|h)$
 * @examples ["1s", "500ms"]
 */
export type HaproxyTime = string;

/** How HAProxy checks every Redis pod (AUTH, then `INFO replication`, expecting `role:master` or `role:slave`). */
export interface HaproxyCheckValues {
  /**
   * Time between two checks of one Redis pod (HAProxy `inter`). A master demoted to a replica stops
   * receiving new connections at most `inter + (fall - 1) × fastInter` later.
   * @default "1s"
   */
  inter: HaproxyTime;
  /**
   * Time between checks while a pod is changing state, after its first failed or passed check
   * (HAProxy `fastinter`).
   * @default "250ms"
   */
  fastInter: HaproxyTime;
  /**
   * Consecutive failed checks before a pod leaves a backend (HAProxy `fall`); its connections are
   * then closed (`on-marked-down shutdown-sessions`), so no client keeps writing to a demoted master.
   * @minimum 1
   * @maximum 10
   * @default 2
   */
  fall: Int;
  /**
   * Consecutive passed checks before a pod joins a backend (HAProxy `rise`): 1 sends writes to a
   * newly promoted master at its first check.
   * @minimum 1
   * @maximum 10
   * @default 1
   */
  rise: Int;
  /**
   * Time one check may take (HAProxy `timeout check`).
   * @default "1s"
   */
  timeout: HaproxyTime;
}

/** HAProxy Service: port `service.port` ("redis") reaches the master only, `readOnlyPort` ("redis-ro") the replicas. */
export interface HaproxyServiceValues extends ServiceValues {
  /**
   * Read-only port: connections go to the replicas (least connections first), never to the master.
   * @minimum 1
   * @maximum 65535
   * @default 6380
   */
  readOnlyPort: Int;
}

/**
 * The master endpoint: an HAProxy Deployment and Service in front of the Redis pods that sends each
 * connection on `service.port` to the pod answering `role:master` only. For clients that cannot ask
 * the Sentinels; Sentinel-aware clients should keep asking the Sentinels (one hop fewer).
 */
export interface HaproxyValues {
  /**
   * Run the master endpoint. Off by default: it adds two pods and a network hop, and
   * Sentinel-aware clients do not need it.
   * @default false
   */
  enabled: boolean;
  /**
   * HAProxy image (official multi-arch `haproxy`, amd64 and arm64), pinned. The chart's behaviour
   * test runs the rendered configuration with HAProxy 2.6.
   * @default {"registry":"","repository":"haproxy","tag":"2.6.17-alpine","digest":"","pullPolicy":"IfNotPresent"}
   */
  image: ImageValues;
  /**
   * HAProxy pods (each checks every Redis pod on its own), spread like the Redis pods.
   * @minimum 2
   * @maximum 10
   * @default 2
   */
  replicas: Int;
  /** Health checks of the Redis pods. */
  check: HaproxyCheckValues;
  /**
   * Idle time after which a client connection is closed (HAProxy `timeout client` and
   * `timeout server`). Keep it above the clients' own idle or keepalive interval.
   * @default "30m"
   */
  idleTimeout: HaproxyTime;
  /**
   * Connections each HAProxy pod accepts at once (HAProxy `maxconn`).
   * @minimum 16
   * @maximum 100000
   * @default 2000
   */
  maxConnections: Int;
  /**
   * Kubernetes cluster DNS domain. HAProxy re-resolves the Redis pods' names at run time, and it
   * uses no search domains: the names must be fully qualified.
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
   * @examples ["cluster.local", "k8s.example.internal"]
   * @default "cluster.local"
   */
  clusterDomain: string;
  /**
   * Service of the master endpoint.
   * @default {"type":"ClusterIP","port":6379,"readOnlyPort":6380,"annotations":{}}
   */
  service: HaproxyServiceValues;
  /**
   * Port of HAProxy's built-in Prometheus exporter (`/metrics`) and of its health URL (`/healthz`):
   * 9121 like the exporter sidecars, so the redis-monitoring PodMonitor and the redis-netpol metrics
   * rule reach every scraped pod of the release on the same port.
   * @minimum 1
   * @maximum 65535
   * @default 9121
   */
  metricsPort: Int;
  /**
   * HAProxy container resources.
   * @default {"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}
   */
  resources: ResourceValues;
  /**
   * PodDisruptionBudget of the HAProxy pods: node drains evict at most this many at once.
   * @minimum 1
   * @default 1
   */
  maxUnavailable: Int;
}
