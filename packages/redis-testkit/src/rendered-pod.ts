/**
 * A pod of a rendered chart (`helm template` output) turned into a sandbox process: the one place
 * that reads a container out of a rendered workload and supplies what Kubernetes would around it.
 *
 *   - containerOf: a container (or init container) of a StatefulSet, Deployment, Job or CronJob
 *     (its jobTemplate), with its pod spec's volumes;
 *   - volumes: each volumeMount's path maps onto a sandbox dir (`sandboxMounts`, longest mount path
 *     first); which dir stands in for which volume is the harness's choice (`VolumeStandIns`);
 *   - env (`containerEnv`): literals with in-pod paths mapped onto the sandbox dirs, the downward API
 *     (status.podIP, metadata.name, metadata.namespace), Secrets through the harness's stand-in, and
 *     the scripts' path defaults (`: "${VAR:=/abs/path}"`): a default under a mount is pointed at the
 *     mount's dir, so the chart's scripts run unchanged;
 *   - the command (`containerCommand`): a single-element command, an in-pod path, mapped the same way.
 *
 * Everything here but `sandboxMounts` (which creates emptyDir dirs through the harness's stand-ins)
 * and `readMounted` is a pure function of the rendered objects.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** A rendered Kubernetes object (or part of one), as parsed YAML. */
export type ManifestObject = Record<string, any>;

/** A container's env entry, as rendered. */
export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: ManifestObject;
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** One container of a rendered pod spec. */
export interface ContainerSpec {
  readonly name: string;
  /** Whether it is one of the pod's initContainers. */
  readonly init: boolean;
  readonly command: readonly string[];
  readonly env: readonly EnvVar[];
  readonly volumeMounts: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
  readonly ports: ReadonlyArray<{ readonly name: string; readonly containerPort: number }>;
  readonly readinessProbe?: ManifestObject;
  readonly livenessProbe?: ManifestObject;
  readonly lifecycle?: ManifestObject;
  /** lifecycle.preStop.exec.command. */
  readonly preStop?: readonly string[];
  /** The pod spec's volumes, by name (a StatefulSet's volumeClaimTemplates are not among them). */
  readonly volumes: ReadonlyMap<string, ManifestObject>;
}

/** [mountPath, sandbox dir]; lists of them are sorted longest mount path first. */
export type Mount = readonly [mountPath: string, dir: string];

/** The pod spec of a workload: spec.template.spec, a CronJob's spec.jobTemplate.spec.template.spec, a Pod's spec. */
export function podSpecOf(workload: ManifestObject): ManifestObject {
  if (workload.kind === 'Pod') return workload.spec ?? {};
  if (workload.kind === 'CronJob') return workload.spec?.jobTemplate?.spec?.template?.spec ?? {};
  return workload.spec?.template?.spec ?? {};
}

/** Names of a workload's containers (`init`: of its initContainers). */
export function containerNames(workload: ManifestObject, init = false): string[] {
  return ((podSpecOf(workload)[init ? 'initContainers' : 'containers'] ?? []) as ManifestObject[]).map((c) => String(c.name));
}

/** A container of a rendered workload, looked up among its containers, then its initContainers. */
export function containerOf(workload: ManifestObject, name: string): ContainerSpec {
  const spec = podSpecOf(workload);
  const main = ((spec.containers ?? []) as ManifestObject[]).find((x) => x.name === name);
  const c = main ?? ((spec.initContainers ?? []) as ManifestObject[]).find((x) => x.name === name);
  if (!c) {
    const has = [...containerNames(workload), ...containerNames(workload, true).map((n) => `${n} (init)`)];
    throw new Error(`${workload.kind}/${workload.metadata?.name} has no container "${name}" (has: ${has.join(', ') || 'none'})`);
  }
  const volumes = new Map<string, ManifestObject>(((spec.volumes ?? []) as ManifestObject[]).map((v) => [String(v.name), v]));
  return {
    name,
    init: main === undefined,
    command: c.command ?? [],
    env: c.env ?? [],
    volumeMounts: c.volumeMounts ?? [],
    ports: c.ports ?? [],
    readinessProbe: c.readinessProbe,
    livenessProbe: c.livenessProbe,
    lifecycle: c.lifecycle,
    preStop: c.lifecycle?.preStop?.exec?.command,
    volumes,
  };
}

/** A literal env value of a container (undefined when the variable is missing or comes from a ref). */
export function envValue(c: ContainerSpec, name: string): string | undefined {
  const v = c.env.find((e) => e.name === name)?.value;
  return v === undefined ? undefined : String(v);
}

/** The Secret key an env variable of a container reads (undefined when it reads none). */
export function secretRefOf(c: ContainerSpec, name: string): SecretKeyRef | undefined {
  const ref = c.env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
  return ref ? { name: String(ref.name), key: String(ref.key) } : undefined;
}

/**
 * A script's absolute path defaults, variable -> path, in the two forms the chart scripts use:
 * `: "${VAR:=/abs/path}"` and `VAR="${VAR:-/abs/path}"` (optionally `export`ed), each at the start
 * of a line.
 */
export function pathDefaults(script: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const match of script.matchAll(/^(?::\s+"\$\{([A-Z_][A-Z0-9_]*):=(\/[^}"]*)\}"|(?:export\s+)?([A-Z_][A-Z0-9_]*)="?\$\{\3:-(\/[^}"]*)\}"?)/gm)) {
    const name = match[1] ?? match[3]!;
    if (!m.has(name)) m.set(name, (match[2] ?? match[4])!);
  }
  return m;
}

/** An in-pod path (or a value that is one) -> the sandbox path, via the first (longest) matching mount. */
export function mapPath(value: string, mounts: readonly Mount[]): string {
  for (const [mountPath, dir] of mounts) {
    if (value === mountPath) return dir;
    if (value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
  }
  return value;
}

/** A config file with every argument that is an in-pod path mapped (e.g. `tls-cert-file /tls/tls.crt`); comment lines stay. */
export function mapConfPaths(conf: string, mounts: readonly Mount[]): string {
  return conf
    .split('\n')
    .map((line) => (line.trimStart().startsWith('#') ? line : line.replace(/(^|\s)(\/[^\s"]*)/g, (_, pre: string, p: string) => pre + mapPath(p, mounts))))
    .join('\n');
}

/** The lines of a config file (redis.conf) that name an absolute path, comments left out. */
export function confPathLines(conf: string): string[] {
  return conf.split('\n').filter((l) => !l.trimStart().startsWith('#') && /(^|\s)"?\//.test(l));
}

/**
 * Which sandbox dir stands in for which volume. `named` is asked first (e.g. `data`: the pod's data
 * dir, whatever the pod spec says); a volume it leaves (undefined) is looked up in the pod spec and
 * handed to the stand-in of its source. A volume without one fails, naming `harness`.
 */
export interface VolumeStandIns {
  readonly named?: (volume: string) => string | undefined;
  readonly configMap?: (configMapName: string, volume: string) => string;
  readonly secret?: (secretName: string, volume: string) => string;
  readonly emptyDir?: (volume: string) => string;
  readonly persistentVolumeClaim?: (claimName: string, volume: string) => string;
  /** Where to add a missing stand-in (the harness's file), for the error message. */
  readonly harness: string;
}

/** An emptyDir stand-in: `<base>/volumes/<volume>`, created on first use. */
export function emptyDirIn(base: string): (volume: string) => string {
  return (volume) => {
    const dir = path.join(base, 'volumes', volume);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
}

/** The sandbox dir of one volume a container mounts. */
export function volumeDir(c: ContainerSpec, volume: string, standIns: VolumeStandIns): string {
  const named = standIns.named?.(volume);
  if (named !== undefined) return named;
  const v = c.volumes.get(volume);
  if (!v) throw new Error(`volume "${volume}" is mounted by container ${c.name} but not declared in its pod spec`);
  if (v.configMap && standIns.configMap) return standIns.configMap(String(v.configMap.name), volume);
  if (v.secret && standIns.secret) return standIns.secret(String(v.secret.secretName), volume);
  if (v.emptyDir && standIns.emptyDir) return standIns.emptyDir(volume);
  if (v.persistentVolumeClaim && standIns.persistentVolumeClaim) return standIns.persistentVolumeClaim(String(v.persistentVolumeClaim.claimName), volume);
  const sources = Object.keys(v).filter((k) => k !== 'name');
  throw new Error(`volume "${volume}" (${sources.join(', ')}) of container ${c.name} has no stand-in in the behaviour harness: add one in ${standIns.harness}`);
}

/** Every volumeMount of a container -> its sandbox dir, longest mount path first (so mapPath picks the innermost mount). */
export function sandboxMounts(c: ContainerSpec, standIns: VolumeStandIns): Mount[] {
  return c.volumeMounts.map((m) => [m.mountPath, volumeDir(c, m.name, standIns)] as const).sort((a, b) => b[0].length - a[0].length);
}

/** A file as the container sees it: the first mount (in `mounts` order) whose dir has it; undefined when none has. */
export function readMounted(mounts: readonly Mount[], file: string): string | undefined {
  if (!file) return undefined;
  const found = mounts.map(([, dir]) => path.join(dir, file)).find((f) => existsSync(f));
  return found === undefined ? undefined : readFileSync(found, 'utf8');
}

export interface ContainerEnvOptions {
  readonly mounts: readonly Mount[];
  /** The downward API: status.podIP, metadata.name, metadata.namespace. */
  readonly pod: { readonly ip: string; readonly name: string; readonly namespace: string };
  /** The value of a secretKeyRef (the harness's stand-in for the Secret). */
  readonly secret: (ref: SecretKeyRef) => string;
  /** Scripts (their text) whose path defaults apply; for a variable several set, the first wins. */
  readonly scripts?: ReadonlyArray<string | undefined>;
  /** Scripts whose path defaults apply too (after `scripts`), by file name, read through the mounts (readMounted); a missing one is skipped. */
  readonly mountedScripts?: readonly string[];
  /** RESOLVE_CMD: the sandbox's name -> IP resolver, the stand-in for headless-service DNS. */
  readonly resolver?: string;
  /** PRESTOP_LOG_FILE and TLS_LOG_FILE under /proc/ (PID 1's stdout in a pod; the machine's init here) become `<logDir>/prestop.log`. */
  readonly logDir?: string;
}

/**
 * The env a container gets: its rendered env with in-pod paths mapped to sandbox dirs, the downward
 * API and Secrets filled in, and each path default of `scripts` that lies under a mount (and is not
 * set by the env) pointed at the mount's dir. Throws on a source it has no stand-in for.
 */
export function containerEnv(c: ContainerSpec, o: ContainerEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env) {
    if (e.value !== undefined) env[e.name] = mapPath(String(e.value), o.mounts);
    else if (e.valueFrom?.fieldRef) {
      const f = String(e.valueFrom.fieldRef.fieldPath);
      const v = ({ 'status.podIP': o.pod.ip, 'metadata.name': o.pod.name, 'metadata.namespace': o.pod.namespace } as Record<string, string>)[f];
      if (v === undefined) throw new Error(`env ${e.name} of container ${c.name}: fieldRef ${f} has no stand-in in the behaviour harness`);
      env[e.name] = v;
    } else if (e.valueFrom?.secretKeyRef) {
      env[e.name] = o.secret({ name: String(e.valueFrom.secretKeyRef.name), key: String(e.valueFrom.secretKeyRef.key) });
    } else {
      throw new Error(`env ${e.name} of container ${c.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
    }
  }
  for (const script of [...(o.scripts ?? []), ...(o.mountedScripts ?? []).map((f) => readMounted(o.mounts, f))]) {
    for (const [name, def] of pathDefaults(script ?? '')) {
      const mapped = mapPath(def, o.mounts);
      if (env[name] === undefined && mapped !== def) env[name] = mapped;
    }
  }
  if (o.logDir !== undefined && env.PRESTOP_LOG_FILE?.startsWith('/proc/')) env.PRESTOP_LOG_FILE = path.join(o.logDir, 'prestop.log');
  if (o.logDir !== undefined && env.TLS_LOG_FILE?.startsWith('/proc/')) env.TLS_LOG_FILE = path.join(o.logDir, 'prestop.log');
  if (o.resolver !== undefined) env.RESOLVE_CMD = o.resolver;
  return env;
}

/** A single-element command (the container's, a probe's, a hook's), an in-pod path, as the sandbox path to run. */
export function containerCommand(command: readonly string[] | undefined, mounts: readonly Mount[], what: string): string {
  if (command?.length !== 1) throw new Error(`${what}: expected a single-element command, got ${JSON.stringify(command)}`);
  return mapPath(command[0]!, mounts);
}

/** A rendered container ready to run on the sandbox: its command and env, and the mounts they were mapped through. */
export interface ContainerProcess {
  readonly command: string;
  readonly env: Record<string, string>;
  readonly mounts: readonly Mount[];
}

/**
 * The whole step from a rendered container to a sandbox process (e.g. a Job's or CronJob's
 * container, or an init container): its mounts through `volumes`, its env, its command. Start it
 * with `sandbox.startJob(name, p.command, { env: p.env, cwd })` or `sandbox.exec(p.command, …)`.
 */
export function containerProcess(c: ContainerSpec, o: Omit<ContainerEnvOptions, 'mounts'> & { readonly volumes: VolumeStandIns }): ContainerProcess {
  const mounts = sandboxMounts(c, o.volumes);
  return { command: containerCommand(c.command, mounts, `container ${c.name}`), env: containerEnv(c, { ...o, mounts }), mounts };
}
