/**
 * The chart's backup CronJob container and the Redis pods' `restore` init container, as rendered by
 * the real helm, run on the sandbox (next to redis-cluster-chart.ts, which runs the pods and the
 * hook Jobs). What Kubernetes would supply:
 *   - the backup PVC (persistentVolumeClaim volume) is one sandbox dir shared by every run, the
 *     way a backup volume outlives the pods and the release;
 *   - ConfigMap volumes are the dirs redis-cluster-chart.ts wrote for the release; an emptyDir is
 *     a dir per run; `data` is the pod's data dir;
 *   - env: literals (paths mapped through the mounts), the downward API, the Secret (the harness
 *     password); the scripts' path defaults (`: "${VAR:=/abs/path}"`) under a mount are redirected
 *     to the mount's dir; RESOLVE_CMD is the sandbox's name -> IP map.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { containerNames, containerOf, containerProcess, podSpecOf, type ContainerProcess, type ContainerSpec, type ExecResult, type Job, type JobResult, type Pod } from '@redis-gitops/redis-testkit';
import { secretValue, type RedisClusterChart } from './redis-cluster-chart.ts';

type Obj = Record<string, any>;

export const SET_NAME = /^\d{8}T\d{6}Z$/;

/** The parsed manifest.json of a backup set. */
export interface Manifest {
  readonly format: number;
  readonly mode: string;
  readonly set: string;
  readonly createdAt: string;
  readonly completedAt: string;
  readonly redisVersion: string;
  /** The server that wrote the set (INFO server_name) and its own version. */
  readonly server: 'redis' | 'valkey';
  readonly serverVersion: string;
  readonly slotLayout?: string;
  readonly shards: ReadonlyArray<{ index: number; nodeId: string; address: string; host: string; slots: string; file: string; bytes: number; sha256: string; redisVersion: string; keys: number }>;
}

export class BackupHarness {
  readonly chart: RedisClusterChart;
  /** The backup volume (the PVC's stand-in). */
  readonly backupDir: string;
  private runs = 0;

  constructor(chart: RedisClusterChart, backupDir: string) {
    this.chart = chart;
    this.backupDir = backupDir;
    mkdirSync(backupDir, { recursive: true });
  }

  /** The rendered CronJob (throws when backup.enabled rendered none). */
  get cronJob(): Obj {
    return this.chart.current.find('CronJob', '-backup');
  }

  private get statefulSet(): Obj {
    return this.chart.current.find('StatefulSet', '');
  }

  /** One run of the CronJob's Job: backup.sh with the rendered env; `env` overrides for a test. */
  startBackup(name: string, env: Record<string, string> = {}): Job {
    const c = containerOf(this.cronJob, 'backup');
    this.runs += 1;
    const runDir = path.join(this.chart.sandbox.root, 'backup-runs', `${this.runs}-${name}`);
    mkdirSync(runDir, { recursive: true });
    const p = this.process(c, undefined, runDir, `${String(this.cronJob.metadata.name)}-${name}`, '127.0.0.1');
    return this.chart.sandbox.startJob(name, p.command, { env: { ...p.env, ...env }, cwd: runDir });
  }

  /** One run of the backup Job's `upload` container (remote-sync.sh, backup.remote.enabled): run it after startBackup succeeded, as the Job does. */
  startUpload(name: string, env: Record<string, string> = {}): Job {
    const c = containerOf(this.cronJob, 'upload');
    if (c.init) throw new Error('the upload container must be a main container of the backup Job');
    if (!containerOf(this.cronJob, 'backup').init) throw new Error('with an upload container, backup.sh must run as an init container of the backup Job');
    this.runs += 1;
    const runDir = path.join(this.chart.sandbox.root, 'backup-runs', `${this.runs}-${name}`);
    mkdirSync(runDir, { recursive: true });
    const p = this.process(c, undefined, runDir, `${String(this.cronJob.metadata.name)}-${name}`, '127.0.0.1');
    return this.chart.sandbox.startJob(name, p.command, { env: { ...p.env, ...env }, cwd: runDir });
  }

  /** The Redis pod's `fetch` init container (restore.source remote) for `pod`, to completion; it shares its scratch volume with runRestore. */
  runFetch(pod: Pod, env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ExecResult> {
    const c = containerOf(this.statefulSet, 'fetch');
    if (!c.init) throw new Error("the Redis pods' fetch container is not an init container");
    const p = this.process(c, pod, path.join(pod.dir, 'init'), pod.name, pod.ip);
    return this.chart.sandbox.exec(p.command, { env: { ...p.env, ...env }, cwd: pod.dir, timeoutMs });
  }

  /** The Redis pods' init containers, in order. */
  get initContainers(): string[] {
    return containerNames(this.statefulSet, true);
  }

  /** The Redis pod's `restore` init container for `pod` (run before its first start), to completion. */
  runRestore(pod: Pod, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ExecResult> {
    const c = containerOf(this.statefulSet, 'restore');
    if (!c.init) throw new Error("the Redis pods' restore container is not an init container");
    const p = this.process(c, pod, path.join(pod.dir, 'init'), pod.name, pod.ip);
    return this.chart.sandbox.exec(p.command, { env: { ...p.env, ...env }, cwd: pod.dir, timeoutMs });
  }

  /** Whether the rendered pods have a restore init container at all. */
  get hasRestore(): boolean {
    return containerNames(this.statefulSet, true).includes('restore');
  }

  /** Complete sets on the volume (folders named like a set with a manifest.json), oldest first. */
  completeSets(): string[] {
    return readdirSync(this.backupDir)
      .filter((n) => SET_NAME.test(n) && existsSync(path.join(this.backupDir, n, 'manifest.json')))
      .sort();
  }

  /** Everything on the volume but the lock file, e.g. ['20260101T000000Z', '20260101T000100Z.partial']. */
  entries(): string[] {
    return readdirSync(this.backupDir)
      .filter((n) => n !== '.backup.lock')
      .sort();
  }

  manifest(set: string): Manifest {
    return JSON.parse(readFileSync(path.join(this.backupDir, set, 'manifest.json'), 'utf8')) as Manifest;
  }

  /** name -> sha256 of every file of a set (to prove a set was not touched). */
  fingerprint(set: string): Record<string, string> {
    const dir = path.join(this.backupDir, set);
    return Object.fromEntries(
      readdirSync(dir)
        .sort()
        .map((f) => [f, sha256(path.join(dir, f))]),
    );
  }

  /**
   * The container as a sandbox process: the chart's volumes (the pod's data dir, the ConfigMaps, an
   * emptyDir per run) plus the backup PVC; the scripts' path defaults of lib.sh, backup-lib.sh and
   * the command's own script.
   */
  private process(c: ContainerSpec, pod: Pod | undefined, runDir: string, podName: string, ip: string): ContainerProcess {
    if (!c.volumeMounts.some((m) => m.mountPath === '/scripts')) throw new Error(`container ${c.name} does not mount the scripts at /scripts`);
    return containerProcess(c, {
      volumes: { ...this.chart.volumeStandIns(pod, runDir), persistentVolumeClaim: (claim) => this.claimDir(c, claim), harness: fileURLToPath(import.meta.url) },
      pod: { ip, name: podName, namespace: this.chart.namespace },
      secret: (ref) => secretValue(ref.name, ref.key),
      mountedScripts: ['lib.sh', 'backup-lib.sh', path.basename(c.command[0] ?? '')],
      resolver: this.chart.sandbox.resolver,
    });
  }

  /** The backup volume, for the claim the backup CronJob writes (without one rendered: the chart's own <fullname>-backup). */
  private claimDir(c: ContainerSpec, claim: string): string {
    const cron = this.chart.current.objects.find((o) => o.kind === 'CronJob' && String(o.metadata?.name).endsWith('-backup'));
    const volume = cron ? ((podSpecOf(cron).volumes ?? []) as Obj[]).find((v) => v.name === 'backup') : undefined;
    const expected = cron ? String(volume?.persistentVolumeClaim?.claimName ?? '') : `${this.chart.fullname}-backup`;
    if (claim !== expected) throw new Error(`container ${c.name} mounts claim ${claim}, but the backups are written to ${expected}`);
    return this.backupDir;
  }
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Files of a dir (recursively), relative, with sizes: what a data volume holds. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? listFiles(p, `${prefix}${f}/`) : [`${prefix}${f}`];
    });
}

/**
 * One run of the restore drill CronJob's container (backup.drill), as rendered for `chart`:
 * drill.sh with the rendered env, its emptyDir a dir per run, the backup PVC standing in as
 * `backupDir` (any volume of sets: the test hands the drill good and damaged copies). `env`
 * overrides for a test. Throws when the chart rendered no drill CronJob, or when it mounts another
 * claim than the backup CronJob writes, or mounts it writable.
 */
export function startDrill(chart: RedisClusterChart, backupDir: string, name: string, env: Record<string, string> = {}): Job {
  const cron = chart.current.find('CronJob', '-drill');
  const c = containerOf(cron, 'drill');
  const mount = c.volumeMounts.find((m) => m.mountPath === '/backup') as { name: string; readOnly?: boolean } | undefined;
  if (mount?.readOnly !== true) throw new Error(`the drill container mounts the backup volume ${mount ? 'writable' : 'nowhere'}: it must be read-only`);
  const runDir = path.join(chart.sandbox.root, 'drill-runs', `${name}-${Date.now()}`);
  mkdirSync(runDir, { recursive: true });
  const backupCron = chart.current.objects.find((o) => o.kind === 'CronJob' && String(o.metadata?.name).endsWith('-backup'));
  const written = String(((podSpecOf(backupCron ?? {}).volumes ?? []) as Obj[]).find((v) => v.name === 'backup')?.persistentVolumeClaim?.claimName ?? '(no backup CronJob)');
  const p = containerProcess(c, {
    volumes: {
      ...chart.volumeStandIns(undefined, runDir),
      persistentVolumeClaim: (claim) => {
        if (claim !== written) throw new Error(`the drill mounts claim ${claim}, but the backups are written to ${written}`);
        return backupDir;
      },
      harness: fileURLToPath(import.meta.url),
    },
    pod: { ip: '127.0.0.1', name: `${String(cron.metadata.name)}-${name}`, namespace: chart.namespace },
    secret: (ref) => secretValue(ref.name, ref.key),
    mountedScripts: ['lib.sh', 'backup-lib.sh', 'drill.sh'],
    resolver: chart.sandbox.resolver,
  });
  return chart.sandbox.startJob(`drill-${name}`, p.command, { env: { ...p.env, ...env }, cwd: runDir });
}

/**
 * One run of the restore drill Job's pod when the drill takes its set from the bucket
 * (backup.drill.source remote, or auto with backup.remote): the `fetch` init container
 * (remote-sync.sh drill-fetch) to completion, then, only when it succeeded, the `drill` container,
 * both sharing the pod's emptyDirs (the downloaded set, /tmp) as Kubernetes runs them. Throws when
 * the drill pod has no fetch init container or mounts any claim.
 */
export async function runRemoteDrill(chart: RedisClusterChart, name: string): Promise<{ fetch: JobResult; drill?: JobResult }> {
  const cron = chart.current.find('CronJob', '-drill');
  const fetch = containerOf(cron, 'fetch');
  if (!fetch.init) throw new Error("the drill pod's fetch container is not an init container");
  const runDir = path.join(chart.sandbox.root, 'drill-runs', `${name}-${Date.now()}`);
  mkdirSync(runDir, { recursive: true });
  const run = (c: ContainerSpec, job: string): Promise<JobResult> => {
    const p = containerProcess(c, {
      volumes: {
        ...chart.volumeStandIns(undefined, runDir),
        persistentVolumeClaim: (claim) => {
          throw new Error(`a drill from the bucket mounts no claim, but ${c.name} mounts ${claim}`);
        },
        harness: fileURLToPath(import.meta.url),
      },
      pod: { ip: '127.0.0.1', name: `${String(cron.metadata.name)}-${name}`, namespace: chart.namespace },
      secret: (ref) => secretValue(ref.name, ref.key),
      mountedScripts: ['lib.sh', 'backup-lib.sh', path.basename(c.command[0] ?? '')],
      resolver: chart.sandbox.resolver,
    });
    return chart.sandbox.startJob(job, p.command, { env: p.env, cwd: runDir }).done;
  };
  const fetched = await run(fetch, `drill-fetch-${name}`);
  if (fetched.code !== 0) return { fetch: fetched };
  return { fetch: fetched, drill: await run(containerOf(cron, 'drill'), `drill-${name}`) };
}
