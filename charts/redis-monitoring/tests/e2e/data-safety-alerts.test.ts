/**
 * The data-safety states as alerts, end to end (issue 13): the charts' own start scripts reach the
 * state on real processes (redis-server, redis-sentinel; charts/redis-sentinel and
 * charts/redis-cluster tests/behaviour/data-safety.test.ts are the models), one real
 * redis_exporter per Redis pod runs from the rendered sidecar, and a real Prometheus evaluates the
 * rendered PrometheusRule (time constants shortened through values only: lib/monitored-release.ts).
 *
 *   1. RedisStartHeld, "cannot elect safely" (redis-sentinel): every pod of the group is deleted at
 *      once (the Sentinels lose their state, which lives on an emptyDir) and one Redis pod, which
 *      could hold newer data, does not come back. start-redis.sh starts the others as read-only
 *      candidates replicating the placeholder 127.0.0.1:1, and elect-master.sh waits safely. The
 *      alert fires for each candidate, and RedisReplicationLinkDown stays quiet for them. Once the
 *      missing pod is back, the election by data runs, the group is whole, the alert resolves, and
 *      no key is lost.
 *      This is the form of RedisStartHeld that needs no kube-state-metrics. The redis-cluster form
 *      (the redis container runs while start-node.sh holds redis-server back) reads
 *      kube_pod_container_status_running. No kube-state-metrics (no API server) can run here, so
 *      that form is covered only by the promtool cases (tests/lib/alert-cases.ts), not here.
 *   2. RedisDataVanished (redis-cluster): a master's and its only replica's data files are lost
 *      (container restarts in the same pods). The replica starts empty (a replica never waits).
 *      start-node.sh finds every replica reachable and empty, starts the master of its slots
 *      empty, and records DATA LOSS. The alert fires for that master at once (it has no `for`).
 *      It resolves as the alert defines it: once the loss is older than
 *      alerts.thresholds.dataVanishedWindow (shortened through values), with the master still
 *      empty. The test writes no key to it and repairs nothing.
 *
 * Seconds from incident to firing and from repair to resolution are printed ([monitoring-e2e]),
 * never asserted beyond generous bounds. A missing prometheus or prometheus-redis-exporter fails
 * the file. afterAll SIGKILLs every process by PID and removes both sandboxes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeKeySet, monitoringBinary, roles, rolesText, Sandbox, waitFor, waitHealthy, writeKeys, type Pod, type PromAlert } from '@redis-gitops/redis-testkit';
import { installCluster, linesSinceLastStart, loseDataFiles } from '../../../redis-cluster/tests/behaviour/operations.ts';
import type { RedisClusterChart } from '../../../redis-cluster/tests/behaviour/redis-cluster-chart.ts';
import type { RedisSentinelChart } from '../../../redis-sentinel/tests/behaviour/redis-sentinel-chart.ts';
import { missingKeys, roleOf, waitForGroup, writeKeysTo } from '../../../redis-sentinel/tests/behaviour/sentinel-group.ts';
import { figureLog } from './lib/figures.ts';
import { monitorSentinelGroup, startSentinelGroup } from './lib/monitored-sentinel.ts';
import { monitorCluster } from './lib/monitored-cluster.ts';
import { AlertRecorder, EVALUATION_INTERVAL, type MonitoredRelease, SCRAPE_INTERVAL, SHORT_FOR } from './lib/monitored-release.ts';

// Fail at once, before anything starts, when a binary is missing (never skip).
monitoringBinary('prometheus');
monitoringBinary('prometheus-redis-exporter');

/** Generous bounds on a shared 2-core machine, not expectations. */
const GROUP_TIMEOUT_MS = 120_000;
const FIRE_BOUND_MS = 90_000;
const RESOLVE_BOUND_MS = 120_000;
const QUIET_BOUND_MS = 90_000;

const sandboxes: Sandbox[] = [];
const log = figureLog(import.meta.filename);
const { figure, summary } = log;

afterAll(async () => {
  for (const s of sandboxes) await s.cleanup();
  summary('data-safety alert figures');
}, 60_000);

const indent = (text: string) => text.split('\n').join('\n    ');

describe('RedisStartHeld on a Sentinel group whose Sentinels lost their state while a Redis pod that may hold newer data is missing (real redis-server, redis-sentinel, redis_exporter, prometheus)', () => {
  let sandbox: Sandbox;
  let chart: RedisSentinelChart;
  let redis: Pod[];
  let sentinels: Pod[];
  let monitored: MonitoredRelease;
  const known = makeKeySet('known', 500);

  beforeAll(async () => {
    const t0 = Date.now();
    sandbox = await Sandbox.create({ name: 'monitoring-e2e-start-held', ports: [6379, 26379, 9121], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
    sandboxes.push(sandbox);
    // kubelet: the readiness probe runs every periodSeconds and records replication.state on the volume (the election's input).
    const group = await startSentinelGroup(sandbox, { kubelet: true });
    ({ chart, redis, sentinels } = group);
    await writeKeysTo(group.master, known, 2);
    // Not the Sentinels' exporters: this scenario deletes and restarts every Sentinel.
    monitored = await monitorSentinelGroup(sandbox, group, { scrapeSentinels: false });
    await monitored.waitQuiet(30_000);
    figure(
      `setup: Sentinel group (${redis.length} Redis + ${sentinels.length} Sentinels) with ${known.size} keys, exporters + prometheus scraping, no alert, after ${((Date.now() - t0) / 1000).toFixed(1)}s`,
    );
  }, 240_000);

  afterAll(async () => {
    await sandbox?.cleanup();
  }, 60_000);

  /** Deleting a pod: SIGKILL, its emptyDirs (runtime, tmp) are gone, the next start gets a new IP; the data volume stays. */
  const deletePod = (pod: Pod): Promise<void> => chart.deletePodHard(pod);

  it(
    'fires for every candidate replicating the placeholder 127.0.0.1:1 (not RedisReplicationLinkDown), and resolves once the missing pod is back and the election by data ran',
    async () => {
      const prom = monitored.prometheus;
      // Every pod records what it holds (the readiness probe, every periodSeconds) before the incident.
      await waitFor(
        `every Redis pod to record ${known.size} keys in replication.state`,
        () => {
          const records = redis.map((p) => {
            const file = path.join(p.dataDir, 'replication.state');
            return existsSync(file) ? Number(/^keys=(\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? -1) : -1;
          });
          return { done: records.every((n) => n >= known.size), state: `recorded keys: ${records.join(', ')}` };
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      const recorder = new AlertRecorder(prom);
      const missing = redis[2]!;
      const present = redis.filter((p) => p !== missing);
      try {
        // Every pod of both StatefulSets deleted at once (a node drain gone wrong); each exporter sidecar is killed below, as its pod leaves service discovery.
        await Promise.all([...redis, ...sentinels].map((p) => deletePod(p)));
        // The StatefulSet recreates every pod except the missing one (its node is gone): service discovery drops each
        // deleted pod and adds its successor, whose sidecar starts with it on its new IP.
        for (const p of present) {
          await monitored.podDeleted(p);
          await monitored.podCreated(p);
        }
        await monitored.podDeleted(missing);
        await Promise.all([...present, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS, waitUntil: chart.isSentinel(p) ? 'spawned' : 'listening' })));
        const incidentAt = Date.now();

        await Promise.all(present.map((p) => prom.waitForAlert('RedisStartHeld', { match: (a) => a.labels.pod === p.name, timeoutMs: FIRE_BOUND_MS })));
        const firingS = (Date.now() - incidentAt) / 1000;
        figure(
          `RedisStartHeld firing for ${present.map((p) => p.name).join(', ')} ${firingS.toFixed(1)}s after they listened as candidates, ${((Date.now() - recorder.t0) / 1000).toFixed(1)}s after the deletion (startHeldFor ${SHORT_FOR}, scrape ${SCRAPE_INTERVAL}, evaluation ${EVALUATION_INTERVAL})`,
        );
        // The placeholder link is excluded from RedisReplicationLinkDown: held longer than its `for`, the candidates page once, as RedisStartHeld.
        const linkDown = (await prom.alerts()).filter((a) => a.labels.alertname === 'RedisReplicationLinkDown');
        expect(linkDown.map((a) => `${a.labels.pod} ${a.state}`)).toEqual([]);
        // The state the alert stands for, as the chart's own readiness probe and ROLE report it.
        for (const p of present) {
          expect(await roleOf(p)).toMatchObject({ role: 'replica', master: '127.0.0.1:1' });
          const said = await waitFor(
            `${p.name}'s readiness probe to say it waits safely`,
            async () => {
              const r = await chart.runHook(p, 'readiness', 15_000);
              const out = `${r.code} ${r.stdout.trim()}`;
              return { done: /^1 not ready: waiting safely: .*could hold newer data/.test(out), state: out, value: out };
            },
            { timeoutMs: 30_000, intervalMs: 1000 },
          );
          figure(`${p.name} readiness while held: ${said.value}`);
        }
        await expect(present[0]!.waitForLog(/elect-master: waiting safely: .*could hold newer data/, 1000)).resolves.toBeDefined();

        // Repair: the missing pod comes back (its node returns), on a new IP with its volume.
        const repairedAt = Date.now();
        await monitored.podCreated(missing);
        const resolved = prom.waitForAlertGone('RedisStartHeld', { timeoutMs: RESOLVE_BOUND_MS }).then(() => (Date.now() - repairedAt) / 1000);
        resolved.catch(() => undefined); // awaited below
        await chart.start(missing, { startTimeoutMs: GROUP_TIMEOUT_MS });
        const g = await waitForGroup(redis, sentinels, chart.masterSet, 'the group to elect by data once the missing pod is back', GROUP_TIMEOUT_MS, () => sandbox.describe(30));
        const wholeS = (Date.now() - repairedAt) / 1000;
        const resolvedS = await resolved;
        log.alert({
          alert: 'RedisStartHeld',
          incident:
            'the candidates listening read-only, replicating 127.0.0.1:1 (every pod of a Sentinel group deleted at once, so the Sentinel state is lost, and one Redis pod that may hold newer data missing)',
          firingS,
          repair: `the missing pod's return (the group whole ${wholeS.toFixed(1)}s after it, master ${g.master.name} elected by data)`,
          resolvedS,
        });
        for (const p of redis) expect({ pod: p.name, lost: (await missingKeys(p, known)).length }).toEqual({ pod: p.name, lost: 0 });
        for (const p of redis) expect(existsSync(path.join(p.dataDir, 'data-loss.log'))).toBe(false);
        await monitored.waitQuiet(QUIET_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - repairedAt) / 1000).toFixed(1)}s after the missing pod came back`);
      } finally {
        await recorder.stop();
        figure(`alerts seen (seconds from the deletion of every pod):\n    ${indent(recorder.text())}`);
      }
      const fired = recorder.firing();
      // Every candidate paged (the returning pod may be one too, briefly, while the election runs).
      expect(fired.filter((s) => s.alert === 'RedisStartHeld').map((s) => s.key)).toEqual(expect.arrayContaining(present.map((p) => `RedisStartHeld{${p.name}}`)));
      // The placeholder link never makes RedisReplicationLinkDown even pending. (A replica that saw its real master die a
      // moment before it was deleted itself, or that resyncs from the elected master after the repair, may show a link
      // down for a moment: that is the alert doing its job, and it names that master, not the placeholder.)
      expect([...recorder.seen.values()].filter((s) => s.alert === 'RedisReplicationLinkDown' && s.masters.includes('127.0.0.1:1')).map((s) => `${s.key} ${s.masters.join(' ')}`)).toEqual([]);
    },
    GROUP_TIMEOUT_MS * 2 + FIRE_BOUND_MS + RESOLVE_BOUND_MS + QUIET_BOUND_MS,
  );
});

describe('RedisDataVanished on a Redis Cluster whose master restarted without data while its only replica had lost its data too (real redis-server, redis_exporter, prometheus)', () => {
  let sandbox: Sandbox;
  let chart: RedisClusterChart;
  let monitored: MonitoredRelease;
  const keys = makeKeySet('vanish', 2000);

  beforeAll(async () => {
    const t0 = Date.now();
    sandbox = await Sandbox.create({ name: 'monitoring-e2e-data-vanished', ports: [6379, 16379, 9121], requires: ['redis-server', 'redis-cli'] });
    sandboxes.push(sandbox);
    ({ chart } = await installCluster(sandbox));
    await writeKeys(chart.pods, keys);
    monitored = await monitorCluster(sandbox, chart);
    await monitored.waitQuiet(30_000);
    figure(`setup: cluster of ${chart.podCount} pods with ${keys.size} keys, exporters + prometheus scraping, no alert, after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }, 240_000);

  afterAll(async () => {
    await sandbox?.cleanup();
  }, 60_000);

  it(
    'fires at once for the master start-node.sh starts empty (DATA LOSS recorded), and resolves once the loss is older than alerts.thresholds.dataVanishedWindow, the master still empty',
    async () => {
      const prom = monitored.prometheus;
      const rule = monitored.rules.find((r) => r.alert === 'RedisDataVanished');
      if (!rule) throw new Error('the rendered PrometheusRule has no RedisDataVanished');
      expect(rule.for).toBeUndefined(); // it fires at once: the zero is the news
      const window = /max_over_time\(.*\[(\w+):(\w+)\]\)/s.exec(rule.expr);
      if (!window) throw new Error(`RedisDataVanished reads no [window:step] subquery: ${rule.expr}`);
      const [, windowText, stepText] = window;
      const r = await roles(chart.pods);
      const master = chart.pods.find((p) => r[p.name]?.role === 'master' && chart.pods.some((x) => r[x.name]?.master === p.name));
      const replica = chart.pods.find((x) => r[x.name]?.master === master?.name);
      if (!master || !replica) throw new Error(`no master with a replica: ${rolesText(r)}`);
      const keysBefore = Number(await master.command('DBSIZE'));
      expect(keysBefore).toBeGreaterThan(0);
      // The alert's premise, exactly as its expression reads it: the master had keys at a step of the window.
      const had = `max_over_time((sum by (namespace, release, pod) (redis_db_keys{namespace="${chart.namespace}",pod="${master.name}"}))[${windowText}:${stepText}])`;
      await waitFor(
        `prometheus to have a ${stepText} step of the ${windowText} window with keys on ${master.name}`,
        async () => {
          const v = await prom.query(had);
          return { done: v.some((s) => s.value > 0), state: JSON.stringify(v.map((s) => s.value)) };
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );

      const recorder = new AlertRecorder(prom);
      const isMaster = (a: PromAlert) => a.labels.pod === master.name;
      let restartedAt = Number.NaN;
      try {
        // Both containers restart in their pods (same IPs); their data files are gone (persistence lost, a wiped volume).
        const killedAt = Date.now();
        await Promise.all([master.kill({ keepDns: true }), replica.kill({ keepDns: true })]);
        loseDataFiles(master);
        loseDataFiles(replica);
        await chart.startNode(replica, { newIp: false }); // a replica never waits
        await chart.startNode(master, { newIp: false, startTimeoutMs: 120_000 });
        restartedAt = Date.now();
        const firing = prom.waitForAlert('RedisDataVanished', { match: isMaster, timeoutMs: FIRE_BOUND_MS }).then(() => (Date.now() - restartedAt) / 1000);
        firing.catch(() => undefined); // awaited below
        expect(linesSinceLastStart(master).join('\n')).toMatch(/DATA LOSS: node \S+ \(\S+\) restarted without its dataset while still master of slots .* every replica is empty/);
        expect(readFileSync(path.join(master.dataDir, 'data-loss.log'), 'utf8')).toMatch(/restarted without its dataset/);
        await waitHealthy(chart.pods, { timeoutMs: 120_000, resolveHost: (h) => sandbox.resolve(h) });
        expect((await roles(chart.pods))[master.name]!.role).toBe('master');
        expect(Number(await master.command('DBSIZE'))).toBe(0);
        const firingS = await firing;
        figure(
          `RedisDataVanished{pod=${master.name}} firing ${firingS.toFixed(1)}s after it listened empty (${((restartedAt - killedAt) / 1000).toFixed(1)}s after the SIGKILL); it had ${keysBefore} keys`,
        );

        // Resolution as the alert defines it: the last step with keys leaves the window. Nothing is repaired, no key is written.
        await prom.waitForAlertGone('RedisDataVanished', { match: isMaster, timeoutMs: RESOLVE_BOUND_MS + 60_000 });
        const resolvedS = (Date.now() - restartedAt) / 1000;
        expect((await roles(chart.pods))[master.name]!.role).toBe('master');
        expect(Number(await master.command('DBSIZE'))).toBe(0);
        log.alert({
          alert: 'RedisDataVanished',
          incident: "a cluster master listening empty, start-node.sh having recorded DATA LOSS (its and its only replica's data files lost; container restarts, same IPs)",
          firingS,
          repair: `nothing: the loss left the alert's window (dataVanishedWindow ${windowText}, shortened through values; step ${stepText}) with the master still empty`,
          resolvedS,
        });
        await monitored.waitQuiet(QUIET_BOUND_MS);
        figure(`no alert firing and none with a shortened for pending ${((Date.now() - restartedAt) / 1000).toFixed(1)}s after the empty master listened`);
      } finally {
        await recorder.stop();
        figure(`alerts seen (seconds from the first SIGKILL):\n    ${indent(recorder.text())}`);
      }
      // Only the master fires: the replica that resynced empty is no master.
      expect(
        recorder
          .firing()
          .filter((s) => s.alert === 'RedisDataVanished')
          .map((s) => s.key),
      ).toEqual([`RedisDataVanished{${master.name}}`]);
    },
    FIRE_BOUND_MS + RESOLVE_BOUND_MS + QUIET_BOUND_MS + 240_000,
  );
});
