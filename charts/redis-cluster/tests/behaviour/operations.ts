/**
 * What helm, the StatefulSet controller and an operator do to the chart's pods, as steps shared by
 * the behaviour tests and the benchmark (tests/bench/behaviour.bench.ts). No jest here: a step
 * that finds a problem throws an Error that says what was expected and what was seen.
 */
import {
  ClusterClient,
  clusterHealth,
  keysPresent,
  roles,
  rolesText,
  startWriteLoad,
  waitFor,
  waitHealthy,
  type HealthReport,
  type Job,
  type JobResult,
  type Pod,
  type PodRole,
  type Sandbox,
  type TerminateReport,
  type WriteLoadReport,
} from '@redis-gitops/redis-testkit';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RedisClusterChart, TEST_PASSWORD, type RenderOptions } from './redis-cluster-chart.ts';

/** Generous upper bounds (a loaded 2-core machine), never expectations. */
export const HEALTH_TIMEOUT_MS = 120_000;
export const JOB_TIMEOUT_MS = 240_000;

/** `helm install`: render, start every pod (start-node.sh), run the bootstrap Job, wait for full health. */
export async function installCluster(sandbox: Sandbox, options: RenderOptions = {}): Promise<{ chart: RedisClusterChart; job: JobResult; healthyMs: number }> {
  const chart = await RedisClusterChart.render(sandbox, options);
  const pods = await chart.createPods();
  await Promise.all(pods.map((p) => chart.startNode(p)));
  const job = await chart.startBootstrap().succeeded(JOB_TIMEOUT_MS);
  const { elapsedMs } = await waitHealthy(pods, { timeoutMs: HEALTH_TIMEOUT_MS, resolveHost: (h) => sandbox.resolve(h) });
  return { chart, job, healthyMs: elapsedMs };
}

/** Runs a hook Job: by default to success; a test may kill it halfway and run it again. */
export type JobRunner = (start: (name: string) => Job) => Promise<JobResult>;
const toSuccess: JobRunner = (start) => start('job').succeeded(JOB_TIMEOUT_MS);

export interface UpgradeOptions {
  /** The pre-upgrade scale-in Job. */
  readonly scaleIn?: JobRunner;
  /** The post-upgrade bootstrap Job. */
  readonly bootstrap?: JobRunner;
  /** How a pod removed by the scale-in goes. @default chart.deletePod (preStop, SIGTERM, SIGKILL after the grace period) */
  readonly deletePod?: (pod: Pod) => Promise<TerminateReport>;
  /**
   * `helm upgrade --wait` / Argo CD: the post-upgrade hooks run only once every pod's readiness
   * probe passes (the new pods must get Ready before the Job that gives them slots). @default false
   */
  readonly wait?: boolean;
}

export interface UpgradeReport {
  readonly scaleIn: JobResult;
  readonly bootstrap: JobResult;
  /** Pods deleted by the StatefulSet (scale-in), with how each one stopped. */
  readonly removed: ReadonlyArray<{ readonly pod: string; readonly stop: TerminateReport }>;
  /** Pods created by the StatefulSet (scale-out). */
  readonly added: readonly string[];
  readonly totalMs: number;
}

/**
 * `helm upgrade --set ...` as helm and Kubernetes run it: (1) the pre-upgrade hooks with the new
 * values (the scale-in Job and its ConfigMap); (2) the new objects are applied: ConfigMaps
 * (kubelet refreshes the mounted topology), StatefulSet replicas: with podManagementPolicy
 * Parallel, the pods above the new count are deleted together (preStop, SIGTERM, SIGKILL after
 * the grace period; their volumes stay with whenScaled: Retain), the missing ones are created
 * together (start-node.sh, with the volume they had if it was retained); (3) the post-upgrade
 * hooks (the bootstrap Job), which, without --wait, start while the new pods are starting.
 */
export async function helmUpgrade(chart: RedisClusterChart, set: readonly string[], options: UpgradeOptions = {}): Promise<UpgradeReport> {
  const t0 = Date.now();
  const rev = await chart.renderRevision(set);
  const scaleIn = await (options.scaleIn ?? toSuccess)((name) => chart.startScaleIn(rev, `scale-in-${name}`));
  const before = chart.allPods.filter((p) => p.running);
  chart.apply(rev);
  const leaving = before.filter((p) => !chart.pods.includes(p));
  const removed = await Promise.all(
    leaving.map(async (p) => {
      const stop = await (options.deletePod ?? ((x: Pod) => chart.deletePod(x)))(p);
      if (rev.whenScaled === 'Delete') RedisClusterChart.wipeVolume(p);
      return { pod: p.name, stop };
    }),
  );
  const pods = await chart.createPods();
  const added = pods.filter((p) => !p.running);
  const applied = Date.now();
  await Promise.all(added.map((p) => chart.startNode(p)));
  if (options.wait) await Promise.all(pods.map((p) => chart.waitReady(p, applied, HEALTH_TIMEOUT_MS)));
  const bootstrap = await (options.bootstrap ?? toSuccess)((name) => chart.startBootstrap(`bootstrap-${name}`));
  return { scaleIn, bootstrap, removed, added: added.map((p) => p.name), totalMs: Date.now() - t0 };
}

export interface RollStep {
  readonly pod: string;
  readonly stop: TerminateReport;
  readonly readyMs: number;
  readonly wasMaster: boolean;
}

export interface RollingRestartReport {
  readonly pods: readonly RollStep[];
  readonly totalMs: number;
}

/** What a test checks around each pod of a roll: `before` it is deleted, `after` it is ready again. */
export interface RollHooks {
  readonly before?: (pod: Pod) => unknown;
  readonly after?: (pod: Pod, step: RollStep) => unknown;
}

/**
 * A StatefulSet RollingUpdate (e.g. `kubectl rollout restart`, or a template change applied with
 * `chart.applyTemplateChange` first): one pod at a time, highest ordinal first; each pod is deleted
 * as kubelet does it (the chart's preStop hook, SIGTERM, SIGKILL after the grace period), comes back
 * on a new IP with the same volume, and the next pod goes only once the chart's readiness probe passes.
 */
export async function rollingRestart(chart: RedisClusterChart, hooks: RollHooks = {}): Promise<RollingRestartReport> {
  const t0 = Date.now();
  const out: RollStep[] = [];
  for (const pod of [...chart.pods].reverse()) {
    await hooks.before?.(pod);
    const wasMaster = (await pod.info('replication')).role === 'master';
    const since = Date.now();
    const stop = await chart.deletePod(pod);
    await chart.startNode(pod);
    await chart.waitReady(pod, since, HEALTH_TIMEOUT_MS);
    const step = { pod: pod.name, stop, readyMs: Date.now() - since, wasMaster };
    out.push(step);
    await hooks.after?.(pod, step);
  }
  return { pods: out, totalMs: Date.now() - t0 };
}

/** SIGKILL of a master: how long until its replica is promoted, and until every survivor is consistent again. */
export async function killMasterAndWaitPromotion(chart: RedisClusterChart, master: Pod): Promise<{ replica: Pod; deadIp: string; promotedMs: number; consistentMs: number }> {
  const pods = chart.pods;
  const r = await roles(pods);
  if (r[master.name]?.role !== 'master') throw new Error(`${master.name} is not a master: ${rolesText(r)}`);
  const replica = pods.find((p) => r[p.name]?.master === master.name);
  if (!replica) throw new Error(`${master.name} has no replica: ${rolesText(r)}`);
  const deadIp = master.ip;
  const killedAt = Date.now();
  await master.kill();
  await waitFor(
    `${replica.name} to be promoted after SIGKILL of ${master.name}`,
    async () => {
      const x = (await roles([replica]))[replica.name]!;
      return { done: x.role === 'master', state: `${replica.name}: ${x.role}` };
    },
    { timeoutMs: 90_000, intervalMs: 100, context: () => chart.sandbox.describe(10, pods) },
  );
  const promotedMs = Date.now() - killedAt;
  await waitFor(
    'the survivors to settle with problems only about the dead pod',
    async () => {
      const h = await clusterHealth(pods);
      const other = h.problems.filter((p) => !p.includes(master.name));
      return { done: other.length === 0, state: h.problems.join('\n') };
    },
    { timeoutMs: 60_000 },
  );
  return { replica, deadIp, promotedMs, consistentMs: Date.now() - killedAt };
}

/** Every pod deleted at once (SIGKILL) and back on new IPs (or on the given ones): how long until every pod listens, and until the cluster is fully healthy. */
export async function restartAllOnNewIps(chart: RedisClusterChart, newIps?: readonly string[]): Promise<{ listeningMs: number; healthyMs: number }> {
  const pods = chart.pods;
  await Promise.all(pods.map((p) => p.kill()));
  const t0 = Date.now();
  await Promise.all(pods.map((p, i) => p.restart({ newIp: newIps?.[i] ?? true })));
  const listeningMs = Date.now() - t0;
  await waitHealthy(pods, { timeoutMs: HEALTH_TIMEOUT_MS, resolveHost: (h) => chart.sandbox.resolve(h) });
  return { listeningMs, healthyMs: Date.now() - t0 };
}

/**
 * The cluster is whole: FACTS' full health on every pod, every expected key readable with its
 * value, and the chart's own probes pass on every pod (readiness.sh, liveness.sh). Returns how
 * long the health wait took.
 */
export async function assertWholeCluster(chart: RedisClusterChart, keySets: ReadonlyArray<ReadonlyMap<string, string>>, what: string): Promise<{ report: HealthReport; elapsedMs: number }> {
  const pods = chart.pods;
  const health = await waitHealthy(pods, { timeoutMs: HEALTH_TIMEOUT_MS, resolveHost: (h) => chart.sandbox.resolve(h) });
  for (const keys of keySets) {
    if (keys.size === 0) continue;
    const present = await keysPresent(pods, keys);
    if (!present.ok) throw new Error(`${what}: ${present.summary}\n${health.report.summary}`);
  }
  await Promise.all(
    pods.map(async (p) => {
      await waitFor(
        `readiness.sh of ${p.name} to pass (${what})`,
        async () => {
          const r = await chart.runScript(p, 'readiness.sh');
          return { done: r.code === 0, state: `${r.stdout}${r.stderr}`.trim() };
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const live = await chart.runScript(p, 'liveness.sh');
      if (live.code !== 0 || live.stdout.trim() !== 'alive: PONG') throw new Error(`${what}: liveness.sh of ${p.name} says ${live.code}: ${live.stdout}${live.stderr}`);
    }),
  );
  return health;
}

/**
 * The shard-major shape: exactly `shards` masters owning slots, each with `replicasPerShard`
 * replicas, every replica in its master's group of ordinals (p / (1 + replicasPerShard)) and on
 * another pod. Returns the roles; throws describing the first mismatch.
 */
export async function assertShardShape(chart: RedisClusterChart): Promise<Record<string, PodRole>> {
  const pods = chart.pods;
  const r = await roles(pods);
  const group = (name: string) => Math.floor(Number(name.slice(name.lastIndexOf('-') + 1)) / (1 + chart.replicasPerShard));
  const masters = pods.filter((p) => r[p.name]!.role === 'master');
  const problems: string[] = [];
  if (masters.length !== chart.shards) problems.push(`${masters.length} masters, expected ${chart.shards}`);
  for (const m of masters) {
    if (!r[m.name]!.slots) problems.push(`master ${m.name} owns no slots`);
    const replicas = pods.filter((p) => r[p.name]!.master === m.name);
    if (replicas.length !== chart.replicasPerShard) problems.push(`master ${m.name} has ${replicas.length} replica(s) (${replicas.map((p) => p.name).join(', ')}), expected ${chart.replicasPerShard}`);
    for (const x of replicas) if (group(x.name) !== group(m.name) || x === m) problems.push(`replica ${x.name} of ${m.name} is outside its group`);
  }
  for (const p of pods) if (r[p.name]!.role === 'replica' && !masters.some((m) => m.name === r[p.name]!.master)) problems.push(`${p.name} replicates ${r[p.name]!.master}, which is not a master pod`);
  if (problems.length > 0) throw new Error(`shard shape: ${problems.join('; ')}\nroles: ${rolesText(r)}`);
  return r;
}

/** Slot counts per master pod, e.g. { 'rc-0': 4096, ... }. */
export async function slotCounts(chart: RedisClusterChart): Promise<Record<string, number>> {
  const r = await roles(chart.pods);
  const out: Record<string, number> = {};
  for (const [name, x] of Object.entries(r)) {
    if (x.role !== 'master') continue;
    out[name] = x.slots
      .split(',')
      .filter(Boolean)
      .reduce((n, range) => {
        const [a, b = a] = range.split('-').map(Number);
        return n + (b! - a! + 1);
      }, 0);
  }
  return out;
}

export interface LoadOptions {
  /** Keys are `<keysPrefix>:<n>`. */
  readonly keysPrefix: string;
  /** @default 100 */
  readonly ratePerSec?: number;
  /** Acknowledge a write only once this many replicas confirmed it (WAIT); 0: the master's OK. @default 0 */
  readonly waitReplicas?: number;
}

/**
 * Runs `fn` under a steady write load through a cluster client that follows MOVED/ASK and finds
 * every running pod of the chart (pods added meanwhile too). The report has every acknowledged
 * and every failed write, also when `fn` throws (then the error is rethrown after the load stopped).
 */
export async function withWriteLoad<T>(chart: RedisClusterChart, options: LoadOptions, fn: () => Promise<T>): Promise<{ result: T; report: WriteLoadReport }> {
  const client = new ClusterClient({ seeds: () => chart.allPods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
  const waitReplicas = options.waitReplicas ?? 0;
  const load = startWriteLoad({ client, keysPrefix: options.keysPrefix, ratePerSec: options.ratePerSec ?? 100, waitReplicas, waitTimeoutMs: 1000 });
  let result: T;
  try {
    result = await fn();
  } finally {
    await load.stop();
    client.close();
  }
  return { result, report: await load.done };
}

/**
 * The pod's data files are lost while nodes.conf survives (persistence off: `aof no` and no RDB
 * saves, or the AOF/RDB files deleted): the AOF directory, dump.rdb and a legacy appendonly.aof
 * go; nodes.conf, peers.map and the rest stay. The pod must be stopped.
 */
export function loseDataFiles(pod: Pod): void {
  if (pod.running) throw new Error(`loseDataFiles: ${pod.name} is running; kill it first`);
  for (const f of ['appendonlydir', 'dump.rdb', 'appendonly.aof']) rmSync(path.join(pod.dataDir, f), { recursive: true, force: true });
}

/** Files on a pod's volume that are not one of the chart's or redis's own files: temp files a killed script left behind. */
export function strayVolumeFiles(pod: Pod): string[] {
  const known = new Set(['nodes.conf', 'nodes.conf.before-start', 'peers.map', 'appendonlydir', 'dump.rdb', 'appendonly.aof', 'data-loss.log', 'force-start', 'set-aside']);
  return readdirSync(pod.dataDir).filter((f) => !known.has(f) && !/^temp-[0-9]+\.(rdb|aof)$/.test(f));
}

/** Files in a pod's scratch dir (the /tmp emptyDir of the redis container), if it has one. */
export function scratchFiles(pod: Pod): string[] {
  const dir = path.join(pod.dir, 'volumes', 'tmp');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Output lines of the pod's current (last) start: from the harness's "start #N" marker on. */
export function linesSinceLastStart(pod: Pod): string[] {
  const lines = readFileSync(pod.log.file, 'utf8').split('\n');
  let i = -1;
  lines.forEach((l, n) => {
    if (l.includes(`start #${pod.starts} of pod ${pod.name}`)) i = n;
  });
  return i < 0 ? lines : lines.slice(i);
}
