/**
 * The redis-cluster chart, as rendered by the real helm, turned into loopback "pods".
 *
 * Everything a pod runs comes from the rendered manifests: redis.conf from the config
 * ConfigMap, the scripts from the scripts ConfigMap, the container command, env, volume mounts
 * and probe periods from the StatefulSet, and the bootstrap command and env from the Job. The
 * harness only supplies what Kubernetes would:
 *   - downward API (status.podIP, metadata.name, metadata.namespace) and the Secret (password);
 *   - volumes: each volumeMount path maps to a sandbox dir (data -> the pod's data dir, the
 *     ConfigMaps -> files written here). Scripts locate their volumes through lib.sh's path
 *     defaults (DATA_DIR=/data ...), so every such default under a mount is redirected to the
 *     mount's sandbox dir; paths in redis.conf are mapped the same way;
 *   - the network: BIND_ADDRESS/BIND_SOURCE_ADDR (one loopback IP per pod) and RESOLVE_CMD
 *     (headless-service DNS is the sandbox's name -> IP map);
 *   - kubelet: the readiness probe runs every periodSeconds (it also refreshes peers.map).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runHelm } from 'redis-gitops/io/helm.ts';
import type { Env, ExecResult, Job, PeriodicProbe, Pod, Sandbox } from '@redis-gitops/redis-testkit';

/** The chart under test; REDIS_CLUSTER_CHART_DIR points the behaviour tests at another copy (e.g. to try a script patch). */
export const CHART_DIR = process.env.REDIS_CLUSTER_CHART_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The password the harness puts in the auth Secret. */
export const TEST_PASSWORD = 'behaviour-test-password';

type Obj = Record<string, any>;

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Obj;
}

export interface ContainerSpec {
  readonly command: readonly string[];
  readonly env: readonly EnvVar[];
  readonly volumeMounts: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
  readonly readinessProbe?: Obj;
  readonly livenessProbe?: Obj;
}

export interface RenderOptions {
  /** @default 'rc' */
  readonly release?: string;
  /** @default 'redis' */
  readonly namespace?: string;
  /** `--set` arguments, e.g. ['cluster.slots={0-5000,5001-10000,10001-16383}']. */
  readonly set?: readonly string[];
}

/** Volumes the harness can provide, by the name the StatefulSet and the Job give them. */
const KNOWN_VOLUMES = ['data', 'tmp', 'runtime', 'config', 'scripts', 'tls'];

export class RedisClusterChart {
  readonly sandbox: Sandbox;
  readonly release: string;
  readonly namespace: string;
  readonly fullname: string;
  readonly headless: string;
  readonly shards: number;
  readonly replicasPerShard: number;
  readonly podCount: number;
  /** redis.conf of the config ConfigMap, as rendered. */
  readonly redisConf: string;
  /** Script name -> content, from the scripts ConfigMap. */
  readonly scripts: Readonly<Record<string, string>>;
  readonly scriptsDir: string;
  readonly redis: ContainerSpec;
  readonly bootstrap: ContainerSpec;
  /** lib.sh's path defaults, e.g. DATA_DIR -> /data. */
  private readonly pathDefaults: ReadonlyMap<string, string>;
  private readonly probes = new Map<Pod, PeriodicProbe>();
  private readonly configWritten = new WeakSet<Pod>();

  private constructor(sandbox: Sandbox, release: string, namespace: string, objects: Obj[]) {
    this.sandbox = sandbox;
    this.release = release;
    this.namespace = namespace;
    const find = (kind: string, suffix: string): Obj => {
      const o = objects.find((x) => x.kind === kind && String(x.metadata?.name).endsWith(suffix));
      if (!o) throw new Error(`the rendered chart has no ${kind} named *${suffix} (kinds: ${objects.map((x) => `${x.kind}/${x.metadata?.name}`).join(', ')})`);
      return o;
    };
    const sts = find('StatefulSet', '');
    this.fullname = String(sts.metadata.name);
    this.headless = String(sts.spec.serviceName);
    this.podCount = Number(sts.spec.replicas);
    const config = find('ConfigMap', '-config');
    const scripts = find('ConfigMap', '-scripts');
    const job = find('Job', '-bootstrap');
    this.redisConf = String(config.data['redis.conf']);
    this.scripts = scripts.data as Record<string, string>;
    this.redis = containerOf(sts, 'redis');
    this.bootstrap = containerOf(job, 'bootstrap');
    const envValue = (c: ContainerSpec, name: string): string => {
      const v = c.env.find((e) => e.name === name)?.value;
      if (v === undefined) throw new Error(`the ${c === this.redis ? 'redis' : 'bootstrap'} container has no literal env ${name}`);
      return v;
    };
    this.shards = Number(envValue(this.redis, 'SHARDS'));
    this.replicasPerShard = Number(envValue(this.redis, 'REPLICAS_PER_SHARD'));
    if (this.shards * (1 + this.replicasPerShard) !== this.podCount) {
      throw new Error(`StatefulSet replicas ${this.podCount} != SHARDS ${this.shards} x (1 + REPLICAS_PER_SHARD ${this.replicasPerShard})`);
    }
    // The scripts volume: every script, mode 0555 like the ConfigMap's defaultMode.
    this.scriptsDir = path.join(sandbox.root, 'chart-scripts');
    mkdirSync(this.scriptsDir, { recursive: true });
    for (const [name, text] of Object.entries(this.scripts)) {
      const file = path.join(this.scriptsDir, name);
      writeFileSync(file, text);
      chmodSync(file, 0o555);
    }
    this.pathDefaults = libPathDefaults(this.scripts['lib.sh'] ?? '');
  }

  /** Renders the chart with the real helm and parses every object. */
  static async render(sandbox: Sandbox, options: RenderOptions = {}): Promise<RedisClusterChart> {
    const release = options.release ?? 'rc';
    const namespace = options.namespace ?? 'redis';
    const args = ['template', release, CHART_DIR, '--namespace', namespace];
    for (const s of options.set ?? []) args.push('--set', s);
    const r = await runHelm(args);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${r.code}):\n${r.stderr}`);
    const objects: Obj[] = [];
    for (const doc of parseAllDocuments(r.stdout)) {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]!.message}`);
      const v = doc.toJS() as Obj | null;
      if (v) objects.push(v);
    }
    return new RedisClusterChart(sandbox, release, namespace, objects);
  }

  podName(i: number): string {
    return `${this.fullname}-${i}`;
  }

  /** The headless-service name scripts resolve: <pod>.<headless>. */
  stableName(podName: string): string {
    return `${podName}.${this.headless}`;
  }

  /** One sandbox pod per StatefulSet replica, named like the StatefulSet's pods. */
  async createPods(): Promise<Pod[]> {
    const pods: Pod[] = [];
    for (let i = 0; i < this.podCount; i++) {
      const name = this.podName(i);
      pods.push(await this.sandbox.createPod(name, { hostnames: [this.stableName(name)] }));
    }
    return pods;
  }

  /** Sandbox dir of a volume for a pod (the scripts volume is shared, read-only). */
  private volumeDir(pod: Pod | undefined, volume: string, jobDir?: string): string {
    if (volume === 'scripts') return this.scriptsDir;
    if (volume === 'data') {
      if (!pod) throw new Error('only pods have a data volume');
      return pod.dataDir;
    }
    if (!KNOWN_VOLUMES.includes(volume)) throw new Error(`volume "${volume}" is mounted by the chart but the behaviour harness has no stand-in for it: add one in ${fileURLToPath(import.meta.url)}`);
    const dir = path.join(pod ? pod.dir : jobDir!, 'volumes', volume);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** mountPath -> sandbox dir, longest path first. */
  private mounts(c: ContainerSpec, pod: Pod | undefined, jobDir?: string): Array<[string, string]> {
    return c.volumeMounts.map((m) => [m.mountPath, this.volumeDir(pod, m.name, jobDir)] as [string, string]).sort((a, b) => b[0].length - a[0].length);
  }

  /** The environment a container gets, with in-container paths mapped to sandbox dirs. */
  private containerEnv(c: ContainerSpec, pod: Pod | undefined, podName: string, ip: string, mounts: Array<[string, string]>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env) {
      if (e.value !== undefined) env[e.name] = mapPath(e.value, mounts);
      else if (e.valueFrom?.fieldRef) {
        const f = String(e.valueFrom.fieldRef.fieldPath);
        const v = { 'status.podIP': ip, 'metadata.name': podName, 'metadata.namespace': this.namespace }[f];
        if (v === undefined) throw new Error(`env ${e.name}: fieldRef ${f} has no stand-in in the behaviour harness`);
        env[e.name] = v;
      } else if (e.valueFrom?.secretKeyRef) {
        env[e.name] = TEST_PASSWORD;
      } else {
        throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
      }
    }
    // Volumes: lib.sh finds them through path defaults; point each default under a mount at the mount's dir.
    for (const [name, def] of this.pathDefaults) if (env[name] === undefined && mapPath(def, mounts) !== def) env[name] = mapPath(def, mounts);
    // /proc/1/fd/1 is the container's stdout in a pod; here PID 1 is the machine's init: use the pod's log dir.
    if (env.PRESTOP_LOG_FILE?.startsWith('/proc/')) env.PRESTOP_LOG_FILE = path.join(pod?.dir ?? this.sandbox.root, 'prestop.log');
    env.RESOLVE_CMD = this.sandbox.resolver;
    if (pod) {
      env.BIND_ADDRESS = ip;
      env.BIND_SOURCE_ADDR = ip;
    }
    return env;
  }

  /** The env of the redis container of `pod` at its current IP (what start-node.sh and the probes get). */
  nodeEnv(pod: Pod): Env {
    const mounts = this.mounts(this.redis, pod);
    // The config volume: redis.conf from the ConfigMap, its in-container paths mapped. Written
    // once, atomically: probes compute this env while redis-server may be reading the file.
    if (!this.configWritten.has(pod)) {
      const file = path.join(this.volumeDir(pod, 'config'), 'redis.conf');
      writeFileSync(`${file}.tmp`, mapConfPaths(this.redisConf, mounts));
      renameSync(`${file}.tmp`, file);
      this.configWritten.add(pod);
    }
    const env = this.containerEnv(this.redis, pod, pod.name, pod.ip, mounts);
    if (!env.DATA_DIR?.startsWith(this.sandbox.root)) throw new Error(`DATA_DIR of ${pod.name} is ${env.DATA_DIR ?? 'unset'}, not the pod's data dir: lib.sh's path defaults (${[...this.pathDefaults].join(', ')}) no longer match the harness`);
    return env;
  }

  private commandPath(c: ContainerSpec, mounts: Array<[string, string]>, what: string): string {
    if (c.command.length !== 1) throw new Error(`${what}: expected a single-element command, got ${JSON.stringify(c.command)}`);
    return mapPath(c.command[0]!, mounts);
  }

  /** Starts the pod's container command (start-node.sh) with the rendered env; resolves once redis listens. */
  async startNode(pod: Pod, options: { startTimeoutMs?: number } = {}): Promise<void> {
    const command = this.commandPath(this.redis, this.mounts(this.redis, pod), 'redis container');
    await pod.start({ kind: 'command', command, env: (p) => this.nodeEnv(p), password: TEST_PASSWORD, startTimeoutMs: options.startTimeoutMs ?? 60_000 });
    this.ensureReadinessProbe(pod);
  }

  /** Runs one of the chart's scripts against a pod with the container's env (e.g. readiness.sh). */
  runScript(pod: Pod, script: string, timeoutMs = 15_000): Promise<ExecResult> {
    return this.sandbox.exec(path.join(this.scriptsDir, script), { env: this.nodeEnv(pod), cwd: pod.dir, timeoutMs });
  }

  /** kubelet: the rendered readinessProbe, every periodSeconds, with its timeoutSeconds. */
  private ensureReadinessProbe(pod: Pod): void {
    if (this.probes.has(pod)) return;
    const p = this.redis.readinessProbe;
    if (!p?.exec?.command) throw new Error('the redis container has no exec readinessProbe');
    const command = this.commandPath({ ...this.redis, command: p.exec.command as string[] }, this.mounts(this.redis, pod), 'readinessProbe');
    this.probes.set(
      pod,
      this.sandbox.startProbe(pod, { name: 'readiness', command, env: (x) => this.nodeEnv(x), periodMs: Number(p.periodSeconds ?? 10) * 1000, timeoutMs: Number(p.timeoutSeconds ?? 1) * 1000 }),
    );
  }

  readiness(pod: Pod): PeriodicProbe | undefined {
    return this.probes.get(pod);
  }

  /** The bootstrap Job's container: bootstrap.sh with the rendered Job env. */
  startBootstrap(name = 'bootstrap'): Job {
    const jobDir = path.join(this.sandbox.root, 'jobs', name);
    mkdirSync(jobDir, { recursive: true });
    const mounts = this.mounts(this.bootstrap, undefined, jobDir);
    const env = this.containerEnv(this.bootstrap, undefined, `${this.fullname}-bootstrap-${name}`, '127.0.0.1', mounts);
    return this.sandbox.startJob(name, this.commandPath(this.bootstrap, mounts, 'bootstrap container'), { env, cwd: jobDir });
  }

  /** Env value of the bootstrap container (e.g. SLOTS), as rendered. */
  bootstrapEnv(name: string): string | undefined {
    return this.bootstrap.env.find((e) => e.name === name)?.value;
  }
}

function containerOf(workload: Obj, name: string): ContainerSpec {
  const containers = (workload.spec?.template?.spec?.containers ?? []) as Obj[];
  const c = containers.find((x) => x.name === name);
  if (!c) throw new Error(`${workload.kind}/${workload.metadata?.name} has no container "${name}"`);
  return { command: c.command ?? [], env: c.env ?? [], volumeMounts: c.volumeMounts ?? [], readinessProbe: c.readinessProbe, livenessProbe: c.livenessProbe };
}

/** `: "${VAR:=/abs/path}"` defaults of lib.sh. */
function libPathDefaults(lib: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const match of lib.matchAll(/^:\s+"\$\{([A-Z_]+):=(\/[^}"]*)\}"/gm)) m.set(match[1]!, match[2]!);
  return m;
}

/** An in-container path (or a value that is one) -> the sandbox path, via the longest matching mount. */
function mapPath(value: string, mounts: ReadonlyArray<[string, string]>): string {
  for (const [mountPath, dir] of mounts) {
    if (value === mountPath) return dir;
    if (value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
  }
  return value;
}

/** redis.conf with every argument that is an in-container path mapped (e.g. `dir /data`). */
function mapConfPaths(conf: string, mounts: ReadonlyArray<[string, string]>): string {
  return conf
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/(^|\s)(\/[^\s"]*)/g, (_, pre: string, p: string) => pre + mapPath(p, mounts))))
    .join('\n');
}

/** Reads a pod's nodes.conf (for failure messages and assertions). */
export function nodesConf(pod: Pod): string {
  try {
    return readFileSync(path.join(pod.dataDir, 'nodes.conf'), 'utf8');
  } catch {
    return '(no nodes.conf)';
  }
}
