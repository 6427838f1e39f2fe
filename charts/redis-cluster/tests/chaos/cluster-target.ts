/**
 * The redis-cluster chart as a chaos target: pods, Jobs and probes come from the rendered chart
 * (../behaviour/redis-cluster-chart.ts); this file only maps the campaign's faults onto them and
 * observes the cluster. Groups are shards: pods 2g and 2g+1 (shard-major ordinals).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  applyPodFault,
  ClusterClient,
  clusterHealth,
  commandWith,
  keysPresent,
  loseVolume,
  overlappingSlots,
  parseClusterNodes,
  Sandbox,
  startContainerRestarts,
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
import { installCluster, JOB_TIMEOUT_MS } from '../behaviour/operations.ts';
import { type RedisClusterChart, TEST_PASSWORD } from '../behaviour/redis-cluster-chart.ts';

const SHARDS = 3;
const REPLICAS_PER_SHARD = 1;
const WAITING_SAFELY = /^not ready: waiting safely:/;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function clusterSpec(bounded: boolean, faults: readonly [number, number] = bounded ? [2, 3] : [3, 6]): GeneratorSpec {
  return {
    chart: 'redis-cluster',
    groups: SHARDS,
    groupSize: 1 + REPLICAS_PER_SHARD,
    podCount: SHARDS * (1 + REPLICAS_PER_SHARD),
    kinds: ['kill-new-ip', 'kill-own-ip', 'kill-reuse-ip', 'quick-restart', 'lose-data-files', 'lose-nodes-conf', 'lose-volume', 'late-dns', 'kill-job', 'full-restart'],
    weights: { 'kill-new-ip': 2 },
    faults,
    maxDnsDelayMs: bounded ? 8000 : 120_000,
    nodeTimeouts: [3000, 5000],
    jobs: ['bootstrap', 'scale'],
  };
}

/** Chart values of a history (found in values.yaml: cluster.nodeTimeout, persistence.*). */
export function clusterValues(h: History): string[] {
  const set = [`cluster.shards=${SHARDS}`, `cluster.replicasPerShard=${REPLICAS_PER_SHARD}`, `cluster.nodeTimeout=${h.params.nodeTimeoutMs}`];
  if (!h.params.persistence) set.push('persistence.enabled=false', 'persistence.aof=false', 'persistence.rdbSave=');
  return set;
}

export async function createClusterTarget(history: History): Promise<ChaosTarget> {
  const sandbox = await Sandbox.create({ name: `chaos-rc-${history.seed}` });
  let chart: RedisClusterChart | undefined;
  let restarts: ContainerRestarts | undefined;
  let log: OperationLog | undefined;
  const clients = new Map<number, ClusterClient>();
  const pods = () => chart?.pods ?? [];
  const persistence = history.params.persistence;

  const client = (wait: number) => {
    let c = clients.get(wait);
    if (!c) {
      c = new ClusterClient({
        seeds: () =>
          pods()
            .filter((p) => p.running)
            .map((p) => p.address),
        password: TEST_PASSWORD,
        connectTimeoutMs: 500,
        commandTimeoutMs: 3000,
      });
      clients.set(wait, c);
    }
    return c;
  };

  /** A deleted pod with persistence off: its emptyDir volume dies with it. */
  const deleted = (pod: Pod) => {
    if (!persistence) {
      loseVolume(pod.dataDir);
      log?.add(`${pod.name}: persistence off: the deleted pod's emptyDir is gone`);
    }
  };

  const start = async (pod: Pod, newIp: boolean | string, dnsDelayMs = 0) => {
    await chart!.startNode(pod, { waitUntil: 'spawned', newIp, dnsDelayMs });
    log?.add(`${pod.name} started on ${pod.ip}${newIp === false ? ' (same IP)' : ''}${dnsDelayMs ? `, DNS in ${dnsDelayMs} ms` : ''}`);
    restarts?.release(pod);
  };

  const down = async (pod: Pod, keepDns = false) => {
    restarts?.hold(pod);
    await pod.kill({ keepDns });
    log?.add(`SIGKILL ${pod.name} (${pod.ip})`);
  };

  /** "master of group g" -> a pod, from each group pod's own CLUSTER NODES view. */
  const resolve = async (t: PodTarget, exclude: readonly Pod[] = []): Promise<Pod> => {
    const group = pods()
      .slice(t.group * 2, t.group * 2 + 2)
      .filter((p) => !exclude.includes(p));
    const roleOf = async (p: Pod) => {
      try {
        const me = parseClusterNodes(String(await commandWith(p.connection({ connectTimeoutMs: 500, commandTimeoutMs: 1500 }), 'CLUSTER', 'NODES'))).find((n) => n.myself);
        return me?.flags.includes('master') ? 'master' : 'replica';
      } catch {
        return 'unknown';
      }
    };
    const roles = await Promise.all(group.map(roleOf));
    const i = roles.indexOf(t.role);
    const pod = group[Math.max(i, 0)]!;
    log?.add(`target ${t.role}/g${t.group} -> ${pod.name} (${pod.ip})${i < 0 ? ` (no ${t.role} in the group: ${roles.join(',')})` : ''}`);
    return pod;
  };

  const readiness = async (p: Pod): Promise<string> => {
    const r = await chart!.runScript(p, 'readiness.sh', 10_000);
    return `${r.code === 0 ? 'ok' : 'fail'}|${`${r.stdout}${r.stderr}`.trim()}`;
  };

  const target: ChaosTarget = {
    chart: 'redis-cluster',
    waitReplicas: REPLICAS_PER_SHARD,
    maxInFlight: 8,

    async install(l) {
      log = l;
      ({ chart } = await installCluster(sandbox, { set: clusterValues(history) }));
      l.add(`installed: ${chart.pods.map((p) => `${p.name}@${p.ip}`).join(' ')} (values ${clusterValues(history).join(' ')})`);
      restarts = startContainerRestarts(
        pods,
        (p) => start(p, false),
        (line) => l.add(line),
      );
    },

    async write(key, value, wait) {
      const reply = await client(wait).set(key, value, wait > 0 ? { waitReplicas: { count: wait, timeoutMs: 1000 } } : {});
      if (reply !== 'OK') throw new Error(`SET ${key}: ${JSON.stringify(reply)}`);
    },

    async sample() {
      const claims = await Promise.all(
        pods()
          .filter((p) => p.running)
          .map(async (p) => {
            try {
              const me = parseClusterNodes(String(await commandWith(p.connection({ connectTimeoutMs: 200, commandTimeoutMs: 300 }), 'CLUSTER', 'NODES'))).find((n) => n.myself);
              return me?.flags.includes('master') && me.slots.length > 0 ? { p, me } : undefined;
            } catch {
              return undefined; // unreachable: not a writable master at this instant
            }
          }),
      );
      const masters = claims.filter((x): x is NonNullable<typeof x> => x !== undefined);
      const out: string[] = [];
      for (let i = 0; i < masters.length; i++) {
        for (let j = i + 1; j < masters.length; j++) {
          const a = masters[i]!;
          const b = masters[j]!;
          const o = overlappingSlots(a.me.slots, b.me.slots);
          if (o.length)
            out.push(`${a.p.name} (${a.p.ip}, node ${a.me.id.slice(0, 8)}) and ${b.p.name} (${b.p.ip}, node ${b.me.id.slice(0, 8)}) both claim slots ${o.slice(0, 3).join(',')} as myself,master`);
        }
      }
      return out;
    },

    async apply(op: Operation, l: OperationLog): Promise<number> {
      const c = chart!;
      const ended = await applyPodFault(op, { resolve, down, deleted, start }, l);
      if (ended !== undefined) return ended;
      switch (op.kind) {
        case 'kill-job': {
          const run = (n: string) => (op.job === 'scale' ? c.startScaleIn(c.current, `chaos-scale-${op.index}-${n}`) : c.startBootstrap(`chaos-bootstrap-${op.index}-${n}`));
          const first = run('a');
          await Promise.race([sleep(op.killAfterMs ?? 0), first.done]);
          if (first.running) {
            await first.kill();
            l.add(`${op.job} Job killed after ${op.killAfterMs} ms; last output: ${first.lines().slice(-2).join(' | ') || '(none)'}`);
          } else {
            const r = await first.done;
            l.add(`${op.job} Job ended before the kill (exit ${r.code}): ${r.output.slice(-1).join('')}`);
          }
          const again = run('b');
          const endedAt = Date.now();
          const r = await again.succeeded(JOB_TIMEOUT_MS);
          l.add(`${op.job} Job rerun succeeded in ${r.durationMs} ms`);
          return endedAt;
        }
        case 'full-restart': {
          const all = pods();
          await Promise.all(all.map((p) => down(p)));
          await sleep(op.downMs);
          const t0 = Date.now();
          await Promise.all(
            all.map(async (p, i) => {
              await sleep(op.staggerMs?.[i] ?? 0);
              await start(p, true);
            }),
          );
          l.add(`full restart: every pod started again within ${Date.now() - t0} ms`);
          return Date.now();
        }
        default:
          throw new Error(`${op.kind} does not apply to redis-cluster`);
      }
    },

    async health(): Promise<HealthObservation> {
      const ps = pods();
      const h = await clusterHealth(ps, { resolveHost: (x) => sandbox.resolve(x), timeoutMs: 2000 });
      // kubelet's own readiness runs (every periodSeconds) tell whether a pod is waiting safely.
      const probed = ps.map((p) => ({ p, out: chart!.readiness(p)?.last()?.output ?? '' }));
      let waitingSafely = probed.filter((x) => WAITING_SAFELY.test(x.out)).map((x) => `${x.p.name}: ${x.out}`);
      let allReady = false;
      const problems = [...h.problems];
      if (h.healthy) {
        const runs = await Promise.all(ps.map(async (p) => ({ p, r: await readiness(p) })));
        allReady = runs.every((x) => x.r.startsWith('ok|'));
        for (const x of runs.filter((y) => !y.r.startsWith('ok|'))) problems.push(`${x.p.name}: readiness.sh: ${x.r.slice(5)}`);
        waitingSafely = runs.filter((x) => WAITING_SAFELY.test(x.r.slice(x.r.indexOf('|') + 1))).map((x) => `${x.p.name}: ${x.r.slice(x.r.indexOf('|') + 1)}`);
      }
      return { healthy: h.healthy && allReady, problems, waitingSafely, allReady };
    },

    async checkKeys(expected) {
      const r = await keysPresent(pods(), expected, 32);
      return { missing: [...r.missing, ...r.wrong.map((w) => w.key)], unreadable: r.errors.map((e) => e.key) };
    },

    dataDirs: () => pods().map((p) => p.dataDir),

    dataLossLines() {
      return pods().flatMap((p) => {
        const f = path.join(p.dataDir, 'data-loss.log');
        return existsSync(f)
          ? readFileSync(f, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => `${p.name}: ${l}`)
          : [];
      });
    },

    async describe() {
      const parts: string[] = [];
      for (const p of pods()) {
        let nodes = '(not running)';
        if (p.running) {
          nodes = await commandWith(p.connection({ connectTimeoutMs: 500, commandTimeoutMs: 1500 }), 'CLUSTER', 'NODES').then(
            (x) => String(x).trim(),
            (e: Error) => `(unreachable: ${e.message})`,
          );
        }
        parts.push(`=== ${p.name} ${p.ip} ${p.running ? 'running' : 'stopped'}; readiness: ${chart?.readiness(p)?.last()?.output ?? '-'}\nCLUSTER NODES:\n${nodes}\n${p.describe(15)}`);
      }
      try {
        const h = await clusterHealth(pods(), { resolveHost: (x) => sandbox.resolve(x) });
        parts.unshift(`roles: ${h.summary}\nproblems:\n  ${h.problems.join('\n  ')}`);
      } catch {
        // described per pod below
      }
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
