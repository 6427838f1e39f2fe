/**
 * Bitnami `redis` / `redis-cluster` / `valkey` / `valkey-cluster` values -> a RedisEnvironment spec
 * (the Valkey charts set `spec.engine: valkey`; their `primary.*` and `valkey.*` keys are read where
 * the Redis charts have `master.*` and `redis.*`). Pure.
 *
 * Every leaf key of the input is either mapped (and listed with the spec field it became) or
 * reported as unmapped with a reason, so nothing is dropped silently. Inline passwords are never
 * imported and never shown: a secret's value is reported as hidden. Values that cannot make a
 * valid environment are problems that name the input key, so errors point into the input file.
 */

export interface BitnamiImportOptions {
  readonly name: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly tier: 'dev' | 'staging' | 'production';
}

export interface UnmappedKey {
  readonly key: string;
  /** The value as shown to the user: "(hidden)" for anything that may be a secret. */
  readonly value: string;
  readonly reason: string;
}

export interface MappedKey {
  /** The input key, e.g. `cluster.nodes`, or `commonConfiguration: appendonly yes` for a config line. */
  readonly from: string;
  /** The spec field it became, e.g. `spec.topology.shards`. */
  readonly to: string;
}

export interface ImportProblem {
  /** The input key at fault (dotted). */
  readonly key: string;
  readonly message: string;
  readonly hint: string;
}

export interface BitnamiImport {
  /** Which Bitnami chart the values look like. */
  readonly source: 'redis' | 'redis-cluster' | 'valkey' | 'valkey-cluster';
  readonly spec: Record<string, unknown>;
  readonly unmapped: UnmappedKey[];
  /** What was imported, and to which spec field. */
  readonly mapped: MappedKey[];
  /** Values that cannot make a valid environment: nothing may be written. */
  readonly problems: ImportProblem[];
  /** Decisions worth telling the user (e.g. standalone became sentinel with 0 replicas). */
  readonly notes: string[];
}

/** Keys whose values may be secrets: never shown, never imported. */
const SECRET_KEY = /(^|\.)(password|passwords|secret|token|credentials?|requirepass|masterauth|usePasswordFiles)$/i;

type Obj = Record<string, unknown>;

/** Bitnami's resourcesPreset table (requests / limits), from the bitnami common chart. */
export const BITNAMI_PRESETS: Record<string, { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } }> = {
  nano: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '150m', memory: '192Mi' } },
  micro: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '375m', memory: '384Mi' } },
  small: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '750m', memory: '768Mi' } },
  medium: { requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '750m', memory: '1536Mi' } },
  large: { requests: { cpu: '1', memory: '2048Mi' }, limits: { cpu: '1.5', memory: '3072Mi' } },
  xlarge: { requests: { cpu: '1', memory: '3072Mi' }, limits: { cpu: '3', memory: '6144Mi' } },
  '2xlarge': { requests: { cpu: '1', memory: '3072Mi' }, limits: { cpu: '6', memory: '12288Mi' } },
};

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Every leaf path of a values tree (lists count as leaves). */
function leaves(v: unknown, at = ''): [string, unknown][] {
  if (isObj(v) && Object.keys(v).length) return Object.entries(v).flatMap(([k, c]) => leaves(c, at ? `${at}.${k}` : k));
  return at ? [[at, v]] : [];
}

function get(v: Obj, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (isObj(o) ? o[k] : undefined), v);
}

function show(key: string, v: unknown): string {
  if (SECRET_KEY.test(key) && v !== '' && v !== undefined && v !== null) return '(hidden)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** The Redis config lines of commonConfiguration / configuration that have a spec field. */
function mapConfig(key: string, text: string, persistence: Obj, redis: Obj, topology: Obj, mapped: MappedKey[], unmapped: UnmappedKey[]): void {
  const saves: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [directive = '', ...rest] = line.split(/\s+/);
    const arg = rest.join(' ').replace(/^"(.*)"$/, '$1');
    const from = `${key}: ${line}`;
    switch (directive.toLowerCase()) {
      case 'appendonly':
        if (arg === 'yes' || arg === 'no') {
          persistence.aof = arg === 'yes';
          mapped.push({ from, to: 'spec.persistence.aof' });
          continue;
        }
        break;
      case 'save':
        if (/^(\d+ \d+( \d+ \d+)*)?$/.test(arg)) {
          if (arg) saves.push(arg);
          else persistence.rdbSave = '';
          mapped.push({ from, to: 'spec.persistence.rdbSave' });
          continue;
        }
        break;
      case 'maxmemory-policy':
        redis.maxmemoryPolicy = arg;
        mapped.push({ from, to: 'spec.redis.maxmemoryPolicy' });
        continue;
      case 'cluster-node-timeout':
        if (/^\d+$/.test(arg)) {
          topology.nodeTimeout = Number(arg);
          mapped.push({ from, to: 'spec.topology.nodeTimeout' });
          continue;
        }
        break;
      case 'requirepass':
      case 'masterauth':
      case 'primaryauth':
        unmapped.push({ key: `${key}: ${directive} (hidden)`, value: '(hidden)', reason: 'inline passwords are never imported: put the password in a Secret and set spec.auth.existingSecret' });
        continue;
    }
    unmapped.push({
      key: from,
      value: '',
      reason: directive.toLowerCase() === 'maxmemory' ? 'maxmemory follows the memory limit (spec.redis.maxmemoryRatio)' : 'no redis-gitops equivalent for this Redis setting',
    });
  }
  if (saves.length) persistence.rdbSave = saves.join(' ');
}

export function importBitnami(values: Obj, opts: BitnamiImportOptions): BitnamiImport {
  const consumed = new Map<string, string>(); // key prefix -> '' (mapped) or reason (unmapped on purpose)
  const notes: string[] = [];
  const use = (key: string) => {
    consumed.set(key, '');
    return get(values, key);
  };
  const refuse = (key: string, reason: string) => consumed.set(key, reason);
  const mapped: MappedKey[] = [];
  const problems: ImportProblem[] = [];
  const unmapped: UnmappedKey[] = [];
  /** Records key -> spec field when the key is in the input. */
  const mapTo = (key: string, to: string) => {
    if (get(values, key) !== undefined) mapped.push({ from: key, to });
  };

  const isCluster = isObj(values.cluster) && ('nodes' in values.cluster || 'replicas' in values.cluster);
  // Bitnami's Valkey charts: `primary` (valkey) and `valkey` (valkey-cluster) where the Redis ones have `master` and `redis`.
  const isValkey = isObj(values.primary) || isObj(values.valkey) || /valkey/.test(String(get(values, 'image.repository') ?? ''));
  const source: BitnamiImport['source'] = `${isValkey ? 'valkey' : 'redis'}${isCluster ? '-cluster' : ''}`;
  /** The values key of the server pods: master / primary (replication), redis / valkey (cluster). */
  const node = isCluster ? (isValkey ? 'valkey' : 'redis') : isValkey ? 'primary' : 'master';
  const spec: Obj = { cluster: opts.cluster, namespace: opts.namespace, ...(isValkey ? { engine: 'valkey' } : {}), tier: opts.tier };
  if (isValkey) mapped.push({ from: `(the Bitnami ${source} chart)`, to: 'spec.engine' });

  // Topology
  if (isCluster) {
    const nodes = Number(use('cluster.nodes') ?? 6);
    const replicas = Number(use('cluster.replicas') ?? 1);
    const shards = Math.floor(nodes / (replicas + 1));
    if (nodes % (replicas + 1) !== 0) {
      const lower = shards * (replicas + 1);
      problems.push({
        key: 'cluster.nodes',
        message: `${nodes} nodes do not divide into shards of 1 master + ${replicas} replica(s) (cluster.replicas): ${nodes} is not a multiple of ${replicas + 1}`,
        hint: `set cluster.nodes to a multiple of ${replicas + 1} (e.g. ${Math.max(lower, 3 * (replicas + 1))} or ${lower + replicas + 1}), or change cluster.replicas`,
      });
    }
    spec.topology = { mode: 'cluster', shards, replicasPerShard: replicas };
    mapped.push({ from: 'cluster.nodes', to: 'spec.topology.shards' }, { from: 'cluster.replicas', to: 'spec.topology.replicasPerShard' });
  } else {
    const arch = use('architecture') ?? 'replication';
    const sentinel = use('sentinel.enabled') === true;
    const replicas = Number(use('replica.replicaCount') ?? (arch === 'standalone' ? 0 : 3));
    const topology: Obj = { mode: 'sentinel', replicasPerShard: arch === 'standalone' ? 0 : replicas };
    if (arch === 'standalone') notes.push('architecture standalone has no failover: imported as sentinel mode with 0 replicas; add replicas for high availability');
    else if (!sentinel) notes.push('replication without Sentinel has no automatic failover: imported as sentinel mode (3 sentinels)');
    const quorum = use('sentinel.quorum');
    const down = use('sentinel.downAfterMilliseconds');
    if (sentinel && (quorum !== undefined || down !== undefined)) {
      topology.sentinel = { ...(quorum !== undefined ? { quorum: Number(quorum) } : {}), ...(down !== undefined ? { downAfterMilliseconds: Number(down) } : {}) };
    }
    spec.topology = topology;
    mapTo('architecture', 'spec.topology.mode');
    mapTo('sentinel.enabled', 'spec.topology.mode');
    mapTo('replica.replicaCount', 'spec.topology.replicasPerShard');
    mapTo('sentinel.quorum', 'spec.topology.sentinel.quorum');
    mapTo('sentinel.downAfterMilliseconds', 'spec.topology.sentinel.downAfterMilliseconds');
  }

  // Image: Bitnami images were withdrawn; only the Redis version carries over.
  const tag = use('image.tag');
  const version = typeof tag === 'string' ? /^(\d+\.\d+\.\d+)/.exec(tag)?.[1] : undefined;
  const redis: Obj = {};
  if (version) {
    redis.version = version;
    mapped.push({ from: 'image.tag', to: 'spec.redis.version' });
  }
  for (const k of ['image.registry', 'image.repository', 'image.digest', 'global.imageRegistry']) {
    refuse(k, `Bitnami images are no longer published; redis-gitops runs the official multi-arch ${isValkey ? 'valkey/valkey' : 'redis'} image`);
  }

  // Auth
  const authRoot = isCluster ? '' : 'auth.';
  const existingSecret = use(`${authRoot}existingSecret`);
  const passwordKey = use(`${authRoot}existingSecretPasswordKey`);
  refuse(isCluster ? 'password' : 'auth.password', 'inline passwords are never imported: put the password in a Secret and set spec.auth.existingSecret');
  if (isCluster) refuse('usePassword', 'auth is always on in redis-gitops');
  else refuse('auth.enabled', 'auth is always on in redis-gitops');
  refuse('global.redis.password', 'inline passwords are never imported: put the password in a Secret and set spec.auth.existingSecret');
  spec.auth = {
    existingSecret: typeof existingSecret === 'string' && existingSecret ? existingSecret : `${opts.name}-redis-auth`,
    ...(typeof passwordKey === 'string' && passwordKey ? { passwordKey } : {}),
  };
  mapTo(`${authRoot}existingSecret`, 'spec.auth.existingSecret');
  mapTo(`${authRoot}existingSecretPasswordKey`, 'spec.auth.passwordKey');
  if (!existingSecret) notes.push(`no existingSecret in the values: spec.auth.existingSecret set to "${opts.name}-redis-auth"; create that Secret`);

  // Persistence
  const pRoot = isCluster ? 'persistence' : `${node}.persistence`;
  const persistence: Obj = {};
  const pEnabled = use(`${pRoot}.enabled`);
  if (pEnabled === false) persistence.enabled = false;
  const size = use(`${pRoot}.size`);
  if (typeof size === 'string') persistence.size = size;
  const storageClass = use(`${pRoot}.storageClass`) ?? use('global.defaultStorageClass') ?? use('global.storageClass');
  if (typeof storageClass === 'string' && storageClass) persistence.storageClass = storageClass;
  if (!isCluster) {
    for (const k of ['replica.persistence.size', 'replica.persistence.storageClass', 'replica.persistence.enabled']) {
      if (get(values, k) !== undefined) refuse(k, 'replicas use the same volume settings as the master in redis-gitops (spec.persistence)');
    }
  }
  mapTo(`${pRoot}.enabled`, 'spec.persistence.enabled');
  mapTo(`${pRoot}.size`, 'spec.persistence.size');
  mapTo(`${pRoot}.storageClass`, 'spec.persistence.storageClass');

  // Redis configuration lines: appendonly, save and maxmemory-policy have a spec field.
  for (const key of isCluster ? [`${node}.configmap`, 'commonConfiguration'] : ['commonConfiguration', `${node}.configuration`]) {
    const text = use(key);
    if (typeof text === 'string') mapConfig(key, text, persistence, redis, spec.topology as Obj, mapped, unmapped);
  }
  if (Object.keys(persistence).length) spec.persistence = persistence;
  if (Object.keys(redis).length) spec.redis = redis;

  // Resources
  const rRoot = node;
  const resources = use(`${rRoot}.resources`);
  const preset = use(`${rRoot}.resourcesPreset`);
  if (isObj(resources) && Object.keys(resources).length) {
    spec.resources = resources;
    for (const [k] of leaves(resources, `${rRoot}.resources`)) consumed.set(k, '');
    mapped.push({ from: `${rRoot}.resources`, to: 'spec.resources' });
  } else if (typeof preset === 'string' && preset !== 'none') {
    const p = BITNAMI_PRESETS[preset];
    if (p) {
      spec.resources = { requests: { ...p.requests }, limits: { ...p.limits } };
      mapped.push({ from: `${rRoot}.resourcesPreset`, to: 'spec.resources' });
    } else refuse(`${rRoot}.resourcesPreset`, `unknown preset "${preset}"`);
  }
  if (!isCluster) {
    for (const k of ['replica.resources', 'replica.resourcesPreset']) if (get(values, k) !== undefined) refuse(k, 'replicas get the same resources as the master (spec.resources)');
  }

  // Scheduling: the server pods' (Bitnami redis / valkey: the master's or primary's; replicas and Sentinels share it here).
  const scheduling: Obj = {};
  for (const [field, to] of [
    ['tolerations', 'tolerations'],
    ['nodeSelector', 'nodeSelector'],
    ['priorityClassName', 'priorityClassName'],
    ['podAnnotations', 'podAnnotations'],
  ] as const) {
    const value = use(`${rRoot}.${field}`);
    const empty = value === undefined || value === '' || (Array.isArray(value) && !value.length) || (isObj(value) && !Object.keys(value).length);
    if (!empty) {
      scheduling[to] = value;
      mapped.push({ from: `${rRoot}.${field}`, to: `spec.scheduling.${to}` });
      if (isObj(value)) for (const [k] of leaves(value, `${rRoot}.${field}`)) consumed.set(k, '');
    }
    if (!isCluster && get(values, `replica.${field}`) !== undefined && JSON.stringify(get(values, `replica.${field}`)) !== JSON.stringify(value)) {
      refuse(`replica.${field}`, `replicas are scheduled like the master in redis-gitops (spec.scheduling.${to})`);
    }
  }
  if (isObj(scheduling.nodeSelector) && 'kubernetes.io/arch' in scheduling.nodeSelector) {
    const { 'kubernetes.io/arch': _arch, ...rest } = scheduling.nodeSelector;
    scheduling.nodeSelector = rest;
    if (!Object.keys(rest).length) delete scheduling.nodeSelector;
    notes.push(`${rRoot}.nodeSelector kubernetes.io/arch is not imported: the arch comes from the cluster (spec.cluster)`);
  }
  const pullSecrets = [...((use('global.imagePullSecrets') as unknown[]) ?? []), ...((use('image.pullSecrets') as unknown[]) ?? [])]
    .map((x) => (isObj(x) ? x.name : x))
    .filter((x): x is string => typeof x === 'string' && x !== '');
  if (pullSecrets.length) {
    scheduling.imagePullSecrets = [...new Set(pullSecrets)];
    mapTo('global.imagePullSecrets', 'spec.scheduling.imagePullSecrets');
    mapTo('image.pullSecrets', 'spec.scheduling.imagePullSecrets');
  }
  if (Object.keys(scheduling).length) spec.scheduling = scheduling;

  // Monitoring
  const metrics = use('metrics.enabled');
  const sm = use('metrics.serviceMonitor.enabled');
  const rule = use('metrics.prometheusRule.enabled');
  if (metrics !== undefined || sm !== undefined || rule !== undefined) {
    spec.monitoring = { enabled: metrics !== false, ...(sm !== undefined ? { serviceMonitor: sm === true } : {}), alerts: rule !== false };
    mapTo('metrics.enabled', 'spec.monitoring.enabled');
    mapTo('metrics.serviceMonitor.enabled', 'spec.monitoring.serviceMonitor');
    mapTo('metrics.prometheusRule.enabled', 'spec.monitoring.alerts');
  }
  refuse('metrics.prometheusRule.rules', 'redis-gitops ships its own tested alert set (redis-monitoring chart)');

  // Network policy
  const npEnabled = use('networkPolicy.enabled');
  const allowExternal = use('networkPolicy.allowExternal');
  const nsLabels = use('networkPolicy.ingressNSMatchLabels');
  const podLabels = use('networkPolicy.ingressNSPodMatchLabels');
  if (npEnabled === false) notes.push('networkPolicy was disabled in Bitnami: redis-gitops always isolates Redis; declare clients in spec.network.allowedClients');
  if (allowExternal === true) notes.push('networkPolicy.allowExternal admitted every pod: redis-gitops admits only declared clients; add them to spec.network.allowedClients');
  const clients: Obj[] = [];
  if (isObj(nsLabels) && Object.keys(nsLabels).length) {
    clients.push({ namespaceSelector: nsLabels, ...(isObj(podLabels) && Object.keys(podLabels).length ? { podSelector: podLabels } : {}) });
  }
  if (clients.length) {
    spec.network = { allowedClients: clients };
    mapTo('networkPolicy.ingressNSMatchLabels', 'spec.network.allowedClients[0].namespaceSelector');
    mapTo('networkPolicy.ingressNSPodMatchLabels', 'spec.network.allowedClients[0].podSelector');
  }

  // TLS
  const tlsEnabled = use('tls.enabled');
  const tlsSecret = use('tls.existingSecret') ?? use('tls.certificatesSecret');
  if (tlsEnabled === true) {
    spec.tls = { enabled: true, ...(typeof tlsSecret === 'string' && tlsSecret ? { existingSecret: tlsSecret } : {}) };
    mapTo('tls.enabled', 'spec.tls.enabled');
  }
  refuse('tls.autoGenerated', 'certificates come from an existing Secret (e.g. cert-manager), never generated by the chart');

  // Everything not consumed is reported; a secret's value is never shown.
  for (const [key, value] of leaves(values)) {
    const hit = [...consumed.entries()].find(([k]) => key === k || key.startsWith(`${k}.`));
    if (hit && hit[1] === '') continue;
    unmapped.push({ key, value: show(key, value), reason: hit?.[1] || (SECRET_KEY.test(key) ? 'inline secrets are never imported: reference a Secret instead' : 'no redis-gitops equivalent') });
  }
  return {
    source,
    spec: { apiVersion: 'redis-gitops.dev/v1alpha1', kind: 'RedisEnvironment', metadata: { name: opts.name }, spec },
    unmapped,
    mapped,
    problems,
    notes,
  };
}
