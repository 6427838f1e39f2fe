/**
 * The redis-cluster chart, as rendered by the real helm, turned into loopback "pods".
 *
 * Everything a pod runs comes from the rendered manifests: the ConfigMaps' files (redis.conf, the
 * scripts, the topology), the container command, env, volume mounts, probe periods, preStop hook
 * and grace period from the StatefulSet, and the hook Jobs' command and env (bootstrap:
 * post-install/post-upgrade; scale-in: pre-upgrade, with its own hook ConfigMap). The harness only
 * supplies what Kubernetes would:
 *   - downward API (status.podIP, metadata.name, metadata.namespace) and the Secret (password);
 *   - volumes, from the pod spec's `volumes`: a ConfigMap volume is a sandbox dir holding the
 *     rendered ConfigMap's files (rewritten when an upgrade is applied, as kubelet eventually
 *     does), an emptyDir is a dir per pod or Job, and the `data` volume is the pod's data dir (its
 *     PersistentVolume). Scripts locate their volumes through lib.sh's path defaults
 *     (DATA_DIR=/data ...), so every such default under a mount is redirected to the mount's dir.
 *     redis.conf is used verbatim: it must name no path (start-node.sh writes every path);
 *   - the network: BIND_ADDRESS/BIND_SOURCE_ADDR (one loopback IP per pod) and RESOLVE_CMD
 *     (headless-service DNS is the sandbox's name -> IP map);
 *   - kubelet: the readiness probe runs every periodSeconds (it also refreshes peers.map), and a
 *     pod deletion runs the preStop hook, SIGTERM, and SIGKILL after the grace period;
 *   - the StatefulSet controller and helm: see operations.ts (upgrade order, scaling, rolling
 *     restart).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { confPathLines, containerCommand, containerEnv, containerOf, emptyDirIn, envValue, redisEngine, renderChart, sandboxMounts, terminatePod, waitFor } from '@redis-gitops/redis-testkit';
import type { ContainerSpec, Env, ExecResult, Job, Mount, PeriodicProbe, Pod, Sandbox, TerminateReport, VolumeStandIns } from '@redis-gitops/redis-testkit';

/** The chart under test; REDIS_CLUSTER_CHART_DIR points the behaviour tests at another copy (e.g. to try a script patch). */
export const CHART_DIR = process.env.REDIS_CLUSTER_CHART_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The password the harness puts in the auth Secret (key redis-password: the default user's), and logs in with. */
export const TEST_PASSWORD = 'behaviour-test-password';

/**
 * The value the harness puts in Secret `name`, key `key`: TEST_PASSWORD for the default user's key,
 * a password of its own for every other key (auth.acl's system and application users), so a
 * container that reads the wrong key cannot log in.
 */
export function secretValue(name: string, key: string): string {
  return key === 'redis-password' ? TEST_PASSWORD : `pw-${name}-${key}`;
}

type Obj = Record<string, any>;

export interface RenderOptions {
  /** @default 'rc' */
  readonly release?: string;
  /** @default 'redis' */
  readonly namespace?: string;
  /** `--values` files, applied before `set` (e.g. an environment's generated values). */
  readonly values?: readonly string[];
  /** `--set` arguments, e.g. ['cluster.slots={0-5000,5001-10000,10001-16383}']. */
  readonly set?: readonly string[];
}

/** One `helm template` of the chart: what an install or upgrade would apply. */
export class Revision {
  readonly options: RenderOptions;
  readonly objects: readonly Obj[];
  readonly fullname: string;
  readonly headless: string;
  readonly podCount: number;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly redis: ContainerSpec;
  readonly gracePeriodMs: number;
  /** persistentVolumeClaimRetentionPolicy.whenScaled (Retain keeps a removed pod's volume for a later scale-out). */
  readonly whenScaled: string;
  /** Hook Jobs by script: 'bootstrap.sh' (post-install/post-upgrade), 'scale-in.sh' (pre-upgrade). */
  private readonly jobs: ReadonlyMap<string, { readonly job: Obj; readonly container: ContainerSpec; readonly hook: string }>;

  constructor(options: RenderOptions, objects: Obj[]) {
    this.options = options;
    this.objects = objects;
    const sts = this.find('StatefulSet', '');
    this.fullname = String(sts.metadata.name);
    this.headless = String(sts.spec.serviceName);
    this.podCount = Number(sts.spec.replicas);
    this.redis = containerOf(sts, 'redis');
    this.gracePeriodMs = Number(sts.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    this.whenScaled = String(sts.spec.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain');
    const topology = this.configMap(this.redis.volumes.get('topology')?.configMap?.name ?? '(no topology volume)');
    this.shards = Number(topology.data.shards);
    this.replicasPerShard = Number(topology.data['replicas-per-shard']);
    if (this.shards * (1 + this.replicasPerShard) !== this.podCount) {
      throw new Error(`StatefulSet replicas ${this.podCount} != shards ${this.shards} x (1 + replicas-per-shard ${this.replicasPerShard}) of the topology ConfigMap`);
    }
    const jobs = new Map<string, { job: Obj; container: ContainerSpec; hook: string }>();
    for (const job of objects.filter((o) => o.kind === 'Job')) {
      const c = containerOf(job, String(job.spec.template.spec.containers[0].name));
      jobs.set(path.basename(String(c.command[0])), { job, container: c, hook: String(job.metadata.annotations?.['helm.sh/hook'] ?? '') });
    }
    this.jobs = jobs;
  }

  find(kind: string, suffix: string): Obj {
    const o = this.objects.find((x) => x.kind === kind && String(x.metadata?.name).endsWith(suffix));
    if (!o) throw new Error(`the rendered chart has no ${kind} named *${suffix} (objects: ${this.objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')})`);
    return o;
  }

  configMap(name: string): Obj {
    const o = this.objects.find((x) => x.kind === 'ConfigMap' && x.metadata?.name === name);
    if (!o) throw new Error(`the rendered chart has no ConfigMap ${name}`);
    return o;
  }

  /** The hook Job that runs `script`, e.g. 'bootstrap.sh'. */
  job(script: string): { readonly job: Obj; readonly container: ContainerSpec; readonly hook: string } {
    const j = this.jobs.get(script);
    if (!j) throw new Error(`the rendered chart has no Job running ${script} (Jobs: ${[...this.jobs.keys()].join(', ')})`);
    return j;
  }

  /** A literal env value of a hook Job's container (e.g. SLOTS of the bootstrap Job). */
  jobEnv(script: string, name: string): string | undefined {
    return envValue(this.job(script).container, name);
  }
}

export class RedisClusterChart {
  readonly sandbox: Sandbox;
  readonly release: string;
  readonly namespace: string;
  private rev: Revision;
  private readonly byOrdinal: Pod[] = [];
  private readonly probes = new Map<Pod, PeriodicProbe>();
  private jobCount = 0;

  private constructor(sandbox: Sandbox, rev: Revision) {
    this.sandbox = sandbox;
    this.rev = rev;
    this.release = rev.options.release ?? 'rc';
    this.namespace = rev.options.namespace ?? 'redis';
    this.materializeConfigMaps(rev, (cm) => !cm.metadata?.annotations?.['helm.sh/hook']);
  }

  /** Renders the chart with the real helm (an install: its ConfigMaps are written at once). */
  static async render(sandbox: Sandbox, options: RenderOptions = {}): Promise<RedisClusterChart> {
    return new RedisClusterChart(sandbox, await renderRevision(options));
  }

  /** The applied revision. */
  get current(): Revision {
    return this.rev;
  }
  get fullname(): string {
    return this.rev.fullname;
  }
  get headless(): string {
    return this.rev.headless;
  }
  get shards(): number {
    return this.rev.shards;
  }
  get replicasPerShard(): number {
    return this.rev.replicasPerShard;
  }
  get podCount(): number {
    return this.rev.podCount;
  }
  /** redis.conf of the config ConfigMap, as rendered. */
  get redisConf(): string {
    return String(this.rev.find('ConfigMap', '-config').data['redis.conf']);
  }

  /** `helm template` with other values (an upgrade); nothing is applied until apply(). */
  renderRevision(set: readonly string[]): Promise<Revision> {
    return renderRevision({ ...this.rev.options, set });
  }

  /**
   * Applies a revision's ConfigMaps (as the API server does at `helm upgrade`, and kubelet then
   * refreshes the mounted files). The pods are the caller's business (see operations.ts): the
   * pod template must be unchanged, since a changed one would roll every pod.
   */
  apply(rev: Revision): void {
    const tpl = (r: Revision) => JSON.stringify(r.find('StatefulSet', '').spec.template);
    if (tpl(rev) !== tpl(this.rev)) throw new Error('the new revision changes the pod template: the StatefulSet would roll every pod, which apply() does not simulate');
    this.materializeConfigMaps(rev, (cm) => !cm.metadata?.annotations?.['helm.sh/hook']);
    this.rev = rev;
  }

  /**
   * Applies a revision whose pod template changed (a new env, e.g. other Secret keys): its
   * ConfigMaps are written and the pods start from it from now on. The StatefulSet would roll every
   * pod; the caller rolls them (operations.ts rollingRestart, or one pod at a time).
   */
  applyTemplateChange(rev: Revision): void {
    this.materializeConfigMaps(rev, (cm) => !cm.metadata?.annotations?.['helm.sh/hook']);
    this.rev = rev;
  }

  podName(i: number): string {
    return `${this.rev.fullname}-${i}`;
  }

  /** The headless-service name scripts resolve: <pod>.<headless>. */
  stableName(podName: string): string {
    return `${podName}.${this.rev.headless}`;
  }

  /** The StatefulSet's pods (ordinals 0..replicas-1), created when missing; a pod removed by a scale-in comes back with its data dir. */
  async createPods(): Promise<Pod[]> {
    for (let i = this.byOrdinal.length; i < this.rev.podCount; i++) {
      const name = this.podName(i);
      this.byOrdinal.push(await this.sandbox.createPod(name, { hostnames: [this.stableName(name)] }));
    }
    return this.pods;
  }

  /** The pods of the applied revision, by ordinal. */
  get pods(): Pod[] {
    return this.byOrdinal.slice(0, this.rev.podCount);
  }

  /** Every pod ever created (scaled-in ones too), by ordinal. */
  get allPods(): Pod[] {
    return [...this.byOrdinal];
  }

  /** Sandbox dir of a ConfigMap volume. */
  configMapDir(name: string): string {
    return path.join(this.sandbox.root, 'configmaps', name);
  }

  private materializeConfigMaps(rev: Revision, which: (cm: Obj) => boolean): void {
    for (const cm of rev.objects.filter((o) => o.kind === 'ConfigMap' && which(o))) {
      const name = String(cm.metadata.name);
      const dir = this.configMapDir(name);
      mkdirSync(dir, { recursive: true });
      const data = (cm.data ?? {}) as Record<string, string>;
      if (data['redis.conf'] !== undefined) assertNoPaths(name, data['redis.conf']);
      for (const [key, text] of Object.entries(data)) {
        const file = path.join(dir, key);
        // Write + rename, like kubelet's atomic swap: a script being run keeps its old inode.
        writeFileSync(`${file}.tmp`, text);
        chmodSync(`${file}.tmp`, key.endsWith('.sh') ? 0o555 : 0o444);
        renameSync(`${file}.tmp`, file);
      }
      for (const f of readdirSync(dir)) if (!(f in data)) unlinkSync(path.join(dir, f));
    }
  }

  /**
   * The volumes of a pod (or of a Job, without one): `data` is the pod's data dir (its
   * PersistentVolume), a ConfigMap volume the dir materializeConfigMaps wrote, an emptyDir a dir
   * under `emptyDirBase` (the pod's or the Job's dir).
   */
  volumeStandIns(pod: Pod | undefined, emptyDirBase: string): VolumeStandIns {
    return {
      named: (volume) => {
        if (volume !== 'data') return undefined;
        if (!pod) throw new Error('only pods have a data volume');
        return pod.dataDir;
      },
      configMap: (name, volume) => {
        const dir = this.configMapDir(name);
        if (!existsSync(dir)) throw new Error(`ConfigMap ${name} (volume ${volume}) does not exist (yet): a hook ConfigMap must be created before its Job`);
        return dir;
      },
      emptyDir: emptyDirIn(emptyDirBase),
      harness: fileURLToPath(import.meta.url),
    };
  }

  /** mountPath -> sandbox dir, longest path first. */
  private mounts(c: ContainerSpec, pod: Pod | undefined, jobDir?: string): Mount[] {
    return sandboxMounts(c, this.volumeStandIns(pod, pod ? pod.dir : jobDir!));
  }

  /** The environment a container gets, with in-container paths mapped to sandbox dirs (lib.sh's path defaults included). */
  private containerEnv(c: ContainerSpec, pod: Pod | undefined, podName: string, ip: string, mounts: readonly Mount[]): Record<string, string> {
    const env = containerEnv(c, {
      mounts,
      pod: { ip, name: podName, namespace: this.namespace },
      secret: (ref) => secretValue(ref.name, ref.key),
      mountedScripts: ['lib.sh'],
      logDir: pod?.dir ?? this.sandbox.root,
      resolver: this.sandbox.resolver,
    });
    if (pod) {
      env.BIND_ADDRESS = ip;
      env.BIND_SOURCE_ADDR = ip;
    }
    return env;
  }

  /** The env of the redis container of `pod` at its current IP (what start-node.sh and the probes get). */
  nodeEnv(pod: Pod): Env {
    const env = this.containerEnv(this.rev.redis, pod, pod.name, pod.ip, this.mounts(this.rev.redis, pod));
    if (!env.DATA_DIR?.startsWith(this.sandbox.root))
      throw new Error(`DATA_DIR of ${pod.name} is ${env.DATA_DIR ?? 'unset'}, not the pod's data dir: lib.sh's path defaults no longer match the harness`);
    if (!env.TOPOLOGY_DIR?.startsWith(this.sandbox.root))
      throw new Error(`TOPOLOGY_DIR of ${pod.name} is ${env.TOPOLOGY_DIR ?? 'unset'}: the topology ConfigMap is not mounted where lib.sh looks for it`);
    return env;
  }

  /**
   * Starts the pod's container command (start-node.sh) with the rendered env; resolves once redis
   * listens (or at once with waitUntil 'spawned': a start script that holds never listens). A pod
   * that ran before (a pod recreated by the StatefulSet) gets a new IP, like a new pod object, or
   * `newIp` (false: a container restart in the same pod keeps its IP); its data dir (the
   * PersistentVolume) is kept. `dnsDelayMs`: its stable name resolves only that long after start.
   */
  async startNode(pod: Pod, options: { startTimeoutMs?: number; waitUntil?: 'listening' | 'spawned'; dnsDelayMs?: number; newIp?: boolean | string } = {}): Promise<void> {
    const command = containerCommand(this.rev.redis.command, this.mounts(this.rev.redis, pod), 'redis container');
    const start = {
      kind: 'command' as const,
      command,
      env: (p: Pod) => this.nodeEnv(p),
      password: TEST_PASSWORD,
      startTimeoutMs: options.startTimeoutMs ?? 60_000,
      waitUntil: options.waitUntil ?? 'listening',
    };
    if (pod.starts > 0) await pod.restart({ newIp: options.newIp ?? true, start, dnsDelayMs: options.dnsDelayMs ?? 0 });
    else await pod.start({ ...start, dnsDelayMs: options.dnsDelayMs ?? 0 });
    this.ensureReadinessProbe(pod);
  }

  /** Runs one of the chart's scripts against a pod with the container's env (e.g. readiness.sh). */
  runScript(pod: Pod, script: string, timeoutMs = 15_000, abort?: AbortSignal): Promise<ExecResult> {
    const mounts = this.mounts(this.rev.redis, pod);
    return this.sandbox.exec(containerCommand([`/scripts/${script}`], mounts, script), { env: this.nodeEnv(pod), cwd: pod.dir, timeoutMs, abort });
  }

  /** kubelet: the rendered readinessProbe, every periodSeconds, with its timeoutSeconds. */
  private ensureReadinessProbe(pod: Pod): void {
    if (this.probes.has(pod)) return;
    const p = this.rev.redis.readinessProbe;
    if (!p?.exec?.command) throw new Error('the redis container has no exec readinessProbe');
    const command = containerCommand(p.exec.command as string[], this.mounts(this.rev.redis, pod), 'readinessProbe');
    this.probes.set(
      pod,
      this.sandbox.startProbe(pod, { name: 'readiness', command, env: (x) => this.nodeEnv(x), periodMs: Number(p.periodSeconds ?? 10) * 1000, timeoutMs: Number(p.timeoutSeconds ?? 1) * 1000 }),
    );
  }

  readiness(pod: Pod): PeriodicProbe | undefined {
    return this.probes.get(pod);
  }

  /** Waits until the pod's readiness probe (run by the harness's kubelet) passes in a run that started after `since`. */
  async waitReady(pod: Pod, since: number, timeoutMs = 120_000): Promise<number> {
    const probe = this.probes.get(pod);
    if (!probe) throw new Error(`${pod.name} has no readiness probe (not started through startNode)`);
    const r = await waitFor(
      `the readiness probe of ${pod.name} to pass`,
      () => {
        const ok = probe.results.find((x) => x.ok && x.at > since);
        const last = probe.last();
        return { done: ok !== undefined, state: last ? `${last.ok ? 'ready' : 'not ready'}: ${last.output}` : '(no probe run yet)' };
      },
      { timeoutMs, intervalMs: 200, context: () => pod.describe(20) },
    );
    return r.elapsedMs;
  }

  /**
   * kubelet deleting the pod: the rendered preStop hook (prestop.sh with the container's env),
   * SIGTERM, SIGKILL after terminationGracePeriodSeconds. The data dir stays.
   */
  deletePod(pod: Pod): Promise<TerminateReport> {
    const cmd = this.rev.redis.lifecycle?.preStop?.exec?.command as string[] | undefined;
    if (!cmd) throw new Error('the redis container has no exec preStop hook');
    return terminatePod(pod, {
      gracePeriodMs: this.rev.gracePeriodMs,
      preStop: async (signal) => {
        const mounts = this.mounts(this.rev.redis, pod);
        const r = await this.sandbox.exec(containerCommand(cmd, mounts, 'preStop hook'), { env: this.nodeEnv(pod), cwd: pod.dir, timeoutMs: this.rev.gracePeriodMs, abort: signal });
        pod.log.mark(`preStop hook exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-3).join(' | ')}`);
        if (r.code !== 0) throw new Error(`preStop exited ${r.code}`);
      },
    });
  }

  /** The bootstrap Job (post-install/post-upgrade hook) of the applied revision. */
  startBootstrap(name = 'bootstrap'): Job {
    return this.startHookJob(this.rev, 'bootstrap.sh', name);
  }

  /** The scale-in Job (pre-upgrade hook) of `rev`, which is not applied yet: helm runs it first. */
  startScaleIn(rev: Revision, name = 'scale-in'): Job {
    return this.startHookJob(rev, 'scale-in.sh', name);
  }

  /** A hook Job of `rev`, with the hook ConfigMaps of the same phase created first (as helm does, by hook weight). */
  private startHookJob(rev: Revision, script: string, name: string): Job {
    const { container, hook } = rev.job(script);
    this.materializeConfigMaps(rev, (cm) => cm.metadata?.annotations?.['helm.sh/hook'] === hook);
    this.jobCount += 1;
    const jobDir = path.join(this.sandbox.root, 'jobs', `${this.jobCount}-${name}`);
    mkdirSync(jobDir, { recursive: true });
    const mounts = this.mounts(container, undefined, jobDir);
    const env = this.containerEnv(container, undefined, `${rev.fullname}-${name}`, '127.0.0.1', mounts);
    return this.sandbox.startJob(name, containerCommand(container.command, mounts, `${script} container`), { env, cwd: jobDir });
  }

  /** Env value of the bootstrap container (e.g. SLOTS), as rendered. */
  bootstrapEnv(name: string): string | undefined {
    return this.rev.jobEnv('bootstrap.sh', name);
  }

  /** Deletes a pod's PersistentVolume (whenScaled: Delete, or a lost volume): its data dir is emptied. */
  static wipeVolume(pod: Pod): void {
    rmSync(pod.dataDir, { recursive: true, force: true });
    mkdirSync(pod.dataDir);
  }
}

async function renderRevision(options: RenderOptions): Promise<Revision> {
  // The chart runs the engine this test run runs (REDIS_TESTKIT_ENGINE); a test's own engine= wins.
  const set = [`engine=${redisEngine()}`, ...(options.set ?? [])];
  const rendered = await renderChart(CHART_DIR, { release: options.release ?? 'rc', namespace: options.namespace ?? 'redis', values: options.values, set });
  return new Revision(
    options,
    rendered.map((o) => o.object as Obj),
  );
}

/** redis.conf runs unmodified here, so it must not depend on the pod's filesystem: start-node.sh writes every path. */
function assertNoPaths(configMap: string, conf: string): void {
  const bad = confPathLines(conf);
  if (bad.length > 0)
    throw new Error(
      `redis.conf of ConfigMap ${configMap} names a path (${bad.map((l) => l.trim()).join('; ')}): start-node.sh must write every path (dir, cluster-config-file, TLS files) from its environment`,
    );
}

/** Reads a pod's nodes.conf (for failure messages and assertions). */
export function nodesConf(pod: Pod): string {
  try {
    return readFileSync(path.join(pod.dataDir, 'nodes.conf'), 'utf8');
  } catch {
    return '(no nodes.conf)';
  }
}
