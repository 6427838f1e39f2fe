/**
 * Monitoring proven end to end on a Redis Cluster, incident by incident (issue 13): the
 * redis-cluster chart's own pods (start-node.sh, bootstrap Job: charts/redis-cluster/tests/behaviour),
 * one real redis_exporter per pod from the rendered sidecar, and a real Prometheus with the rendered
 * PodMonitor and PrometheusRule of charts/redis-monitoring (ci/cluster-values.yaml, time constants
 * shortened through values only: lib/monitored-release.ts). One cluster install serves every test;
 * after each repair the next test starts only once the cluster is whole and no alert fires.
 *
 *   1. failover happened: a master's pod is lost (SIGKILL, the pod gone as when its node dies) past
 *      cluster-node-timeout, its replica is promoted -> RedisFailover (info) fires for the promoted
 *      pod; the pod is recreated on a new address (the StatefulSet), rejoins as a replica, and every
 *      alert resolves (RedisFailover by itself, 2 x its `for` after the promotion);
 *   2. replica link down: a replica's master link is cut while the replica stays up (its masterauth
 *      no longer matches, as after a password rotation that reached the master only, and the link is
 *      dropped) -> RedisReplicationLinkDown for the replica and RedisMasterWithoutReplica for its
 *      master; repair: the replica's container restart (start-node.sh writes masterauth again);
 *   3. shards lost: a master AND its replica are SIGKILLed -> the shard's slots go to fail once the
 *      other masters agree: RedisClusterSlotsFail fires. The chart sets cluster-require-full-coverage
 *      no, so the other shards keep cluster_state:ok and serve (asserted); a second shard lost the
 *      same way leaves the survivors without a majority of masters -> cluster_state:fail:
 *      RedisClusterStateNotOk fires. Repair: the four containers started again through start-node.sh;
 *   4. split brain, cluster mode: a master is frozen (SIGSTOP) past cluster-node-timeout, its replica
 *      is promoted, the old master is thawed (SIGCONT): until it hears the newer config epoch it still
 *      says master, and it serves a write queued by a client meanwhile, which is then lost. The test
 *      MEASURES that window (ROLE polled back to back on one connection) and whether any scrape saw
 *      more masters than shards; RedisSplitBrain can only fire when the window outlasts a scrape
 *      interval plus its `for`. The measured window is printed, and so is what the alert did.
 *   5. split brain that lasts: a master's container dies, its replica is promoted, and it comes
 *      back WITHOUT the chart's start-node.sh (redis-server on its volume with nodes.conf lost: what
 *      a chart without the start script does) on the far side of a cluster-bus partition (emulated:
 *      its bus listens on another port than the one the peers dial). It claims the slots of its
 *      keys as a cluster of its own and serves writes for them next to the real master ->
 *      RedisSplitBrain fires; the container restarted through start-node.sh (it takes the pod's
 *      identity back from the peers and rejoins as a replica) repairs it. Without the partition
 *      Redis Cluster absorbs and demotes such a node within seconds (see the comment in the test).
 *
 * Seconds from incident to firing and from repair to resolution are printed ([monitoring-e2e]),
 * never asserted beyond generous bounds. A missing prometheus, prometheus-redis-exporter or
 * redis-server fails the file; every process is SIGKILLed by PID and the sandbox removed afterwards.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClusterClient,
  keySlot,
  monitoringBinary,
  type Pod,
  type PromAlert,
  RespConnection,
  type RespValue,
  redisBinary,
  roles,
  rolesText,
  Sandbox,
  waitFor,
  waitHealthy,
} from '@redis-gitops/redis-testkit';
import { installCluster, JOB_TIMEOUT_MS, linesSinceLastStart } from '../../../redis-cluster/tests/behaviour/operations.ts';
import { TEST_PASSWORD, type RedisClusterChart } from '../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import { hasData, incidentPanels, panelName, panelsOf, runPanels } from './lib/dashboard-panels.ts';
import { figureLog } from './lib/figures.ts';
import { monitorCluster } from './lib/monitored-cluster.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

// Fail at once, before anything starts, when a binary is missing (never skip).
monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

/** Generous bounds on a shared 2-core machine, not expectations. */
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 120_000;
const HEALTH_BOUND_MS = 120_000;
const KEYS = 300;
/** The stray master's cluster bus port in the lasting split brain: not the 16379 its peers dial. */
const BUS_PORT_PARTITIONED = 16380;
const SHORT_FOR_S = Number.parseInt(SHORT_FOR, 10);
const SCRAPE_S = Number.parseInt(SCRAPE_INTERVAL, 10);

let sandbox: Sandbox | undefined;
let chart: RedisClusterChart;
let monitored: MonitoredRelease;
const fileStart = Date.now();
const log = figureLog(import.meta.filename);
const { figure, summary } = log;

beforeAll(async () => {
  const t0 = Date.now();
  sandbox = await Sandbox.create({ name: 'monitoring-e2e-incidents', ports: [6379, 16379, 9121], requires: ['redis-server', 'redis-cli'] });
  ({ chart } = await installCluster(sandbox));
  // Some data in every shard, so restarts load a dataset (and RedisDataVanished would notice a loss).
  const client = new ClusterClient({ seeds: () => chart.pods.filter((p) => p.running).map((p) => p.address), password: TEST_PASSWORD });
  try {
    for (let i = 0; i < KEYS; i++) await client.set(`incident:${i}`, `v${i}`);
  } finally {
    client.close();
  }
  monitored = await monitorCluster(sandbox, chart);
  figure(`setup: cluster of ${chart.podCount} pods with ${KEYS} keys, exporters + prometheus scraping all targets after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}, 240_000);

afterAll(async () => {
  await sandbox?.cleanup();
  summary(`redis-cluster incident figures (file took ${((Date.now() - fileStart) / 1000).toFixed(0)}s)`);
}, 60_000);

// ---- helpers ------------------------------------------------------------------------------------

interface Shard {
  readonly master: Pod;
  readonly replica: Pod;
}

/** The shards as the pods see them now, ordered by their lowest pod ordinal (stable across failovers). */
async function shards(): Promise<Shard[]> {
  const r = await roles(chart.pods);
  const out: Shard[] = [];
  for (const master of chart.pods.filter((p) => r[p.name]?.role === 'master')) {
    const replica = chart.pods.find((p) => r[p.name]?.master === master.name);
    if (!replica) throw new Error(`master ${master.name} has no replica: ${rolesText(r)}`);
    out.push({ master, replica });
  }
  const ordinal = (p: Pod) => Number(p.name.slice(p.name.lastIndexOf('-') + 1));
  return out.sort((a, b) => Math.min(ordinal(a.master), ordinal(a.replica)) - Math.min(ordinal(b.master), ordinal(b.replica)));
}

/** Waits until `pod` reports role master in its own view; returns ms since `since`. */
async function waitPromoted(pod: Pod, since: number): Promise<number> {
  await waitFor(
    `${pod.name} to be promoted to master`,
    async () => {
      const x = (await roles([pod]))[pod.name]!;
      return { done: x.role === 'master', state: `${pod.name}: ${x.role}` };
    },
    { timeoutMs: 90_000, intervalMs: 100, context: () => chart.sandbox.describe(10, chart.pods) },
  );
  return Date.now() - since;
}

/** Waits until `pod` is a replica of `master` in its own view. */
async function waitReplicaOf(pod: Pod, master: Pod): Promise<void> {
  await waitFor(
    `${pod.name} to be a replica of ${master.name}`,
    async () => {
      const x = (await roles(chart.pods.filter((p) => p.running)))[pod.name]!; // every view: master IDs to pod names
      return { done: x.role === 'replica' && x.master === master.name, state: `${pod.name}: ${x.role}${x.master ? ` of ${x.master}` : ''}` };
    },
    { timeoutMs: HEALTH_BOUND_MS, intervalMs: 200, context: () => pod.describe(20) },
  );
}

const onPod = (pod: Pod) => (a: PromAlert) => a.labels.pod === pod.name;

/** Waits for `name` firing (matching `match`); returns seconds since `since`. */
async function firing(name: string, since: number, match?: (a: PromAlert) => boolean): Promise<{ alert: PromAlert; s: number }> {
  const alert = await monitored.prometheus.waitForAlert(name, { ...(match ? { match } : {}), timeoutMs: FIRE_BOUND_MS });
  return { alert, s: (Date.now() - since) / 1000 };
}

/** Waits until `name` (matching `match`) is neither pending nor firing; returns seconds since `since`. */
async function resolved(name: string, since: number, match?: (a: PromAlert) => boolean): Promise<number> {
  await monitored.prometheus.waitForAlertGone(name, { ...(match ? { match } : {}), timeoutMs: RESOLVE_BOUND_MS });
  return (Date.now() - since) / 1000;
}

/**
 * Starts waiting for `name` (matching `match`) to resolve right away, so its seconds since `since`
 * are measured even while the test awaits other things; await the result later.
 */
function watchResolved(name: string, since: number, match?: (a: PromAlert) => boolean): Promise<number> {
  const p = resolved(name, since, match);
  p.catch(() => undefined); // awaited later; a failure surfaces there
  return p;
}

/** The cluster is whole again (FACTS' health on every pod) and nothing fires; prints how long that took. */
async function settle(what: string, since: number): Promise<void> {
  await waitHealthy(chart.pods, { timeoutMs: HEALTH_BOUND_MS, resolveHost: (h) => chart.sandbox.resolve(h) });
  await monitored.waitQuiet(RESOLVE_BOUND_MS);
  figure(`${what}: cluster whole and no alert firing (none with a shortened for pending) ${((Date.now() - since) / 1000).toFixed(1)}s after the repair`);
}

/** Incident-only panels of the dashboards for `incident` (if any are marked) must show data now. */
async function checkIncidentPanels(incident: 'master-down' | 'split-brain', state: string): Promise<void> {
  const panels = incidentPanels(panelsOf('redis-cluster'), incident);
  if (panels.length === 0) {
    figure(`no dashboard panel is marked incident-only for ${incident}`);
    return;
  }
  const results = await runPanels(monitored.prometheus, panels, { namespace: chart.namespace, release: chart.release }, 60);
  log.panels({ release: 'redis-cluster', state, checked: panels.length, withData: results.filter(hasData).length });
  expect(results.filter((r) => !hasData(r)).map((r) => panelName(r.panel))).toEqual([]);
}

function recorded(recorder: AlertRecorder, what: string): void {
  figure(`alerts seen during ${what} (seconds from the incident):\n    ${recorder.text().split('\n').join('\n    ')}`);
}

/** A key whose slot `pod` serves (its CLUSTER NODES myself line), for a write straight to it. */
async function keyServedBy(pod: Pod): Promise<string> {
  const ranges = (await roles([pod]))[pod.name]!.slots.split(',').filter(Boolean);
  const owns = (slot: number) =>
    ranges.some((range) => {
      const [a, b = a] = range.split('-').map(Number);
      return slot >= a! && slot <= b!;
    });
  for (let i = 0; i < 100_000; i++) if (owns(keySlot(`split-brain:${i}`))) return `split-brain:${i}`;
  throw new Error(`no key found for the slots of ${pod.name} (${ranges.join(',')})`);
}

/** The redis-server process of a running pod (start-node.sh execs it, so it is the pod's main process). */
function redisServerPid(pod: Pod): number {
  const pid = pod.pid;
  if (pid === undefined || !pod.running) throw new Error(`${pod.name} is not running`);
  const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  if (!/^(redis|valkey)-server/.test(comm)) throw new Error(`${pod.name}'s main process ${pid} is ${comm}, not redis-server or valkey-server`);
  return pid;
}

/** The raw samples Prometheus stored for `selector` over the last `seconds` (a range-vector instant query). */
async function rawSamples(selector: string, seconds: number): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>> {
  const data = await monitored.prometheus.api<{ resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> }>(
    `/api/v1/query?query=${encodeURIComponent(`${selector}[${seconds}s]`)}`,
  );
  if (data.resultType !== 'matrix') throw new Error(`${selector}[${seconds}s]: result type ${data.resultType}`);
  return data.result;
}

// ---- incidents ----------------------------------------------------------------------------------

describe('monitoring of Redis Cluster incidents, end to end (real redis-server, redis_exporter, prometheus)', () => {
  it(
    'fires RedisFailover (info) when a master pod is lost past cluster-node-timeout and its replica is promoted; all resolves once the pod is back as a replica',
    async () => {
      const { master, replica } = (await shards())[0]!;
      const recorder = new AlertRecorder(monitored.prometheus);
      try {
        const lostAt = Date.now();
        await master.kill(); // SIGKILL, the pod and its DNS record gone (its node died)
        await monitored.podDeleted(master); // its exporter sidecar dies with it; discovery drops the target
        const promotedMs = await waitPromoted(replica, lostAt);
        const fired = await firing('RedisFailover', lostAt, onPod(replica));
        expect(fired.alert.labels).toMatchObject({ severity: 'info', role: 'master', pod: replica.name, release: chart.release, namespace: chart.namespace });
        await checkIncidentPanels('master-down', 'incident-only panels, master pod lost and failed over');
        figure(
          `${replica.name} promoted ${(promotedMs / 1000).toFixed(1)}s after ${master.name} was lost; RedisFailover{pod=${replica.name}} firing at ${fired.s.toFixed(1)}s (for ${SHORT_FOR}, scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`,
        );

        // The StatefulSet recreates the pod: new IP, same volume, a new sidecar.
        const repairedAt = Date.now();
        const failoverGone = watchResolved('RedisFailover', repairedAt, onPod(replica));
        const missingGone = watchResolved('RedisPodsMissing', repairedAt);
        await chart.startNode(master);
        await monitored.podCreated(master);
        await waitReplicaOf(master, replica);
        const backS = (Date.now() - repairedAt) / 1000;
        const failoverResolvedS = await failoverGone;
        log.alert({
          alert: 'RedisFailover',
          incident: `loss of a master pod (SIGKILL, pod deleted) past cluster-node-timeout; replica promoted after ${(promotedMs / 1000).toFixed(1)}s`,
          firingS: fired.s,
          repair: `the pod recreated on a new IP (a replica again after ${backS.toFixed(1)}s); RedisFailover itself resolves 2 x for after the promotion`,
          resolvedS: failoverResolvedS,
        });
        const missing = recorder.seen.get(`RedisPodsMissing{${chart.release}}`);
        if (missing?.firstFiringS !== undefined) {
          log.alert({
            alert: 'RedisPodsMissing',
            incident: 'loss of a master pod (SIGKILL, pod deleted)',
            firingS: missing.firstFiringS - (lostAt - recorder.t0) / 1000,
            repair: 'the pod recreated on a new IP',
            resolvedS: await missingGone,
          });
        }
        await settle('failover', repairedAt);
        expect((await roles([replica]))[replica.name]!.role).toBe('master');
      } finally {
        await recorder.stop();
        recorded(recorder, 'failover');
      }
      // Only the promoted pod had a failover, and info is the severity of that alert.
      const failovers = recorder.firing().filter((s) => s.alert === 'RedisFailover');
      expect(failovers.map((s) => `${s.key} ${s.severity}`)).toEqual([`RedisFailover{${replica.name}} info`]);
    },
    FIRE_BOUND_MS + 3 * RESOLVE_BOUND_MS + HEALTH_BOUND_MS,
  );

  it(
    "fires RedisReplicationLinkDown and RedisMasterWithoutReplica while a running replica's master link is down; both resolve once its container restarts",
    async () => {
      const { master, replica } = (await shards())[1]!;
      const recorder = new AlertRecorder(monitored.prometheus);
      try {
        const cutAt = Date.now();
        // The link is cut for real: the replica's credentials for its master no longer match (a
        // password rotation that reached the master only), and its current link is dropped.
        expect(await replica.command('CONFIG', 'SET', 'masterauth', 'a-password-the-master-does-not-have')).toBe('OK');
        await replica.command('CLIENT', 'KILL', 'TYPE', 'master');
        await waitFor(
          `${replica.name}'s master link to be down and ${master.name} without replica`,
          async () => {
            const r = await replica.info('replication');
            const m = await master.info('replication');
            return {
              done: r.master_link_status === 'down' && m.connected_slaves === '0',
              state: `${replica.name} master_link_status:${r.master_link_status}; ${master.name} connected_slaves:${m.connected_slaves}`,
            };
          },
          { timeoutMs: 30_000, intervalMs: 200 },
        );
        const [link, alone] = await Promise.all([firing('RedisReplicationLinkDown', cutAt, onPod(replica)), firing('RedisMasterWithoutReplica', cutAt, onPod(master))]);
        expect(link.alert.labels).toMatchObject({ severity: 'critical', master_host: master.ip, master_port: '6379' });
        expect(alone.alert.labels.severity).toBe('critical');

        const repairedAt = Date.now();
        const gone = [watchResolved('RedisReplicationLinkDown', repairedAt, onPod(replica)), watchResolved('RedisMasterWithoutReplica', repairedAt, onPod(master))];
        await replica.kill({ keepDns: true }); // the container restarts in the same pod (same IP)
        await chart.startNode(replica, { newIp: false });
        const [linkS, aloneS] = await Promise.all(gone);
        const incident = `the master link of a running replica cut (masterauth mismatch, link dropped)`;
        const repair = "the replica's container restart (start-node.sh writes masterauth from the Secret)";
        log.alert({ alert: 'RedisReplicationLinkDown', incident, firingS: link.s, repair, resolvedS: linkS });
        log.alert({ alert: 'RedisMasterWithoutReplica', incident, firingS: alone.s, repair, resolvedS: aloneS });
        await settle('replica link down', repairedAt);
        expect((await replica.info('replication')).master_link_status).toBe('up');
      } finally {
        await recorder.stop();
        recorded(recorder, 'replica link down');
      }
      // A cut link is not a failover: no pod changed role.
      expect(recorder.firing().map((s) => s.alert)).not.toContain('RedisFailover');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + HEALTH_BOUND_MS,
  );

  it(
    'fires RedisClusterSlotsFail when a shard loses its master and its replica, RedisClusterStateNotOk when a second shard goes too; both resolve once start-node.sh brings them back',
    async () => {
      const [a, b, c] = await shards();
      const lost = [a!.master, a!.replica, b!.master, b!.replica];
      const recorder = new AlertRecorder(monitored.prometheus);
      const clusterStates = (pods: readonly Pod[]) => Promise.all(pods.map(async (p) => `${p.name} ${/cluster_state:\w+/.exec(String(await p.command('CLUSTER', 'INFO')))?.[0]}`));
      try {
        // One shard with no node: its slots go to fail once the masters agree; the chart's
        // cluster-require-full-coverage no keeps cluster_state:ok and the other shards serving.
        const lostAt = Date.now();
        await Promise.all([a!.master.kill({ keepDns: true }), a!.replica.kill({ keepDns: true })]);
        const slots = await firing('RedisClusterSlotsFail', lostAt);
        expect(slots.alert.labels.severity).toBe('critical');
        const failing = await monitored.prometheus.query(`redis_cluster_slots_fail{namespace="${chart.namespace}",release="${chart.release}"} > 0`);
        expect(failing.length).toBeGreaterThan(0);
        const okStates = await clusterStates(chart.pods.filter((p) => p.running));
        figure(
          `shard of ${a!.master.name} + ${a!.replica.name} lost: slots in fail as scraped: ${failing.map((s) => `${s.metric.pod}=${s.value}`).join(' ')}; ${okStates.join(', ')} (cluster-require-full-coverage no)`,
        );
        expect(okStates.every((x) => x.endsWith('cluster_state:ok'))).toBe(true);

        // A second shard with no node: the survivors reach 1 of 3 masters, no majority -> cluster_state:fail.
        const secondAt = Date.now();
        await Promise.all([b!.master.kill({ keepDns: true }), b!.replica.kill({ keepDns: true })]);
        const state = await firing('RedisClusterStateNotOk', secondAt);
        expect(state.alert.labels.severity).toBe('critical');
        expect([c!.master.name, c!.replica.name]).toContain(state.alert.labels.pod);
        figure(`second shard of ${b!.master.name} + ${b!.replica.name} lost: ${(await clusterStates([c!.master, c!.replica])).join(', ')}`);

        const repairedAt = Date.now();
        const gone = [watchResolved('RedisClusterStateNotOk', repairedAt), watchResolved('RedisClusterSlotsFail', repairedAt)];
        await Promise.all(lost.map((p) => chart.startNode(p, { newIp: false })));
        const backS = (Date.now() - repairedAt) / 1000;
        const [stateS, slotsS] = await Promise.all(gone);
        const repair = `the four containers started through start-node.sh (listening after ${backS.toFixed(1)}s)`;
        log.alert({ alert: 'RedisClusterSlotsFail', incident: 'SIGKILL of a master and its replica (a shard with no node)', firingS: slots.s, repair, resolvedS: slotsS });
        log.alert({ alert: 'RedisClusterStateNotOk', incident: 'SIGKILL of a second shard (master and replica): no majority of masters reachable', firingS: state.s, repair, resolvedS: stateS });
        await settle('shards lost', repairedAt);
      } finally {
        await recorder.stop();
        recorded(recorder, 'shards lost');
      }
      // Nobody was promoted (no shard had a node left to promote), and every slot stayed assigned.
      expect(recorder.firing().map((s) => s.alert)).not.toContain('RedisFailover');
      expect(recorder.firing().map((s) => s.alert)).not.toContain('RedisClusterSlotsUnassigned');
    },
    2 * FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + HEALTH_BOUND_MS,
  );

  it(
    'measures the split-brain window of a frozen master thawed after its replica was promoted, and what RedisSplitBrain makes of it',
    async () => {
      const { master: old, replica: promoted } = (await shards())[0]!;
      const key = await keyServedBy(old);
      const recorder = new AlertRecorder(monitored.prometheus);
      // One connection opened before the freeze: a client of the old master that keeps talking to it.
      const conn = await RespConnection.open(old.connection({ commandTimeoutMs: 180_000 }));
      let thawedAt = 0;
      try {
        const pid = redisServerPid(old);
        const frozenAt = Date.now();
        process.kill(pid, 'SIGSTOP');
        const promotedMs = await waitPromoted(promoted, frozenAt);
        // A frozen master is down to its exporter: RedisDown fires for it before it is thawed.
        const down = await firing('RedisDown', frozenAt, onPod(old));
        // Sent while frozen: queued in the socket, served first thing after SIGCONT.
        const queuedRole = conn.call('ROLE');
        const queuedSet = conn.call('SET', key, 'written-to-the-stale-master').then(
          (v: RespValue) => String(v),
          (e: Error) => `error: ${e.message}`,
        );
        thawedAt = Date.now();
        const downGone = watchResolved('RedisDown', thawedAt, onPod(old));
        process.kill(pid, 'SIGCONT');
        const firstRole = ((await queuedRole) as RespValue[])[0];
        let polls = 0;
        let lastMasterMs = -1;
        let role = String(firstRole);
        while (role === 'master') {
          lastMasterMs = Date.now() - thawedAt;
          polls++;
          role = String(((await conn.call('ROLE')) as RespValue[])[0]);
          if (Date.now() - thawedAt > 60_000) throw new Error(`${old.name} still says master 60s after SIGCONT`);
        }
        const windowMs = Date.now() - thawedAt;
        const setReply = await queuedSet;
        figure(
          `split brain: ${old.name} frozen (SIGSTOP), ${promoted.name} promoted after ${(promotedMs / 1000).toFixed(1)}s, RedisDown{${old.name}} firing at ${down.s.toFixed(1)}s, SIGCONT at ${((thawedAt - frozenAt) / 1000).toFixed(1)}s; ` +
            `first reply after the thaw: ROLE ${String(firstRole)}, queued SET -> ${setReply}; ${old.name} said master until ${lastMasterMs < 0 ? 'never (demoted before its first reply)' : `${lastMasterMs}ms`} (${polls} polls), ${role} after ${windowMs}ms`,
        );
        await waitReplicaOf(old, promoted);
        // A write the stale master acknowledged is gone: the promoted node never had it.
        const onPromoted = await promoted.command('GET', key);
        if (setReply === 'OK') expect(onPromoted).toBeNull();
        figure(`the write the stale master answered "${setReply}" to: GET on ${promoted.name} (the master now) -> ${JSON.stringify(onPromoted)}`);

        // What Prometheus saw: every sample of the old master's role=master series since the thaw,
        // and the most masters any evaluation of RedisSplitBrain's expression could have counted.
        await waitFor(
          `prometheus to scrape ${old.name} as a replica`,
          async () => {
            const r = await monitored.prometheus.query(`redis_instance_info{namespace="${chart.namespace}",release="${chart.release}",pod="${old.name}",role="slave"}`);
            return { done: r.length === 1, state: `${r.length} series` };
          },
          { timeoutMs: 30_000, intervalMs: 500 },
        );
        const sinceThawS = Math.ceil((Date.now() - thawedAt) / 1000) + 1;
        const staleMaster = (await rawSamples(`redis_instance_info{namespace="${chart.namespace}",release="${chart.release}",pod="${old.name}",role="master"}`, sinceThawS)).flatMap((s) => s.values);
        const endS = Date.now() / 1000;
        const counts = await monitored.prometheus.api<{ result: Array<{ values: Array<[number, string]> }> }>(
          `/api/v1/query_range?query=${encodeURIComponent(`count(redis_instance_info{namespace="${chart.namespace}",release="${chart.release}",role="master"})`)}&start=${(thawedAt / 1000 - 5).toFixed(3)}&end=${endS.toFixed(3)}&step=0.5`,
        );
        const maxMasters = Math.max(0, ...counts.result.flatMap((r) => r.values.map((v) => Number(v[1]))));
        await recorder.stop();
        const splitBrain = [...recorder.seen.values()].find((s) => s.alert === 'RedisSplitBrain');
        figure(
          `split brain as monitored: ${staleMaster.length} scrape(s) of ${old.name} with role=master after the thaw; at most ${maxMasters} masters for ${chart.shards} shards in any 0.5s step; ` +
            `RedisSplitBrain ${splitBrain ? `${splitBrain.firstFiringS !== undefined ? 'FIRED' : 'was pending only'}` : 'was never pending'} ` +
            `(it needs the stale master scraped as master for ${SHORT_FOR} at a ${SCRAPE_INTERVAL} scrape interval: a window of ${windowMs}ms ${windowMs < (SHORT_FOR_S + SCRAPE_S) * 1000 ? 'is far too short' : 'would be long enough'})`,
        );
        // No false signal: the alert is pending/firing only if Prometheus really saw more masters than shards.
        if (maxMasters <= chart.shards) expect(splitBrain).toBeUndefined();
        if (splitBrain?.firstFiringS !== undefined) {
          log.alert({ alert: 'RedisSplitBrain', incident: 'a frozen master thawed after its replica was promoted (cluster)', firingS: splitBrain.firstFiringS - (frozenAt - recorder.t0) / 1000 });
        }
        await checkIncidentPanels('split-brain', 'incident-only panels, split brain after a thaw');

        // The promotion is a failover like any other: the info alert fires for the promoted pod.
        const failover = await firing('RedisFailover', frozenAt, onPod(promoted));
        const repairedAt = Date.now();
        const failoverGone = watchResolved('RedisFailover', repairedAt, onPod(promoted));
        log.alert({
          alert: 'RedisDown',
          incident: "SIGSTOP of a master's redis-server (a frozen process)",
          firingS: down.s,
          repair: 'SIGCONT (it comes back as a replica of the promoted node)',
          resolvedS: await downGone,
        });
        log.alert({
          alert: 'RedisFailover',
          incident: `a frozen master (SIGSTOP) past cluster-node-timeout; replica promoted after ${(promotedMs / 1000).toFixed(1)}s`,
          firingS: failover.s,
          repair: 'it fired (it resolves by itself, 2 x for after the promotion)',
          resolvedS: await failoverGone,
        });
        await settle('split brain (thaw)', thawedAt);
        const r = await roles(chart.pods);
        expect(chart.pods.filter((p) => r[p.name]!.role === 'master')).toHaveLength(chart.shards);
        expect(lastMasterMs).toBeLessThan(windowMs);
      } finally {
        if (thawedAt === 0 && old.pid) process.kill(old.pid, 'SIGCONT');
        conn.close();
        await recorder.stop();
        recorded(recorder, 'split brain (thaw)');
      }
    },
    2 * FIRE_BOUND_MS + 3 * RESOLVE_BOUND_MS + HEALTH_BOUND_MS,
  );

  it(
    'fires RedisSplitBrain when an old master comes back without start-node.sh and its nodes.conf (a second master for its slots), and resolves once start-node.sh restarts it',
    async () => {
      const { master: old, replica: promoted } = (await shards())[1]!;
      const recorder = new AlertRecorder(monitored.prometheus);
      try {
        const lostAt = Date.now();
        await old.kill({ keepDns: true }); // the container dies; the pod, its IP and its sidecar stay
        const promotedMs = await waitPromoted(promoted, lostAt);
        // The container comes back as a chart WITHOUT start-node.sh would start it: the chart's
        // redis.conf and the pod's settings, straight into redis-server, and nodes.conf is lost
        // (the dataset on the volume is kept). redis-server then claims the slots of its keys.
        // And its cluster bus is cut off from the peers (a partition; emulated on loopback, which
        // has no firewall: its bus listens on another port than the 16379 the peers dial). Without
        // the partition the peers reach it on the bus and Redis Cluster's config epochs demote it
        // within seconds, before any `for` (measured while writing this test: it joined and was a
        // replica before RedisSplitBrain was even pending); what lasts is a split brain across a partition.
        renameSync(path.join(old.dataDir, 'nodes.conf'), path.join(old.dataDir, 'nodes.conf.lost'));
        const conf = path.join(old.dir, 'redis-without-start-script.conf');
        writeFileSync(
          conf,
          [
            chart.redisConf,
            `dir ${old.dataDir}`,
            'cluster-config-file nodes.conf',
            `bind ${old.ip}`,
            `bind-source-addr ${old.ip}`,
            'port 6379',
            `cluster-port ${BUS_PORT_PARTITIONED}`,
            `cluster-announce-ip ${old.ip}`,
            `requirepass "${TEST_PASSWORD}"`,
            `masterauth "${TEST_PASSWORD}"`,
            '',
          ].join('\n'),
        );
        const strayAt = Date.now();
        await old.restart({ newIp: false, start: { kind: 'command', command: redisBinary('redis-server'), args: [conf], password: TEST_PASSWORD } });
        const info = await waitFor(
          `${old.name} to load its dataset and claim slots as a cluster of its own`,
          async () => {
            const x = String(await old.command('CLUSTER', 'INFO'));
            const field = (k: string) => new RegExp(`${k}:(\\w+)`).exec(x)?.[1] ?? '?';
            const text = `cluster_state:${field('cluster_state')} cluster_slots_assigned:${field('cluster_slots_assigned')} cluster_known_nodes:${field('cluster_known_nodes')}`;
            return { done: Number(field('cluster_slots_assigned')) > 0 && field('cluster_state') === 'ok' && field('cluster_known_nodes') === '1', state: text, value: text };
          },
          { timeoutMs: 30_000, intervalMs: 250, context: () => old.describe(30) },
        );
        // Two masters serve one slot: the same key written to each is two different values.
        const key = String(await old.command('RANDOMKEY')); // one of its keys: it claimed the slot of each
        expect(await old.command('SET', key, 'on-the-stray-master')).toBe('OK');
        expect(await promoted.command('SET', key, 'on-the-real-master')).toBe('OK');
        const rolesNow = await Promise.all([old, promoted].map(async (p) => `${p.name} ${String(((await p.command('ROLE')) as RespValue[])[0])}`));
        figure(
          `lasting split brain: ${promoted.name} promoted ${(promotedMs / 1000).toFixed(1)}s after ${old.name}'s container died; ${old.name} back without start-node.sh and nodes.conf, bus partitioned: ${info.value}; ` +
            `${rolesNow.join(', ')}; ${key} is "${String(await old.command('GET', key))}" on ${old.name} and "${String(await promoted.command('GET', key))}" on ${promoted.name}`,
        );
        const split = await firing('RedisSplitBrain', strayAt);
        expect(split.alert.labels).toMatchObject({ severity: 'critical', release: chart.release, namespace: chart.namespace });
        expect(Number(split.alert.value)).toBeGreaterThan(chart.shards);
        figure(`RedisSplitBrain firing: ${split.alert.annotations.summary}`);
        await checkIncidentPanels('split-brain', 'incident-only panels, lasting split brain');

        // Repair: the container restarted through the chart's start-node.sh. Its nodes.conf (the
        // stray's own, knowing no peer) is not the cluster's: it asks the peers who this pod was
        // (peers.map), and the node rejoins (join-cluster) as a replica.
        const repairedAt = Date.now();
        const gone = watchResolved('RedisSplitBrain', repairedAt);
        await old.kill({ keepDns: true });
        await chart.startNode(old, { newIp: false });
        log.alert({
          alert: 'RedisSplitBrain',
          incident: "an old master's container back without start-node.sh and nodes.conf (claims its keys' slots as a second master)",
          firingS: split.s,
          repair: 'the container restarted through start-node.sh',
          resolvedS: await gone,
        });
        await waitReplicaOf(old, promoted);
        figure(
          `${old.name} after the restart through start-node.sh:\n    ${linesSinceLastStart(old)
            .filter((l) => /data:|join|ghost/.test(l))
            .slice(-8)
            .join('\n    ')}`,
        );
        // The node ID it had before stays in every table (fail, noaddr) until the chart's bootstrap
        // Job (post-install/upgrade hook: the next helm upgrade / Argo CD sync) forgets it.
        const ghost = String(await promoted.command('CLUSTER', 'NODES'))
          .split('\n')
          .filter((l) => /noaddr|fail/.test(l) && !/myself/.test(l));
        if (ghost.length > 0) {
          figure(`node IDs left behind (fail/noaddr), for the bootstrap Job to forget: ${ghost.map((l) => l.split(' ').slice(0, 3).join(' ')).join('; ')}`);
          await chart.startBootstrap('bootstrap-after-split-brain').succeeded(JOB_TIMEOUT_MS);
        }
        await settle('lasting split brain', repairedAt);
        figure(`after the repair ${key} is "${String(await promoted.command('GET', key))}" on ${promoted.name}: the stray master's write is gone`);
        expect(await promoted.command('GET', key)).toBe('on-the-real-master');
      } finally {
        await recorder.stop();
        recorded(recorder, 'lasting split brain');
      }
      expect(recorder.firing().map((s) => `${s.alert} ${s.severity}`)).toContain('RedisSplitBrain critical');
    },
    FIRE_BOUND_MS + 2 * RESOLVE_BOUND_MS + 2 * HEALTH_BOUND_MS,
  );
});
