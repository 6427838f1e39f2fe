/**
 * The redis-sentinel chart, as rendered by the real helm, turned into loopback "pods".
 *
 * Everything a pod runs comes from the rendered manifests: redis.conf and sentinel.conf from the
 * config ConfigMap, the scripts from the scripts ConfigMap, the container commands, env, volume
 * mounts and probes from the two StatefulSets. The harness only supplies what Kubernetes would:
 *   - downward API (status.podIP, metadata.name, metadata.namespace) and the Secrets: every
 *     secretKeyRef gets a password derived from its Secret name and key, so a chart that used the
 *     Redis password where the Sentinel password belongs (or the other way round) fails here;
 *   - volumes: each volumeMount path maps to a sandbox dir (data -> the pod's data dir, the
 *     ConfigMaps -> files written here); lib.sh's path defaults (DATA_DIR=/data ...) under a mount
 *     are redirected to the mount's sandbox dir, and so are paths inside the configs;
 *   - the network: BIND_ADDRESS/BIND_SOURCE_ADDR (one loopback IP per pod) and RESOLVE_CMD
 *     (headless-service DNS is the sandbox's name -> IP map);
 *   - the backup PVC: one sandbox dir (`backupDir`) shared by the backup CronJob's runs and the
 *     Redis pods' `restore` init container, the way a backup volume outlives pods and releases.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  containerCommand,
  containerEnv,
  containerNames,
  containerOf,
  containerProcess,
  emptyDirIn,
  envValue,
  mapConfPaths,
  redisEngine,
  renderChart,
  sandboxMounts,
  secretRefOf,
  terminatePod,
} from '@redis-gitops/redis-testkit';
import type { ContainerProcess, ContainerSpec, Env, ExecResult, Job, JobResult, Mount, PeriodicProbe, Pod, Sandbox, SecretKeyRef, TerminateReport } from '@redis-gitops/redis-testkit';

/** The chart under test; REDIS_SENTINEL_CHART_DIR points the harness at another copy (e.g. the previous scripts, to show a test fails there). */
export const CHART_DIR = process.env.REDIS_SENTINEL_CHART_DIR ? path.resolve(process.env.REDIS_SENTINEL_CHART_DIR) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Obj = Record<string, any>;

export interface RenderOptions {
  /** @default 'rs' */
  readonly release?: string;
  /** @default 'redis' */
  readonly namespace?: string;
  /** `--set` arguments. */
  readonly set?: readonly string[];
  /**
   * kubelet: run each Redis pod's rendered readinessProbe every periodSeconds while it runs. The
   * probe records the replication state on the volume (replication.state), which the start
   * scripts rely on after the Sentinels lost their state. @default false
   */
  readonly kubelet?: boolean;
}

/** Volumes the harness can provide, by the name the StatefulSets (and the backup CronJob) give them. */
const KNOWN_VOLUMES = ['data', 'tmp', 'runtime', 'config', 'scripts', 'tls', 'backup', 'backup-download'];

/** The password the harness puts in Secret `name`, key `key`. */
export function secretValue(name: string, key: string): string {
  return `pw-${name}-${key}`;
}

const secretStandIn = (ref: SecretKeyRef): string => secretValue(ref.name, ref.key);

/** The harness's password for the Secret key an env variable of `c` reads. */
function secretOf(c: ContainerSpec, env: string): string | undefined {
  const ref = secretRefOf(c, env);
  return ref ? secretStandIn(ref) : undefined;
}

export class RedisSentinelChart {
  readonly sandbox: Sandbox;
  readonly namespace: string;
  /** The Redis StatefulSet's name: pods are `${redisSts}-<i>`. */
  readonly redisSts: string;
  readonly sentinelSts: string;
  readonly redisNodes: number;
  readonly sentinelCount: number;
  readonly masterSet: string;
  readonly quorum: number;
  readonly sentinelPort: number;
  /** How the harness logs in to the Redis pods: as the scripts do (REDIS_USER, the operator under auth.acl). */
  readonly redisPassword: string | undefined;
  readonly redisUser: string | undefined;
  readonly sentinelPassword: string | undefined;
  /** Stable-name suffixes (HEADLESS_SERVICE / SENTINEL_HEADLESS_SERVICE as rendered). */
  readonly redisDomain: string;
  readonly sentinelDomain: string;
  readonly redisConf: string;
  readonly sentinelConf: string;
  /** users.acl of the config ConfigMap (auth.acl: the users' rules, without passwords). */
  readonly usersAcl: string;
  readonly scripts: Readonly<Record<string, string>>;
  readonly scriptsDir: string;
  readonly redis: ContainerSpec;
  readonly sentinel: ContainerSpec;
  /** The backup CronJob's container (backup.enabled), and the Redis pods' restore init container (restore.fromSet). */
  readonly backup: ContainerSpec | undefined;
  readonly restore: ContainerSpec | undefined;
  /** The backup Job's `upload` container (backup.remote.enabled), and the Redis pods' `fetch` init container (restore.source remote). */
  readonly upload: ContainerSpec | undefined;
  readonly fetch: ContainerSpec | undefined;
  /** The Redis pods' init containers, in order. */
  readonly redisInitContainers: readonly string[];
  /** Every rendered object. */
  readonly objects: readonly Obj[];
  /** Per-pod env overrides a test applies on top of the rendered env (e.g. a shorter wait). */
  private readonly overrides = new Map<Pod, Env>();
  /** The TLS Secret's files (tls.crt, tls.key, ca.crt), shared by every pod like the Secret. */
  tlsDir: string | undefined;
  /** The backup volume's dir (the backup PVC), shared by backup runs and restores. */
  backupDir: string | undefined;
  private backupRuns = 0;
  /** Run the Redis readiness probe periodically (RenderOptions.kubelet). */
  kubelet = false;
  private readonly probes = new Map<Pod, PeriodicProbe>();

  private constructor(sandbox: Sandbox, namespace: string, objects: Obj[]) {
    this.sandbox = sandbox;
    this.namespace = namespace;
    const find = (kind: string, suffix: string): Obj => {
      const o = objects.find((x) => x.kind === kind && String(x.metadata?.name).endsWith(suffix));
      if (!o) throw new Error(`the rendered chart has no ${kind} named *${suffix} (objects: ${objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')})`);
      return o;
    };
    const redisSts = find('StatefulSet', '-node');
    const sentinelSts = find('StatefulSet', '-sentinel');
    this.redisSts = String(redisSts.metadata.name);
    this.sentinelSts = String(sentinelSts.metadata.name);
    this.redisNodes = Number(redisSts.spec.replicas);
    this.sentinelCount = Number(sentinelSts.spec.replicas);
    const config = find('ConfigMap', '-config');
    const scripts = find('ConfigMap', '-scripts');
    this.redisConf = String(config.data['redis.conf']);
    this.sentinelConf = String(config.data['sentinel.conf']);
    this.usersAcl = String(config.data['users.acl'] ?? '');
    this.scripts = scripts.data as Record<string, string>;
    this.redis = containerOf(redisSts, 'redis');
    this.sentinel = containerOf(sentinelSts, 'sentinel');
    this.objects = objects;
    const cron = objects.find((x) => x.kind === 'CronJob' && String(x.metadata?.name).endsWith('-backup'));
    this.backup = cron ? containerOf(cron, 'backup') : undefined;
    this.restore = containerNames(redisSts, true).includes('restore') ? containerOf(redisSts, 'restore') : undefined;
    this.upload = cron && containerNames(cron).includes('upload') ? containerOf(cron, 'upload') : undefined;
    this.redisInitContainers = containerNames(redisSts, true);
    this.fetch = this.redisInitContainers.includes('fetch') ? containerOf(redisSts, 'fetch') : undefined;
    const literal = (c: ContainerSpec, name: string): string => {
      const v = envValue(c, name);
      if (v === undefined) throw new Error(`the ${c.name} container has no literal env ${name}`);
      return v;
    };
    // Both sides must agree on the whole contract; the harness checks it once here.
    for (const name of [
      'HEADLESS_SERVICE',
      'REDIS_STATEFULSET',
      'REDIS_NODES',
      'SENTINEL_HEADLESS_SERVICE',
      'SENTINEL_STATEFULSET',
      'SENTINEL_COUNT',
      'SENTINEL_PORT',
      'MASTER_SET',
      'QUORUM',
      'DOWN_AFTER_MS',
    ]) {
      if (literal(this.redis, name) !== literal(this.sentinel, name)) throw new Error(`env ${name} differs between the redis and sentinel containers`);
    }
    if (literal(this.redis, 'REDIS_STATEFULSET') !== this.redisSts) throw new Error('REDIS_STATEFULSET is not the Redis StatefulSet name');
    if (literal(this.redis, 'SENTINEL_STATEFULSET') !== this.sentinelSts) throw new Error('SENTINEL_STATEFULSET is not the Sentinel StatefulSet name');
    if (Number(literal(this.redis, 'REDIS_NODES')) !== this.redisNodes) throw new Error('REDIS_NODES != Redis StatefulSet replicas');
    if (Number(literal(this.redis, 'SENTINEL_COUNT')) !== this.sentinelCount) throw new Error('SENTINEL_COUNT != Sentinel StatefulSet replicas');
    this.redisDomain = literal(this.redis, 'HEADLESS_SERVICE');
    this.sentinelDomain = literal(this.redis, 'SENTINEL_HEADLESS_SERVICE');
    this.masterSet = literal(this.redis, 'MASTER_SET');
    this.quorum = Number(literal(this.redis, 'QUORUM'));
    this.sentinelPort = Number(literal(this.sentinel, 'SENTINEL_PORT'));
    this.redisPassword = secretOf(this.redis, 'REDIS_PASSWORD');
    this.redisUser = envValue(this.redis, 'REDIS_USER');
    this.sentinelPassword = secretOf(this.sentinel, 'SENTINEL_PASSWORD');
    if (this.redisUser === undefined) {
      if (secretOf(this.sentinel, 'REDIS_PASSWORD') !== this.redisPassword) throw new Error('the Sentinels get another Redis password than the Redis pods');
    } else {
      // auth.acl: each side logs in as its own user, with the first password the Redis pods accept for it.
      const sentinelUser = envValue(this.sentinel, 'REDIS_USER');
      if (sentinelUser !== 'sentinel') throw new Error(`the Sentinels log in to Redis as "${sentinelUser}", not as the sentinel user`);
      if (secretOf(this.sentinel, 'REDIS_PASSWORD') !== secretOf(this.redis, 'ACL_PASSWORD_SENTINEL_0'))
        throw new Error('the Sentinels log in with another password than the Redis pods accept first for the sentinel user');
      if (this.redisPassword !== secretOf(this.redis, `ACL_PASSWORD_${this.redisUser.toUpperCase()}_0`))
        throw new Error(`the Redis pods' scripts log in as ${this.redisUser} with a password Redis does not accept first`);
    }
    if (secretOf(this.redis, 'SENTINEL_PASSWORD') !== this.sentinelPassword) throw new Error('the Redis pods get another Sentinel password than the Sentinels');
    // The scripts volume: every script, mode 0555 like the ConfigMap's defaultMode.
    this.scriptsDir = path.join(sandbox.root, 'chart-scripts');
    mkdirSync(this.scriptsDir, { recursive: true });
    for (const [name, text] of Object.entries(this.scripts)) {
      const file = path.join(this.scriptsDir, name);
      writeFileSync(file, text);
      chmodSync(file, 0o555);
    }
  }

  /** Renders the chart with the real helm and parses every object. */
  static async render(sandbox: Sandbox, options: RenderOptions = {}): Promise<RedisSentinelChart> {
    const namespace = options.namespace ?? 'redis';
    // The chart runs the engine this test run runs (REDIS_TESTKIT_ENGINE); a test's own engine= wins.
    const objects = await renderChart(CHART_DIR, { release: options.release ?? 'rs', namespace, set: [`engine=${redisEngine()}`, ...(options.set ?? [])] });
    const chart = new RedisSentinelChart(
      sandbox,
      namespace,
      objects.map((o) => o.object as Obj),
    );
    chart.kubelet = options.kubelet ?? false;
    return chart;
  }

  redisPodName(i: number): string {
    return `${this.redisSts}-${i}`;
  }
  sentinelPodName(i: number): string {
    return `${this.sentinelSts}-${i}`;
  }
  /** The stable name the scripts resolve and announce: <pod>.<headless>.<ns>.svc. */
  stableName(pod: Pod | string): string {
    const name = typeof pod === 'string' ? pod : pod.name;
    return name.startsWith(`${this.sentinelSts}-`) ? `${name}.${this.sentinelDomain}` : `${name}.${this.redisDomain}`;
  }

  /** One sandbox pod per StatefulSet replica of each StatefulSet, named like the real pods. */
  async createPods(): Promise<{ redis: Pod[]; sentinels: Pod[] }> {
    const redis: Pod[] = [];
    const sentinels: Pod[] = [];
    for (let i = 0; i < this.redisNodes; i++) {
      const name = this.redisPodName(i);
      redis.push(await this.sandbox.createPod(name, { hostnames: [this.stableName(name)] }));
    }
    for (let i = 0; i < this.sentinelCount; i++) {
      const name = this.sentinelPodName(i);
      sentinels.push(await this.sandbox.createPod(name, { hostnames: [this.stableName(name)] }));
    }
    return { redis, sentinels };
  }

  isSentinel(pod: Pod): boolean {
    return pod.name.startsWith(`${this.sentinelSts}-`);
  }

  /** Extra env for one pod on top of the rendered env (test-only knobs, e.g. MASTER_WAIT_SECONDS). */
  override(pod: Pod, env: Env): void {
    this.overrides.set(pod, { ...(this.overrides.get(pod) ?? {}), ...env });
  }

  /**
   * A pod deleted without its preStop (its node died, or every pod was deleted at once): SIGKILL,
   * its emptyDirs (runtime, tmp) gone, the next start on a new IP; the data volume stays.
   */
  async deletePodHard(pod: Pod): Promise<void> {
    await pod.kill();
    for (const v of ['runtime', 'tmp']) {
      const dir = this.volumeDir(pod, v);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    pod.moveTo(await this.sandbox.allocateIp());
  }

  /**
   * One pod replaced by the StatefulSet controller in a rolling update to `next` (another render of
   * the chart: the new pod template): the preStop hook (when the container has one) and SIGTERM as
   * this revision renders them, SIGKILL after the grace period, the pod's emptyDirs gone, a new IP,
   * then started from `next`'s container; the data volume stays. The caller waits for readiness.
   */
  async rollPod(pod: Pod, next: RedisSentinelChart): Promise<TerminateReport> {
    const sts = this.objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === (this.isSentinel(pod) ? this.sentinelSts : this.redisSts))!;
    const grace = Number(sts.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    const hasPreStop = (this.container(pod).preStop ?? []).length > 0;
    const report = await terminatePod(pod, {
      gracePeriodMs: grace,
      ...(hasPreStop
        ? {
            preStop: async () => {
              const r = await this.runHook(pod, 'preStop', grace);
              if (r.code !== 0) throw new Error(`preStop of ${pod.name} exited ${r.code}: ${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-3).join(' | ')}`);
            },
          }
        : {}),
    });
    for (const v of ['runtime', 'tmp']) {
      const dir = this.volumeDir(pod, v);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    pod.moveTo(await this.sandbox.allocateIp());
    await next.start(pod);
    return report;
  }

  /** Sandbox dir of a volume for a pod (the scripts volume is shared, read-only). */
  volumeDir(pod: Pod, volume: string): string {
    if (volume === 'scripts') return this.scriptsDir;
    if (volume === 'data') return pod.dataDir;
    if (volume === 'backup') {
      if (!this.backupDir) throw new Error('the chart mounts the backup PVC: set chart.backupDir to the backup volume dir first');
      return this.backupDir;
    }
    if (volume === 'tls') {
      if (!this.tlsDir) throw new Error('the chart mounts the TLS Secret: set chart.tlsDir to a dir with tls.crt, tls.key and ca.crt first');
      return this.tlsDir;
    }
    if (!KNOWN_VOLUMES.includes(volume)) throw new Error(`volume "${volume}" is mounted by the chart but the behaviour harness has no stand-in for it: add one in ${fileURLToPath(import.meta.url)}`);
    const dir = path.join(pod.dir, 'volumes', volume);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  private container(pod: Pod): ContainerSpec {
    return this.isSentinel(pod) ? this.sentinel : this.redis;
  }

  /** mountPath -> sandbox dir, longest path first. */
  private mounts(pod: Pod): Mount[] {
    return sandboxMounts(this.container(pod), { named: (volume) => this.volumeDir(pod, volume), harness: fileURLToPath(import.meta.url) });
  }

  /** The env of the pod's container at its current IP, in-container paths mapped to sandbox dirs. */
  env(pod: Pod): Env {
    const c = this.container(pod);
    const mounts = this.mounts(pod);
    const confDir = this.volumeDir(pod, 'config');
    // Every probe and script run asks for the env while redis-server may be reading its include:
    // replace the file whole, and only when it changed (a truncated include lost its TLS lines once).
    writeConfigFile(path.join(confDir, 'redis.conf'), mapConfPaths(this.redisConf, mounts));
    writeConfigFile(path.join(confDir, 'sentinel.conf'), mapConfPaths(this.sentinelConf, mounts));
    writeConfigFile(path.join(confDir, 'users.acl'), this.usersAcl);
    const env = containerEnv(c, {
      mounts,
      pod: { ip: pod.ip, name: pod.name, namespace: this.namespace },
      secret: secretStandIn,
      scripts: [this.scripts['lib.sh']],
      logDir: pod.dir,
      resolver: this.sandbox.resolver,
    });
    env.BIND_ADDRESS = pod.ip;
    if (!this.isSentinel(pod)) env.BIND_SOURCE_ADDR = pod.ip;
    if (!this.isSentinel(pod) && !env.DATA_DIR?.startsWith(this.sandbox.root)) throw new Error(`DATA_DIR of ${pod.name} is ${env.DATA_DIR ?? 'unset'}, not the pod's data dir`);
    return { ...env, ...(this.overrides.get(pod) ?? {}) };
  }

  /**
   * Starts the pod's container command (start-redis.sh or start-sentinel.sh) with the rendered
   * env; resolves once the server listens. Start every pod of a fresh install together: the Redis
   * pods wait for the Sentinels to answer.
   */
  async start(pod: Pod, options: { startTimeoutMs?: number; waitUntil?: 'listening' | 'spawned'; dnsDelayMs?: number } = {}): Promise<void> {
    const c = this.container(pod);
    const port = this.isSentinel(pod) ? this.sentinelPort : Number(c.ports.find((p) => p.name === 'redis')?.containerPort ?? 6379);
    await pod.start({
      kind: 'command',
      command: containerCommand(c.command, this.mounts(pod), `${c.name} container`),
      env: (p) => this.env(p),
      password: this.isSentinel(pod) ? this.sentinelPassword : this.redisPassword,
      ...(this.isSentinel(pod) || !this.redisUser ? {} : { user: this.redisUser }),
      port,
      startTimeoutMs: options.startTimeoutMs ?? 120_000,
      // The testkit's RESP client speaks plain TCP: with TLS, wait through the chart's own probes instead.
      waitUntil: options.waitUntil ?? 'listening',
      dnsDelayMs: options.dnsDelayMs ?? 0,
    });
    if (this.kubelet && !this.isSentinel(pod)) this.ensureReadinessProbe(pod);
  }

  /** kubelet: the Redis container's rendered readinessProbe, every periodSeconds, with its timeoutSeconds. */
  private ensureReadinessProbe(pod: Pod): void {
    if (this.probes.has(pod)) return;
    const p = this.redis.readinessProbe;
    const command = containerCommand(p?.exec?.command as string[] | undefined, this.mounts(pod), 'redis readinessProbe');
    this.probes.set(
      pod,
      this.sandbox.startProbe(pod, { name: 'readiness', command, env: (x) => this.env(x), periodMs: Number(p?.periodSeconds ?? 10) * 1000, timeoutMs: Number(p?.timeoutSeconds ?? 1) * 1000 }),
    );
  }

  /** The periodic readiness probe of a Redis pod (RenderOptions.kubelet), if any. */
  readiness(pod: Pod): PeriodicProbe | undefined {
    return this.probes.get(pod);
  }

  /** Runs one of the chart's scripts in the pod's container env (e.g. readiness-redis.sh). */
  runScript(pod: Pod, script: string, timeoutMs = 15_000, extraEnv: Record<string, string> = {}): Promise<ExecResult> {
    return this.sandbox.exec(path.join(this.scriptsDir, script), { env: { ...this.env(pod), ...extraEnv }, cwd: pod.dir, timeoutMs });
  }

  /** Runs the command of a probe ('readiness' | 'liveness') or of the preStop hook, as rendered. */
  runHook(pod: Pod, hook: 'readiness' | 'liveness' | 'preStop', timeoutMs = 60_000): Promise<ExecResult> {
    const c = this.container(pod);
    const command = hook === 'preStop' ? c.preStop : (hook === 'readiness' ? c.readinessProbe : c.livenessProbe)?.exec?.command;
    return this.sandbox.exec(containerCommand(command, this.mounts(pod), `${c.name} ${hook}`), { env: this.env(pod), cwd: pod.dir, timeoutMs });
  }

  /** One run of the backup CronJob's Job: its container command (backup.sh) with the rendered env; `env` overrides for a test. */
  startBackup(name: string, env: Env = {}): Job {
    const c = this.backup;
    if (!c) throw new Error('the rendered chart has no backup CronJob (backup.enabled)');
    return this.startJobContainer(c, name, env);
  }

  /** One run of the backup Job's `upload` container (remote-sync.sh, backup.remote.enabled), after startBackup succeeded; `env` overrides for a test. */
  startUpload(name: string, env: Env = {}): Job {
    const c = this.upload;
    if (!c) throw new Error('the rendered backup CronJob has no upload container (backup.remote.enabled)');
    if (this.backup?.init !== true) throw new Error('with an upload container, backup.sh must run as an init container of the backup Job');
    return this.startJobContainer(c, name, env);
  }

  /** A container of the backup Job's pod as a sandbox Job: the backup PVC, the scripts, an emptyDir /tmp per run. */
  private startJobContainer(c: ContainerSpec, name: string, env: Env): Job {
    this.backupRuns += 1;
    const runDir = path.join(this.sandbox.root, 'backup-runs', `${this.backupRuns}-${name}`);
    const named = (volume: string): string | undefined => {
      if (volume === 'scripts') return this.scriptsDir;
      if (volume === 'backup') {
        if (!this.backupDir) throw new Error('set chart.backupDir to the backup volume dir first');
        return this.backupDir;
      }
      if (volume === 'tls' && this.tlsDir) return this.tlsDir;
      if (volume === 'tmp') return emptyDirIn(runDir)(volume);
      throw new Error(`volume "${volume}" of the ${c.name} container has no stand-in in the behaviour harness`);
    };
    const podName = `${String(this.objects.find((x) => x.kind === 'CronJob')?.metadata?.name)}-${name}`;
    const p = this.process(c, named, podName, '127.0.0.1');
    return this.sandbox.startJob(name, p.command, { env: { ...p.env, ...env }, cwd: runDir });
  }

  /** The Redis pod's `fetch` init container (remote-sync.sh, restore.source remote), run to completion before its restore container. */
  runFetch(pod: Pod, env: Env = {}, timeoutMs = 120_000): Promise<ExecResult> {
    const c = this.fetch;
    if (!c) throw new Error('the rendered Redis pods have no fetch init container (restore.source remote)');
    const p = this.process(c, (volume) => this.volumeDir(pod, volume), pod.name, pod.ip);
    return this.sandbox.exec(p.command, { env: { ...p.env, ...env }, cwd: pod.dir, timeoutMs });
  }

  /** The Redis pod's `restore` init container (restore.sh), run to completion before the pod's first start. */
  runRestore(pod: Pod, env: Env = {}, timeoutMs = 60_000): Promise<ExecResult> {
    const c = this.restore;
    if (!c) throw new Error('the rendered Redis pods have no restore init container (restore.fromSet)');
    const p = this.process(c, (volume) => this.volumeDir(pod, volume), pod.name, pod.ip);
    writeConfigFile(path.join(this.volumeDir(pod, 'config'), 'redis.conf'), mapConfPaths(this.redisConf, p.mounts));
    writeConfigFile(path.join(this.volumeDir(pod, 'config'), 'users.acl'), this.usersAcl);
    return this.sandbox.exec(p.command, { env: { ...p.env, ...env }, cwd: pod.dir, timeoutMs });
  }

  /** A container outside the two StatefulSets' main containers (backup, restore) as a sandbox process; path defaults of lib.sh, backup-lib.sh and its own script (e.g. BACKUP_DIR=/backup). */
  private process(c: ContainerSpec, named: (volume: string) => string | undefined, podName: string, ip: string): ContainerProcess {
    return containerProcess(c, {
      volumes: { named, harness: fileURLToPath(import.meta.url) },
      pod: { ip, name: podName, namespace: this.namespace },
      secret: secretStandIn,
      scripts: [this.scripts['lib.sh'], this.scripts['backup-lib.sh'], this.scripts[path.basename(c.command[0] ?? '')]],
      resolver: this.sandbox.resolver,
    });
  }

  /** The runtime redis.conf start-redis.sh wrote for `pod` (what redis-server runs with). */
  runtimeConf(pod: Pod): string {
    return readFileSync(path.join(this.volumeDir(pod, 'runtime'), this.isSentinel(pod) ? 'sentinel.conf' : 'redis.conf'), 'utf8');
  }

  /**
   * One run of the restore drill CronJob's container (drill.sh, backup.drill.enabled): the backup
   * PVC stands in as `backupDir` (any volume of sets: the test hands the drill good and damaged
   * copies), an emptyDir /tmp per run; `env` overrides for a test. Throws when the drill mounts the
   * backup volume writable, or another claim than the backup CronJob writes.
   */
  startDrill(backupDir: string, name: string, env: Env = {}): Job {
    const cron = this.objects.find((x) => x.kind === 'CronJob' && String(x.metadata?.name).endsWith('-drill'));
    if (!cron) throw new Error('the rendered chart has no drill CronJob (backup.drill.enabled)');
    const c = containerOf(cron, 'drill');
    const mount = c.volumeMounts.find((m) => m.mountPath === '/backup') as { name: string; readOnly?: boolean } | undefined;
    if (mount?.readOnly !== true) throw new Error(`the drill container mounts the backup volume ${mount ? 'writable' : 'nowhere'}: it must be read-only`);
    const claimOf = (o: Obj | undefined): string =>
      String((o?.spec?.jobTemplate?.spec?.template?.spec?.volumes ?? []).find((v: Obj) => v.name === 'backup')?.persistentVolumeClaim?.claimName ?? '(none)');
    const written = claimOf(this.objects.find((x) => x.kind === 'CronJob' && String(x.metadata?.name).endsWith('-backup')));
    if (claimOf(cron) !== written) throw new Error(`the drill mounts claim ${claimOf(cron)}, but the backups are written to ${written}`);
    const runDir = path.join(this.sandbox.root, 'drill-runs', `${name}-${Date.now()}`);
    mkdirSync(runDir, { recursive: true });
    const named = (volume: string): string | undefined => {
      if (volume === 'scripts') return this.scriptsDir;
      if (volume === 'backup') return backupDir;
      if (volume === 'tmp') return emptyDirIn(runDir)(volume);
      throw new Error(`volume "${volume}" of the drill container has no stand-in in the behaviour harness`);
    };
    const p = this.process(c, named, `${String(cron.metadata.name)}-${name}`, '127.0.0.1');
    return this.sandbox.startJob(`drill-${name}`, p.command, { env: { ...p.env, ...env }, cwd: runDir });
  }

  /**
   * One run of the restore drill Job's pod when the drill takes its set from the bucket
   * (backup.drill.source remote, or auto with backup.remote): the `fetch` init container
   * (remote-sync.sh drill-fetch) to completion, then, only when it succeeded, the `drill` container,
   * both sharing the pod's emptyDirs (the downloaded set, /tmp) as Kubernetes runs them. Throws when
   * the drill pod has no fetch init container or mounts a volume the harness has no stand-in for
   * (a claim above all).
   */
  async runRemoteDrill(name: string): Promise<{ fetch: JobResult; drill?: JobResult }> {
    const cron = this.objects.find((x) => x.kind === 'CronJob' && String(x.metadata?.name).endsWith('-drill'));
    if (!cron) throw new Error('the rendered chart has no drill CronJob (backup.drill.enabled)');
    const fetch = containerOf(cron, 'fetch');
    if (!fetch.init) throw new Error("the drill pod's fetch container is not an init container");
    const runDir = path.join(this.sandbox.root, 'drill-runs', `${name}-${Date.now()}`);
    mkdirSync(runDir, { recursive: true });
    const run = (c: ContainerSpec, job: string): Promise<JobResult> => {
      const named = (volume: string): string | undefined => {
        if (volume === 'scripts') return this.scriptsDir;
        if (volume === 'tmp' || volume === 'drill-set') return emptyDirIn(runDir)(volume);
        throw new Error(`volume "${volume}" of the drill pod's ${c.name} container has no stand-in (a drill from the bucket mounts no claim)`);
      };
      const p = this.process(c, named, `${String(cron.metadata.name)}-${name}`, '127.0.0.1');
      return this.sandbox.startJob(job, p.command, { env: p.env, cwd: runDir }).done;
    };
    const fetched = await run(fetch, `drill-fetch-${name}`);
    if (fetched.code !== 0) return { fetch: fetched };
    return { fetch: fetched, drill: await run(containerOf(cron, 'drill'), `drill-${name}`) };
  }
}

/**
 * A ConfigMap file of a pod, as the kubelet updates one: the new content appears whole (written
 * beside it, then renamed over it), and an unchanged file is left alone, so a process reading it
 * never sees it half written.
 */
function writeConfigFile(file: string, text: string): void {
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
