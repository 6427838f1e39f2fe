/**
 * The redis-sentinel chart as a chaos target: pods and probes come from the rendered chart
 * (../behaviour/redis-sentinel-chart.ts), observation from ../behaviour/sentinel-group.ts. One data
 * group: the master set's Redis pods. The Sentinels' runtime is an emptyDir ("runtime", "tmp").
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  applyPodFault,
  commandWith,
  loseVolume,
  Sandbox,
  startContainerRestarts,
  WaitTimeoutError,
  type ChaosTarget,
  type ContainerRestarts,
  type GeneratorSpec,
  type HealthObservation,
  type History,
  type Operation,
  type OperationLog,
  type Pod,
  type PodTarget,
} from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from '../behaviour/redis-sentinel-chart.ts';
import { groupText, missingKeys, roleOf, sentinelMasterAddr, SentinelClient, waitForGroup } from '../behaviour/sentinel-group.ts';

const REPLICAS = 2;
const WAITING_SAFELY = /^not ready: waiting safely:/;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function sentinelSpec(bounded: boolean, faults: readonly [number, number] = bounded ? [2, 3] : [3, 6]): GeneratorSpec {
  return {
    chart: 'redis-sentinel',
    groups: 1,
    groupSize: 1 + REPLICAS,
    podCount: 1 + REPLICAS,
    kinds: ['kill-new-ip', 'kill-own-ip', 'kill-reuse-ip', 'quick-restart', 'lose-data-files', 'lose-volume', 'late-dns', 'wipe-sentinels', 'full-restart'],
    weights: { 'kill-new-ip': 2 },
    faults,
    maxDnsDelayMs: bounded ? 8000 : 120_000,
    nodeTimeouts: [3000, 5000],
  };
}

/** Chart values of a history (values.yaml: sentinel.downAfterMilliseconds, persistence.*). */
export function sentinelValues(h: History): string[] {
  const set = [`replication.replicas=${REPLICAS}`, `sentinel.downAfterMilliseconds=${h.params.nodeTimeoutMs}`];
  if (!h.params.persistence) set.push('persistence.enabled=false', 'persistence.aof=false', 'persistence.rdbSave=');
  return set;
}

export async function createSentinelTarget(history: History): Promise<ChaosTarget> {
  const sandbox = await Sandbox.create({ name: `chaos-rs-${history.seed}`, ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  let chart: RedisSentinelChart | undefined;
  let redis: Pod[] = [];
  let sentinels: Pod[] = [];
  let restarts: ContainerRestarts | undefined;
  let log: OperationLog | undefined;
  const clients = new Map<number, SentinelClient>();
  const persistence = history.params.persistence;
  let healthCalls = 0;
  let lastReadiness: Array<{ p: Pod; ok: boolean; out: string }> = [];

  const client = (wait: number) => {
    let c = clients.get(wait);
    if (!c) {
      c = new SentinelClient(() => sentinels.filter((s) => s.running), chart!.masterSet, chart!.redisPassword);
      clients.set(wait, c);
    }
    return c;
  };

  const wipeEmptyDirs = (pod: Pod, which: readonly string[]) => {
    for (const v of which) {
      const dir = path.join(pod.dir, 'volumes', v);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
  };

  /** A deleted pod: its emptyDirs die with it (the data volume too with persistence off). */
  const deleted = (pod: Pod) => {
    if (chart!.isSentinel(pod)) wipeEmptyDirs(pod, ['runtime', 'tmp']);
    else {
      wipeEmptyDirs(pod, ['runtime', 'tmp']);
      if (!persistence) {
        loseVolume(pod.dataDir);
        log?.add(`${pod.name}: persistence off: the deleted pod's emptyDir is gone`);
      }
    }
  };

  const start = async (pod: Pod, newIp: boolean | string, dnsDelayMs = 0) => {
    if (newIp === true) pod.moveTo(await sandbox.allocateIp());
    else if (typeof newIp === 'string') pod.moveTo(newIp);
    await chart!.start(pod, { waitUntil: 'spawned', dnsDelayMs });
    log?.add(`${pod.name} started on ${pod.ip}${newIp === false ? ' (same IP)' : ''}${dnsDelayMs ? `, DNS in ${dnsDelayMs} ms` : ''}`);
    restarts?.release(pod);
  };

  const down = async (pod: Pod, keepDns = false) => {
    restarts?.hold(pod);
    await pod.kill({ keepDns });
    log?.add(`SIGKILL ${pod.name} (${pod.ip})`);
  };

  const resolve = async (t: PodTarget, exclude: readonly Pod[] = []): Promise<Pod> => {
    const candidates = redis.filter((p) => !exclude.includes(p));
    const roles = await Promise.all(candidates.map((p) => roleOf(p)));
    const i = roles.findIndex((r) => r.role === t.role);
    const pod = candidates[Math.max(i, 0)]!;
    log?.add(`target ${t.role}/g${t.group} -> ${pod.name} (${pod.ip})${i < 0 ? ` (no ${t.role}: ${roles.map((r) => r.role).join(',')})` : ''}`);
    return pod;
  };

  const readinessAll = async () => {
    lastReadiness = await Promise.all(
      redis.map(async (p) => {
        if (!p.running) return { p, ok: false, out: '(not running)' };
        const r = await chart!.runHook(p, 'readiness', 10_000);
        return { p, ok: r.code === 0 && !r.timedOut, out: `${r.stdout}${r.stderr}`.trim() };
      }),
    );
    return lastReadiness;
  };

  const target: ChaosTarget = {
    chart: 'redis-sentinel',
    waitReplicas: REPLICAS,
    maxInFlight: 4,

    async install(l) {
      log = l;
      chart = await RedisSentinelChart.render(sandbox, { set: sentinelValues(history) });
      ({ redis, sentinels } = await chart.createPods());
      await Promise.all([...redis, ...sentinels].map((p) => chart!.start(p)));
      await waitForGroup(redis, sentinels, chart.masterSet, 'the new group to form', 120_000, () => sandbox.describe(25));
      l.add(`installed: ${[...redis, ...sentinels].map((p) => `${p.name}@${p.ip}`).join(' ')} (values ${sentinelValues(history).join(' ')})`);
      restarts = startContainerRestarts(
        () => [...redis, ...sentinels],
        (p) => start(p, false),
        (line) => l.add(line),
      );
    },

    async write(key, value, wait) {
      await client(wait).set(key, value, wait, 1000);
    },

    async sample() {
      const fast = { connectTimeoutMs: 200, commandTimeoutMs: 300 };
      const isMaster = async (p: Pod) => p.running && ((await commandWith(p.connection(fast), 'ROLE').catch(() => undefined)) as unknown[] | undefined)?.[0] === 'master';
      const masters = (await Promise.all(redis.map(async (p) => ({ p, m: await isMaster(p) })))).filter((x) => x.m);
      if (masters.length < 2) return [];
      const writable = await Promise.all(
        masters.map(async ({ p }) => {
          try {
            return (await commandWith(p.connection(fast), 'SET', `chaos:writable-probe:${p.name}`, String(Date.now()))) === 'OK' ? p : undefined;
          } catch {
            return undefined;
          }
        }),
      );
      const w = writable.filter((x): x is Pod => x !== undefined);
      if (w.length < 2) return [];
      const answers = await Promise.all(sentinels.map((s) => sentinelMasterAddr(s, chart!.masterSet)));
      return [`${w.map((p) => `${p.name} (${p.address})`).join(' and ')} all answer ROLE master and accept writes; Sentinels name ${answers.map((a) => a ?? '-').join(', ')}`];
    },

    async apply(op: Operation, l: OperationLog): Promise<number> {
      const ended = await applyPodFault(op, { resolve, down, deleted, start }, l);
      if (ended !== undefined) return ended;
      switch (op.kind) {
        case 'wipe-sentinels': {
          await Promise.all(sentinels.map((s) => down(s)));
          await sleep(op.downMs);
          for (const s of sentinels) deleted(s);
          l.add('every Sentinel deleted: runtime emptyDirs wiped');
          await Promise.all(sentinels.map((s) => start(s, true)));
          return Date.now();
        }
        case 'full-restart': {
          const all = op.sentinelsToo ? [...redis, ...sentinels] : redis;
          await Promise.all(all.map((p) => down(p)));
          await sleep(op.downMs);
          for (const p of all) deleted(p);
          await Promise.all(
            all.map(async (p, i) => {
              await sleep(op.staggerMs?.[i % (op.staggerMs.length || 1)] ?? 0);
              await start(p, true);
            }),
          );
          return Date.now();
        }
        default:
          throw new Error(`${op.kind} does not apply to redis-sentinel`);
      }
    },

    async health(): Promise<HealthObservation> {
      healthCalls += 1;
      const c = chart!;
      let problems: string[] = [];
      const down = [...redis, ...sentinels].filter((p) => !p.running).map((p) => `${p.name}: not running`);
      try {
        if (down.length) throw new WaitTimeoutError('pods down', down.join('\n'));
        await waitForGroup(redis, sentinels, c.masterSet, 'the group to be whole', 1);
      } catch (e) {
        problems = [...(e instanceof WaitTimeoutError ? e.lastState.split('\n') : [(e as Error).message])];
      }
      // Readiness is costly: always when the group looks whole, else every 3rd poll (waiting-safely detection).
      if (problems.length === 0 || healthCalls % 3 === 0) await readinessAll();
      const fresh = problems.length === 0;
      const allReady = fresh && lastReadiness.length === redis.length && lastReadiness.every((x) => x.ok);
      if (fresh) for (const x of lastReadiness.filter((y) => !y.ok)) problems.push(`${x.p.name}: readiness: ${x.out}`);
      const waitingSafely = lastReadiness.filter((x) => WAITING_SAFELY.test(x.out)).map((x) => `${x.p.name}: ${x.out}`);
      return { healthy: problems.length === 0 && allReady, problems, waitingSafely, allReady };
    },

    async checkKeys(expected) {
      const addr = await sentinelMasterAddr(sentinels.find((s) => s.running)!, chart!.masterSet);
      const master = redis.find((p) => p.running && p.address === addr);
      if (!master) return { missing: [], unreadable: [...expected.keys()] };
      try {
        return { missing: await missingKeys(master, expected), unreadable: [] };
      } catch {
        return { missing: [], unreadable: [...expected.keys()] };
      }
    },

    dataDirs: () => redis.map((p) => p.dataDir),

    dataLossLines() {
      return redis.flatMap((p) => {
        const f = path.join(p.dataDir, 'data-loss.log');
        return existsSync(f)
          ? readFileSync(f, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((x) => `${p.name}: ${x}`)
          : [];
      });
    },

    async describe() {
      const c = chart!;
      const parts = [`group: ${await groupText(redis, sentinels, c.masterSet)}`];
      for (const s of sentinels.filter((x) => x.running)) {
        const m = await commandWith(s.connection({ connectTimeoutMs: 500, commandTimeoutMs: 1500 }), 'SENTINEL', 'MASTER', c.masterSet).then(
          (x) => JSON.stringify(x),
          (e: Error) => `(${e.message})`,
        );
        parts.push(`${s.name} SENTINEL MASTER: ${m}`);
      }
      for (const x of lastReadiness) parts.push(`${x.p.name} readiness: ${x.ok ? 'ok' : 'not ready'}: ${x.out}`);
      parts.push(sandbox.describe(15, [...redis, ...sentinels]));
      return parts.join('\n');
    },

    async cleanup() {
      restarts?.stop();
      for (const c of clients.values()) c.close();
      await sandbox.cleanup();
    },
  };
  return target;
}
