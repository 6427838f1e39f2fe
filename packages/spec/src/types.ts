/**
 * The typed environment spec: the only file a platform team edits per environment.
 *
 * This file is the single source of truth. `npm run codegen` turns these types
 * (and their JSDoc: descriptions, `@default`, bounds, patterns) into
 * `packages/spec/schema/environment.schema.json`, which ajv enforces and the
 * docs are generated from. Defaults are applied by `resolveEnvironment()` in
 * `resolve.ts`; a test checks that every `@default` here matches it.
 *
 * Every `@pattern` needs `@examples` (on the type; a field or alias may give more specific ones):
 * error messages show the examples, never the regex, in the spec and the chart values schemas
 * alike (a test checks both).
 */

/** A Kubernetes resource quantity such as `250m`, `512Mi` or `2Gi`.
 * @pattern ^([0-9]+(\.[0-9]+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$
 * @examples ["512Mi", "250m"]
 */
export type Quantity = string;

/**
 * An amount of bytes (memory or volume size) in binary units: `512Mi`, `2Gi`. The schema accepts any
 * quantity; the spec checks refuse the traps (`512m` is milli-bytes, `2G` is decimal, below 1Mi).
 * @examples ["512Mi", "2Gi"]
 */
export type ByteQuantity = Quantity;

/**
 * CPU in cores (`1`, `0.5`) or millicores (`250m`).
 * @examples ["250m", "1"]
 */
export type CpuQuantity = Quantity;

/** A whole number.
 * @asType integer
 */
export type Int = number;

/** A DNS-1123 label: lower-case letters, digits and `-`, at most 63 characters.
 * @pattern ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$
 * @examples ["redis-prod"]
 */
export type DnsLabel = string;

/** A five-field cron schedule, e.g. `0 2 * * *`.
 * @examples ["17 2 * * *", "0 3 * * 0"]
 * @pattern ^\s*(\S+\s+){4}\S+\s*$
 */
export type CronSchedule = string;

/** Kubernetes label selector labels: key/value pairs that must all match. */
export type MatchLabels = { [key: string]: string };

/** The environment tier. It decides which policies apply and how strictly. */
export type Tier = 'dev' | 'staging' | 'production';

/** How Redis is deployed: sharded Redis Cluster, or one replicated group watched by Sentinel. */
export type TopologyMode = 'cluster' | 'sentinel';

/** A CPU and memory pair. */
export interface ResourceAmounts {
  /** CPU, e.g. `250m`. */
  readonly cpu?: CpuQuantity;
  /** Memory, e.g. `1Gi`. */
  readonly memory?: ByteQuantity;
}

/** Container resources for the Redis server. Omitted amounts come from the cluster's profile. */
export interface Resources {
  /** What the scheduler reserves. Default: from the cluster profile. */
  readonly requests?: ResourceAmounts;
  /** Hard caps. Redis `maxmemory` is derived from `limits.memory` with headroom. Default: from the cluster profile. */
  readonly limits?: ResourceAmounts;
}

/** Where and how shards are laid out. */
export interface Topology {
  /**
   * `cluster` shards the keyspace over `shards` masters; `sentinel` runs one master with replicas and Sentinel.
   * @default "cluster"
   */
  readonly mode?: TopologyMode;
  /**
   * Number of masters in cluster mode. Redis Cluster needs at least 3 masters.
   * @minimum 3
   * @maximum 100
   * @default 3
   */
  readonly shards?: Int;
  /**
   * Replicas per master (cluster mode), or replicas of the single master (sentinel mode).
   * @minimum 0
   * @maximum 5
   * @default 1
   */
  readonly replicasPerShard?: Int;
  /**
   * Explicit hash-slot layout, one entry per shard, e.g. `["0-5000", "5001-10000", "10001-16383"]`.
   * An entry may list several ranges: `"0-99,200-5000"`. Together they must cover 0-16383 exactly once.
   * Omit for an even split.
   * @minItems 1
   */
  readonly slots?: ShardSlotRanges[];
  /** Sentinel settings (sentinel mode only). */
  readonly sentinel?: SentinelSettings;
  /**
   * Cluster mode: milliseconds a node may be unreachable before the cluster counts it as failing and
   * its replica takes over (`cluster-node-timeout`). Lower fails over sooner; too low fails over on
   * a slow network or a long fork: raise it where a fork or a slow disk can stall a node for seconds.
   * @minimum 1000
   * @maximum 120000
   * @default 5000
   */
  readonly nodeTimeout?: Int;
}

/** Comma-separated slot ranges owned by one shard, e.g. `0-5000` or `0-99,200-5000`.
 * @pattern ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$
 * @examples ["0-5460", "0-99,200-5000"]
 */
export type SlotRanges = string;

/** Comma-separated slot ranges owned by one shard, e.g. `0-5000` or `0-99,200-5000`.
 * @examples ["0-5460", "0-99,200-5000"]
 */
export type ShardSlotRanges = SlotRanges;

/** Sentinel quorum settings. */
export interface SentinelSettings {
  /**
   * Number of Sentinel processes. Use an odd number.
   * @minimum 3
   * @maximum 7
   * @default 3
   */
  readonly count?: Int;
  /**
   * Sentinels that must agree the master is down before a failover.
   * @minimum 1
   * @default 2
   */
  readonly quorum?: Int;
  /**
   * Milliseconds without a reply before a Sentinel considers the master down.
   * @minimum 1000
   * @default 5000
   */
  readonly downAfterMilliseconds?: Int;
  /**
   * Also run a master endpoint for clients that do not speak Sentinel: an HAProxy Service whose port
   * 6379 reaches the current master only (6380: the replicas). Sentinel-aware clients do not need it.
   * @default false
   */
  readonly masterEndpoint?: boolean;
}

/** The Redis image. Official multi-arch `redis` image (amd64 and arm64) by default. */
export interface RedisSettings {
  /**
   * Server version: the image tag. Must be an exact version, never `latest`. Default: the engine's
   * pinned version, 7.4.2 for redis, 8.0.1 for valkey.
   * @pattern ^[0-9]+\.[0-9]+\.[0-9]+([-.][A-Za-z0-9.]+)?$
   * @examples ["7.4.2", "8.0.1"]
   */
  readonly version?: string;
  /**
   * Image repository, optionally with a registry host (and port) for mirrors. Default: the engine's
   * official image, `redis` or `valkey/valkey`.
   */
  readonly image?: string;
  /**
   * Image digest (`sha256:...`). When set, the image is pulled by digest.
   * @pattern ^sha256:[a-f0-9]{64}$
   * @examples ["sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
   */
  readonly digest?: string;
  /**
   * Share of the memory limit given to Redis as `maxmemory`; the rest is headroom for
   * fork copy-on-write, buffers and the allocator. At most 0.8: the `maxmemory-headroom` policy
   * refuses more, so the spec refuses it first, with the file position.
   * @minimum 0.1
   * @maximum 0.8
   * @default 0.75
   */
  readonly maxmemoryRatio?: number;
  /**
   * What Redis does when `maxmemory` is reached.
   * @default "noeviction"
   */
  readonly maxmemoryPolicy?: MaxmemoryPolicy;
}

/** Redis eviction policy. */
export type MaxmemoryPolicy = 'noeviction' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl';

/** Durable storage for each Redis pod. */
export interface Persistence {
  /**
   * Keep data on a PersistentVolumeClaim per pod. Without it, a restarted pod starts empty.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Append-only file: every write is logged, fsync once per second.
   * @default true
   */
  readonly aof?: boolean;
  /**
   * RDB snapshot schedule in `redis.conf` `save` syntax (`"<seconds> <changes> ..."`); empty disables RDB snapshots.
   * Default: from the cluster profile (rarer on SD-card profiles).
   * @pattern ^([0-9]+ [0-9]+( [0-9]+ [0-9]+)*)?$
   * @examples ["3600 1 300 100", "900 1"]
   */
  readonly rdbSave?: string;
  /** Volume size per pod. Default: from the cluster profile. */
  readonly size?: ByteQuantity;
  /** StorageClass name; omit for the cluster default. */
  readonly storageClass?: string;
}

/** Scheduled RDB snapshots of every master to a backup volume. */
export interface Backup {
  /** Run the backup CronJob. Default: `true` in production, `false` otherwise. */
  readonly enabled?: boolean;
  /**
   * When to back up, as cron.
   * @default "17 2 * * *"
   */
  readonly schedule?: CronSchedule;
  /**
   * How many backup sets to keep.
   * @minimum 1
   * @maximum 365
   * @default 7
   */
  readonly retention?: Int;
  /** Backup volume size. Default: memory limit x shards x (retention + 1): every kept set plus the one being written. */
  readonly size?: ByteQuantity;
  /** StorageClass of the backup volume; omit for the cluster default. */
  readonly storageClass?: string;
  /**
   * Copy every complete set to S3-compatible object storage, so that losing the cluster, the
   * storage class or the namespace does not lose the backups. The local volume copy stays.
   */
  readonly remote?: BackupRemote;
  /**
   * Why this environment keeps its backups only in the cluster. Production needs `remote` or this
   * reason (policy: tier safety); it is shown in the pull-request report.
   * @examples ["lab cluster: the data is rebuilt from the source system in 10 minutes"]
   */
  readonly remoteOptOut?: string;
  /** Restore drills: restore the latest complete set into a throwaway server on a schedule and check it. */
  readonly drill?: BackupDrill;
}

/** An S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...). */
export interface BackupRemote {
  /**
   * S3 endpoint URL.
   * @pattern ^https?://[^\s/]+(/.*)?$
   * @examples ["https://s3.eu-west-1.amazonaws.com", "http://minio.storage.svc:9000"]
   */
  readonly endpoint: string;
  /**
   * Bucket (it must exist).
   * @pattern ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$
   * @examples ["redis-backups"]
   */
  readonly bucket: string;
  /**
   * Key prefix inside the bucket. Omit to mean the environment name.
   * @examples ["prod-x86"]
   */
  readonly prefix?: string;
  /**
   * Region.
   * @default "us-east-1"
   */
  readonly region?: string;
  /**
   * Path-style requests, as MinIO and most self-hosted stores need.
   * @default false
   */
  readonly pathStyle?: boolean;
  /**
   * Secret with the keys `access-key-id` and `secret-access-key`.
   * @examples ["redis-backup-s3"]
   */
  readonly credentialsSecret: DnsLabel;
  /** Client-side encryption (rclone crypt): the bucket holds neither plaintext data nor plaintext names. */
  readonly encryption?: BackupEncryption;
  /**
   * The networks and ports of the endpoint. redis-netpol denies all egress of the release's pods;
   * these entries let the backup Job, the drill Job and (while spec.restore.source is remote) the
   * Redis pods reach the bucket, and nothing else. A NetworkPolicy names addresses, not host names:
   * give the endpoint's addresses (a VPC endpoint's subnet, the MinIO Service's pod network), never
   * 0.0.0.0/0.
   * @minItems 1
   * @examples [[{"cidr": "10.0.64.0/24", "port": 443}]]
   */
  readonly egress: readonly BackupEgress[];
}

/** One destination network of the bucket's endpoint. */
export interface BackupEgress {
  /**
   * Destination network in CIDR notation. A prefix length of 0 (the whole internet) is refused.
   * @pattern ^(((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])/([1-9]|[12][0-9]|3[0-2])|[0-9A-Fa-f:.]{0,39}:[0-9A-Fa-f:.]{0,39}/([1-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$
   * @examples ["10.0.64.0/24", "2001:db8::/64"]
   */
  readonly cidr: string;
  /**
   * TCP port of the endpoint.
   * @minimum 1
   * @maximum 65535
   * @default 443
   */
  readonly port?: Int;
}

/** rclone crypt, with its password from a Secret. */
export interface BackupEncryption {
  /**
   * Secret holding the crypt password under the key `crypt-password`. Lose it and the remote sets
   * cannot be read: keep a copy outside the cluster.
   * @examples ["redis-backup-crypt"]
   */
  readonly passwordSecret: DnsLabel;
}

/** Automatic restore drills. */
export interface BackupDrill {
  /** Run the drill CronJob. Default: `true` in production when backups are on, `false` otherwise. */
  readonly enabled?: boolean;
  /**
   * When to drill, as cron (after the backup).
   * @default "47 4 * * 0"
   */
  readonly schedule?: CronSchedule;
}

/**
 * Seeding a NEW deployment from a backup set: each pod whose data volume is empty loads the set's
 * data before Redis starts (the chart's restore init container); a volume that holds data is never
 * touched, and a running cluster or group is never overwritten. Remove it once the restore is done.
 */
export interface Restore {
  /**
   * The backup set to restore: the name of a complete set on the backup volume, as the backup
   * Job's log prints it (`set 20261202T021700Z complete`).
   * @pattern ^[0-9]{8}T[0-9]{6}Z$
   * @examples ["20261202T021700Z"]
   */
  readonly fromSet: string;
  /**
   * Where the set is: the backup volume, or the bucket of spec.backup.remote (downloaded and its
   * checksums verified before anything is seeded).
   * @default "volume"
   */
  readonly source?: 'volume' | 'remote';
}

/** Metrics, alerts and dashboards. */
export interface Monitoring {
  /**
   * Run the `redis_exporter` sidecar in every Redis pod.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Create a prometheus-operator ServiceMonitor.
   * @default true
   */
  readonly serviceMonitor?: boolean;
  /**
   * Create the PrometheusRule with the alerts.
   * @default true
   */
  readonly alerts?: boolean;
  /**
   * Create the Grafana dashboards.
   * @default true
   */
  readonly dashboards?: boolean;
  /**
   * Namespace where Prometheus runs; only it may scrape port 9121.
   * @examples ["monitoring"]
   * @default "monitoring"
   */
  readonly namespace?: DnsLabel;
}

/** One kind of client allowed to reach Redis on 6379 (and Sentinel on 26379). */
export interface AllowedClient {
  /**
   * Clients in this namespace (by name). Omit to mean the environment's own namespace.
   * @examples ["apps-prod"]
   */
  readonly namespace?: DnsLabel;
  /** Clients in namespaces carrying these labels. */
  readonly namespaceSelector?: MatchLabels;
  /** Only pods carrying these labels. Omit to admit every pod of the namespace. */
  readonly podSelector?: MatchLabels;
}

/** Network isolation. */
export interface Network {
  /**
   * Who may connect. Everyone else is denied by a default-deny NetworkPolicy.
   * @default []
   */
  readonly allowedClients?: AllowedClient[];
}

/** Authentication. Passwords never appear in git: only a reference to a Secret. */
export interface Auth {
  /**
   * Name of an existing Secret in the namespace that holds the Redis password.
   * @examples ["redis-auth"]
   */
  readonly existingSecret: DnsLabel;
  /**
   * Key of the password inside the Secret: the `default` user's password.
   * @default "redis-password"
   */
  readonly passwordKey?: string;
  /**
   * Redis ACL users: one user per application, and least-privilege users for the chart's own
   * roles (replication, Sentinel, exporter, backup, scripts) instead of the shared `default` user.
   * Omit to keep the single shared password.
   */
  readonly acl?: Acl;
}

/**
 * ACL users. Every password comes from a Secret; a user accepts every password listed for it, so a
 * password is rotated without downtime by listing the new one next to the old one (see the
 * generated RUNBOOK, "Rotate a password").
 */
export interface Acl {
  /**
   * The `default` user, which clients get when they send `AUTH <password>` without a user name.
   * Production must disable it or restrict it (policy `default-user`).
   */
  readonly defaultUser?: AclDefaultUser;
  /**
   * Secrets holding the passwords of the chart's system users, each under the keys `replicator`,
   * `sentinel`, `monitor`, `backup` and `operator`. The chart's own processes authenticate with the
   * FIRST Secret; Redis accepts the passwords of every Secret listed. To rotate them, list a new
   * Secret second, roll, move it first, roll, then drop the old one and roll.
   * Omit (or leave empty) to mean `[spec.auth.existingSecret]`.
   */
  readonly systemSecrets?: DnsLabel[];
  /**
   * Application users.
   * @default []
   */
  readonly users?: AclUser[];
}

/** The `default` user under ACLs. */
export interface AclDefaultUser {
  /**
   * Whether the `default` user can log in (with the password at spec.auth.passwordKey).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * What the `default` user may do, as Redis ACL rules.
   * @default "~* &* +@all"
   * @examples ["~* +@read -@dangerous"]
   */
  readonly rules?: string;
}

/** One application user. */
export interface AclUser {
  /**
   * User name. `default` and the system users' names (replicator, sentinel, monitor, backup,
   * operator) are reserved.
   * @pattern ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$
   * @examples ["orders-api"]
   */
  readonly name: string;
  /**
   * Secret holding the user's password(s). Omit to mean spec.auth.existingSecret.
   * @examples ["orders-redis"]
   */
  readonly existingSecret?: DnsLabel;
  /**
   * Keys of the Secret whose values the user may log in with: one, or two while a password is
   * being rotated (the old and the new).
   * @minItems 1
   * @maxItems 3
   * @uniqueItems true
   * @examples [["password"], ["password", "password-next"]]
   */
  readonly passwordKeys: string[];
  /**
   * What the user may do, as Redis ACL rules (key patterns `~`, channels `&`, commands and
   * categories `+`/`-`, selectors). Passwords and on/off are managed by the chart and are refused
   * here. Checked at spec time against the command table of the Redis version the charts run. In
   * cluster mode the chart adds what every cluster client needs to follow the slot map (CLUSTER
   * SLOTS/SHARDS/NODES/INFO/MYID, ASKING, READONLY, READWRITE).
   * @examples ["~orders:* &orders:* +@read +@write -@dangerous"]
   */
  readonly rules: string;
}

/** TLS for client, replication and cluster-bus traffic. */
export interface Tls {
  /**
   * Serve TLS.
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * Secret of type kubernetes.io/tls with `tls.crt`, `tls.key` and `ca.crt`.
   * @examples ["redis-tls"]
   */
  readonly existingSecret?: DnsLabel;
}

/**
 * A Kubernetes label key: an optional DNS subdomain prefix and `/`, then a name of at most 63
 * characters (letters, digits, `-`, `_`, `.`, starting and ending alphanumeric).
 * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$
 * @examples ["node-role.example.com/redis", "dedicated"]
 */
export type LabelKey = string;

/** A toleration of a node taint, as in a pod spec. */
export interface Toleration {
  /**
   * Taint key. Empty with `operator: Exists` tolerates every taint.
   * @examples ["dedicated", "node-role.example.com/redis"]
   */
  readonly key?: LabelKey;
  /**
   * `Equal` matches the taint's value; `Exists` matches any value (then `value` must be empty).
   * @default "Equal"
   */
  readonly operator?: 'Exists' | 'Equal';
  /** Taint value (with `operator: Equal`). */
  readonly value?: string;
  /** Taint effect to tolerate; omit for all effects. */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  /**
   * Seconds a `NoExecute` taint is tolerated before the pod is evicted; omit to tolerate it forever.
   * @minimum 0
   */
  readonly tolerationSeconds?: Int;
}

/**
 * Where the pods may run and what they carry: applied to every workload of the release (Redis and
 * Sentinel pods, the cluster bootstrap Job, the backup CronJob). A cluster in `clusters.yaml` may
 * set the same fields as defaults for every environment on it; the environment's own values win
 * per key (node selector, annotations), add to the cluster's (tolerations, image pull Secrets),
 * or replace them (priority class).
 */
export interface Scheduling {
  /**
   * Tolerations, e.g. for tainted Raspberry Pi nodes. Added to the cluster's.
   * @default []
   */
  readonly tolerations?: Toleration[];
  /**
   * Node labels the pods require, merged with the cluster's. `kubernetes.io/arch` comes from the
   * cluster's `arch` and cannot be set here.
   * @default {}
   */
  readonly nodeSelector?: { [key: LabelKey]: string };
  /**
   * PriorityClass of the pods. Production without one gets a policy warning: under node pressure,
   * Redis would be preempted like any other pod.
   * @examples ["redis-critical"]
   */
  readonly priorityClassName?: DnsSubdomain;
  /**
   * Secrets (in the release namespace) with registry credentials, for images from a private mirror.
   * Added to the cluster's.
   * @default []
   */
  readonly imagePullSecrets?: DnsSubdomain[];
  /**
   * Extra pod annotations, merged with the cluster's.
   * @default {}
   */
  readonly podAnnotations?: { [key: LabelKey]: string };
}

/**
 * A DNS-1123 subdomain: lower-case letters, digits, `-` and `.`, at most 253 characters.
 * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
 * @maxLength 253
 * @examples ["registry-credentials", "redis-critical"]
 */
export type DnsSubdomain = string;

/** The server: Redis, or Valkey (the Linux Foundation fork, BSD-licensed, protocol-compatible). */
export type Engine = 'redis' | 'valkey';

/** What the environment runs and where. */
export interface EnvironmentSpec {
  /** Target cluster, by name from `environments/clusters.yaml`. It fixes the arch and resource profile. */
  readonly cluster: string;
  /**
   * The server. `valkey` runs the official `valkey/valkey` image at the version line every behaviour
   * test runs (8.0); `redis` runs `redis:7.4.2`, while the tests run Redis 7.0 (validate warns).
   * The default stays `redis` so that no existing environment changes engine by upgrading the tool:
   * Redis to Valkey is a rolling change, but Valkey to Redis is not supported once Valkey has
   * written its own RDB format. New environments: prefer `valkey`.
   * @default "redis"
   */
  readonly engine?: Engine;
  /**
   * Namespace that holds the Redis objects.
   * @examples ["redis-prod"]
   */
  readonly namespace: DnsLabel;
  /** Tier: `production` gets every policy as Deny. */
  readonly tier: Tier;
  /** Shards, replicas and slot layout. */
  readonly topology?: Topology;
  /** Image and memory behaviour. */
  readonly redis?: RedisSettings;
  /** Container resources for Redis. */
  readonly resources?: Resources;
  /** Persistent volumes and durability. */
  readonly persistence?: Persistence;
  /** Scheduled backups. */
  readonly backup?: Backup;
  /** Restore a new deployment from a backup set (see the generated RUNBOOK, "Backup and restore"). */
  readonly restore?: Restore;
  /** Exporter, alerts and dashboards. */
  readonly monitoring?: Monitoring;
  /** Allowed clients. */
  readonly network?: Network;
  /** Password reference: the name of an existing Secret. Passwords never go in git. */
  readonly auth: Auth;
  /** TLS. */
  readonly tls?: Tls;
  /** Tolerations, node selector, priority class, image pull Secrets and pod annotations (defaults from the cluster in `clusters.yaml`). */
  readonly scheduling?: Scheduling;
}

/** Identity of the environment. */
export interface EnvironmentMetadata {
  /**
   * Environment name. Must equal the folder name under `environments/`.
   * @pattern ^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$
   * @examples ["prod-x86", "dev-arm"]
   */
  readonly name: string;
  /** Free-form labels copied onto generated Argo CD objects. */
  readonly labels?: MatchLabels;
}

/** One Redis deployment, described in `environments/<name>/environment.yaml`. */
export interface RedisEnvironment {
  /** Spec version. */
  readonly apiVersion: 'redis-gitops.dev/v1alpha1';
  /** Always `RedisEnvironment`. */
  readonly kind: 'RedisEnvironment';
  /** Name and labels. */
  readonly metadata: EnvironmentMetadata;
  /** The desired deployment. */
  readonly spec: EnvironmentSpec;
}

/** Arch of a cluster's nodes. */
export type Arch = 'amd64' | 'arm64';

/** Resource profile of a cluster. See `profiles.ts` for what each one sets. */
export type ProfileName = 'standard' | 'small' | 'rpi4';

/** A target Kubernetes cluster. */
export interface ClusterEntry {
  /**
   * Cluster name, referenced by `spec.cluster`.
   * @pattern ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$
   * @examples ["x86-prod"]
   */
  readonly name: string;
  /** Argo CD destination server URL, e.g. `https://prod-x86.example.internal:6443`. */
  readonly server: string;
  /** Argo CD cluster name (the cluster Secret's name). */
  readonly argocdName?: string;
  /** CPU architecture of the nodes Redis runs on. */
  readonly arch: Arch;
  /** Resource profile: `rpi4` for Raspberry Pi 4 (small memory), `small`, or `standard`. */
  readonly profile: ProfileName;
  /** Scheduling defaults for every environment on this cluster, e.g. the toleration of a taint its Redis nodes carry. */
  readonly scheduling?: Scheduling;
}

/** Where Argo CD takes things from. */
export interface DeliverySettings {
  /** Git repository Argo CD reads the generated values from (this repository). */
  readonly gitRepo: string;
  /**
   * Branch or tag of that repository Argo CD follows.
   * @default "main"
   */
  readonly gitRevision?: string;
  /** Helm chart repository the charts are published to (`redis-gitops publish`). */
  readonly chartRepo: string;
  /**
   * Namespace Argo CD runs in.
   * @examples ["argocd"]
   * @default "argocd"
   */
  readonly argocdNamespace?: DnsLabel;
}

/** `environments/clusters.yaml`: every target cluster. */
export interface ClusterList {
  /** Spec version. */
  readonly apiVersion: 'redis-gitops.dev/v1alpha1';
  /** Always `ClusterList`. */
  readonly kind: 'ClusterList';
  /** Argo CD sources: this git repository and the published chart repository. */
  readonly delivery: DeliverySettings;
  /**
   * The clusters.
   * @minItems 1
   */
  readonly clusters: ClusterEntry[];
}
