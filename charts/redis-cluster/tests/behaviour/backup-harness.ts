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
import type { ExecResult, Job, Pod } from '@redis-gitops/redis-testkit';
import { TEST_PASSWORD, type RedisClusterChart } from './redis-cluster-chart.ts';

type Obj = Record<string, any>;

interface Container {
  readonly name: string;
  readonly command: readonly string[];
  readonly env: readonly Obj[];
  readonly volumeMounts: ReadonlyArray<{ readonly name: string; readonly mountPath: string }>;
  readonly volumes: ReadonlyMap<string, Obj>;
}

export const SET_NAME = /^\d{8}T\d{6}Z$/;

/** The parsed manifest.json of a backup set. */
export interface Manifest {
  readonly format: number;
  readonly mode: string;
  readonly set: string;
  readonly createdAt: string;
  readonly completedAt: string;
  readonly redisVersion: string;
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
    const spec = this.cronJob.spec.jobTemplate.spec.template.spec as Obj;
    const c = containerOf(spec, spec.containers, 'backup');
    this.runs += 1;
    const runDir = path.join(this.chart.sandbox.root, 'backup-runs', `${this.runs}-${name}`);
    mkdirSync(runDir, { recursive: true });
    const mounts = this.mounts(c, undefined, runDir);
    const podName = `${String(this.cronJob.metadata.name)}-${name}`;
    return this.chart.sandbox.startJob(name, this.command(c, mounts), { env: { ...this.env(c, mounts, podName, '127.0.0.1'), ...env }, cwd: runDir });
  }

  /** The Redis pod's `restore` init container for `pod` (run before its first start), to completion. */
  runRestore(pod: Pod, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ExecResult> {
    const spec = this.statefulSet.spec.template.spec as Obj;
    const c = containerOf(spec, spec.initContainers ?? [], 'restore');
    const mounts = this.mounts(c, pod, path.join(pod.dir, 'init'));
    return this.chart.sandbox.exec(this.command(c, mounts), { env: { ...this.env(c, mounts, pod.name, pod.ip), ...env }, cwd: pod.dir, timeoutMs });
  }

  /** Whether the rendered pods have a restore init container at all. */
  get hasRestore(): boolean {
    return ((this.statefulSet.spec.template.spec.initContainers ?? []) as Obj[]).some((c) => c.name === 'restore');
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

  private command(c: Container, mounts: Array<[string, string]>): string {
    if (c.command.length !== 1) throw new Error(`container ${c.name}: expected a single-element command, got ${JSON.stringify(c.command)}`);
    return mapPath(c.command[0]!, mounts);
  }

  private volumeDir(c: Container, volume: string, pod: Pod | undefined, runDir: string): string {
    if (volume === 'data') {
      if (!pod) throw new Error(`container ${c.name} mounts the data volume but runs in no pod`);
      return pod.dataDir;
    }
    const v = c.volumes.get(volume);
    if (!v) throw new Error(`volume "${volume}" is mounted by container ${c.name} but not declared in its pod spec`);
    if (v.configMap) {
      const dir = this.chart.configMapDir(String(v.configMap.name));
      if (!existsSync(dir)) throw new Error(`ConfigMap ${v.configMap.name} (volume ${volume}) was not written by the harness`);
      return dir;
    }
    if (v.emptyDir) {
      const dir = path.join(runDir, 'volumes', volume);
      mkdirSync(dir, { recursive: true });
      return dir;
    }
    if (v.persistentVolumeClaim) {
      const claim = String(v.persistentVolumeClaim.claimName);
      // The claim the backup CronJob writes (without one rendered: the chart's own <fullname>-backup).
      const cron = this.chart.current.objects.find((o) => o.kind === 'CronJob' && String(o.metadata?.name).endsWith('-backup'));
      const expected = cron ? String(cron.spec.jobTemplate.spec.template.spec.volumes.find((x: Obj) => x.name === 'backup')?.persistentVolumeClaim?.claimName ?? '') : `${this.chart.fullname}-backup`;
      if (claim !== expected) throw new Error(`container ${c.name} mounts claim ${claim}, but the backups are written to ${expected}`);
      return this.backupDir;
    }
    throw new Error(
      `volume "${volume}" (${Object.keys(v)
        .filter((k) => k !== 'name')
        .join(', ')}) has no stand-in in ${import.meta.url}`,
    );
  }

  private mounts(c: Container, pod: Pod | undefined, runDir: string): Array<[string, string]> {
    return c.volumeMounts.map((m) => [m.mountPath, this.volumeDir(c, m.name, pod, runDir)] as [string, string]).sort((a, b) => b[0].length - a[0].length);
  }

  private env(c: Container, mounts: Array<[string, string]>, podName: string, ip: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of c.env) {
      if (e.value !== undefined) env[e.name] = mapPath(String(e.value), mounts);
      else if (e.valueFrom?.fieldRef) {
        const f = String(e.valueFrom.fieldRef.fieldPath);
        const v = { 'status.podIP': ip, 'metadata.name': podName, 'metadata.namespace': this.chart.namespace }[f];
        if (v === undefined) throw new Error(`env ${e.name}: fieldRef ${f} has no stand-in`);
        env[e.name] = v;
      } else if (e.valueFrom?.secretKeyRef) env[e.name] = TEST_PASSWORD;
      else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
    }
    // The scripts find their volumes through path defaults: lib.sh's, backup-lib.sh's and the command's own.
    const scriptsDir = mounts.find(([m]) => m === '/scripts')?.[1];
    if (!scriptsDir) throw new Error(`container ${c.name} does not mount the scripts at /scripts`);
    for (const f of ['lib.sh', 'backup-lib.sh', path.basename(c.command[0] ?? '')]) {
      const file = path.join(scriptsDir, f);
      if (!existsSync(file)) continue;
      for (const [name, def] of pathDefaults(readFileSync(file, 'utf8'))) if (env[name] === undefined && mapPath(def, mounts) !== def) env[name] = mapPath(def, mounts);
    }
    env.RESOLVE_CMD = this.chart.sandbox.resolver;
    return env;
  }
}

function containerOf(spec: Obj, list: Obj[], name: string): Container {
  const c = list.find((x) => x.name === name);
  if (!c) throw new Error(`the pod spec has no container "${name}" (has: ${list.map((x) => x.name).join(', ') || 'none'})`);
  const volumes = new Map<string, Obj>(((spec.volumes ?? []) as Obj[]).map((v) => [String(v.name), v]));
  return { name, command: c.command ?? [], env: c.env ?? [], volumeMounts: c.volumeMounts ?? [], volumes };
}

/** `: "${VAR:=/abs/path}"` defaults of a script. */
function pathDefaults(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const match of text.matchAll(/^:\s+"\$\{([A-Z_]+):=(\/[^}"]*)\}"/gm)) m.set(match[1]!, match[2]!);
  return m;
}

function mapPath(value: string, mounts: ReadonlyArray<[string, string]>): string {
  for (const [mountPath, dir] of mounts) {
    if (value === mountPath) return dir;
    if (value.startsWith(`${mountPath}/`)) return dir + value.slice(mountPath.length);
  }
  return value;
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
