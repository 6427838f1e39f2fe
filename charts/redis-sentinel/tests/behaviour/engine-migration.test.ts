/**
 * Redis -> Valkey in place, the way a pull request that sets `spec.engine: valkey` runs it: a new
 * render of the chart with `engine=valkey` (what Argo CD applies) and the rolling update of both
 * StatefulSets (the Sentinels, then the Redis pods, highest ordinal first, preStop handover,
 * SIGTERM, a new IP, the next pod once the group is whole again), on real processes of Debian's
 * Redis 7.0 and Valkey 8.0, under a writer that counts a write only when the master and one replica
 * acknowledged it (WAIT).
 * Proven: mixed groups work during the roll (a Valkey replica replicating from the Redis master,
 * Redis and Valkey Sentinels agreeing on it), every pod runs Valkey at the end, and no acknowledged
 * write is lost. Then the direction that is not supported: a replica rolled back to Redis cannot
 * load the RDB file Valkey wrote (format 11), and the log says so.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commandWith, redisEngine, Sandbox, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from './redis-sentinel-chart.ts';
import { SentinelClient, startWriteLoad, waitForGroup, type LoadReport } from './sentinel-group.ts';

const TEST_TIMEOUT_MS = 600_000;
// Persistence on (the default), a short grace period: the preStop handover needs a few seconds.
const values = (engine: 'redis' | 'valkey') => [`engine=${engine}`, 'terminationGracePeriodSeconds=20'];

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];

/** INFO server_name of a pod: valkey, or redis (Redis 7.0 has no such field). */
async function serverOf(pod: Pod, sentinel = false): Promise<string> {
  const conn = sentinel ? { host: pod.ip, port: pod.port, password: chart.sentinelPassword, connectTimeoutMs: 1000 } : pod.connection({ connectTimeoutMs: 1000 });
  const info = String(await commandWith(conn, 'INFO', 'server'));
  return /^server_name:(\S+)/m.exec(info)?.[1] ?? 'redis';
}

/** Keys of `expected` missing from (or different on) `pod`. */
async function missingOn(pod: Pod, expected: ReadonlyMap<string, string>): Promise<string[]> {
  const keys = [...expected.keys()];
  const missing: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const got = (await commandWith(pod.connection({ commandTimeoutMs: 10_000 }), 'MGET', ...batch)) as Array<string | null>;
    batch.forEach((k, j) => {
      if (got[j] !== expected.get(k)) missing.push(k);
    });
  }
  return missing;
}

beforeAll(async () => {
  if (redisEngine() !== 'redis') throw new Error('engine-migration.test.ts starts on Redis: run it without REDIS_TESTKIT_ENGINE=valkey');
  sandbox = await Sandbox.create({ name: 'sentinel-engine-migration', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'], withValkey: true });
  chart = await RedisSentinelChart.render(sandbox, { set: values('redis') });
  ({ redis, sentinels } = await chart.createPods());
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  await waitForGroup(redis, sentinels, chart.masterSet, 'the Redis group to form', 90_000, () => sandbox.describe(30));
}, TEST_TIMEOUT_MS);

afterAll(() => sandbox?.cleanup());

describe('Redis -> Valkey by a rolling update (spec.engine: valkey)', () => {
  it(
    'rolls the Sentinels and the Redis pods to Valkey one at a time under a writer: mixed groups replicate, every pod ends on Valkey, no acknowledged write is lost',
    async () => {
      const next = await RedisSentinelChart.render(sandbox, { set: values('valkey') });
      const template = (c: RedisSentinelChart, suffix: string) => JSON.stringify(c.objects.find((o) => o.kind === 'StatefulSet' && String(o.metadata.name).endsWith(suffix))!.spec.template);
      expect(template(chart, '-sentinel')).not.toEqual(template(next, '-sentinel'));
      expect(template(chart, '-node')).not.toEqual(template(next, '-node'));
      for (const p of redis) expect({ pod: p.name, server: await serverOf(p) }).toEqual({ pod: p.name, server: 'redis' });

      const client = new SentinelClient(() => sentinels, chart.masterSet, chart.redisPassword);
      const load = startWriteLoad(client, 'mig', 1, 2000);
      const t0 = Date.now();
      const mixed: string[] = [];
      for (const [pods, isSentinel] of [
        [sentinels, true],
        [redis, false],
      ] as const) {
        for (const pod of [...pods].reverse()) {
          const report = await chart.rollPod(pod, next);
          expect({ pod: pod.name, preStopError: report.preStopError }).toEqual({ pod: pod.name, preStopError: undefined });
          const group = await waitForGroup(redis, sentinels, chart.masterSet, `${pod.name} back on Valkey and the group whole`, 120_000, () => sandbox.describe(30));
          expect({ pod: pod.name, server: await serverOf(pod, isSentinel) }).toEqual({ pod: pod.name, server: 'valkey' });
          // A Valkey replica of a Redis master (or the reverse, after the master's handover), linked.
          if (!isSentinel) {
            const masterServer = await serverOf(group.master);
            for (const r of group.replicas) {
              const link = (await r.info('replication')).master_link_status;
              mixed.push(`${r.name} (${await serverOf(r)}) <- ${group.master.name} (${masterServer}): link ${link}`);
              expect({ replica: r.name, link }).toEqual({ replica: r.name, link: 'up' });
            }
          }
        }
      }
      await waitFor('writes to go on after the last roll', () => ({ done: load.acknowledgedCount() > 20, state: String(load.acknowledgedCount()) }), { timeoutMs: 30_000, intervalMs: 200 });
      const report: LoadReport = await load.stop();
      client.close();
      chart = next;

      const { master, replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the Valkey group', 60_000);
      for (const p of [...redis, ...sentinels]) expect({ pod: p.name, server: await serverOf(p, sentinels.includes(p)) }).toEqual({ pod: p.name, server: 'valkey' });
      const kinds = Object.entries(report.errors).map(([k, n]) => `${n}x ${k}`);
      console.log(
        `Redis 7.0 -> Valkey 8.0 rolling update (${sentinels.length} Sentinels, then ${redis.length} Redis pods, ${((Date.now() - t0) / 1000).toFixed(0)}s): ` +
          `${report.acknowledged.size} writes acknowledged by the master and 1 replica, ${report.failed} failed (${kinds.join('; ') || 'none'}); mixed links seen: ${mixed.join(', ')}`,
      );
      expect(report.acknowledged.size).toBeGreaterThan(100);
      expect(mixed.some((l) => /\(valkey\) <- .* \(redis\)/.test(l))).toBe(true);
      for (const p of [master, ...replicas]) expect({ pod: p.name, missing: (await missingOn(p, report.acknowledged)).slice(0, 5) }).toEqual({ pod: p.name, missing: [] });
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Valkey -> Redis is not supported: a replica rolled back to Redis 7.0 cannot load the RDB file Valkey wrote (format 11), never becomes ready, and its log says why',
    async () => {
      const { replicas } = await waitForGroup(redis, sentinels, chart.masterSet, 'the Valkey group', 60_000);
      const replica = replicas.at(-1)!;
      // Its data on the volume is Valkey's own: the AOF base (an RDB file, format 11) of its full
      // sync from the Valkey master.
      const back = await RedisSentinelChart.render(sandbox, { set: values('redis') });
      const rolled = await chart.rollPod(replica, back).then(
        () => 'listening',
        (e: Error) => e.message,
      );
      expect(rolled).toMatch(/exited before listening/);
      const seen = await waitFor(
        `${replica.name} (Redis 7.0 on Valkey's data) to refuse the file`,
        () => {
          const log = replica.lastLines(400).join('\n');
          return { done: /Can't handle RDB format version 11/.test(log), state: replica.lastLines(3).join(' | '), value: log };
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(seen.value).toMatch(/Can't handle RDB format version 11/);
      console.log(`Valkey -> Redis: ${replica.name}: ${seen.value!.split('\n').find((l) => /RDB format version/.test(l))}`);
      // It serves nothing: the server exited on the file it cannot read.
      const ping = await commandWith(replica.connection({ connectTimeoutMs: 1000 }), 'PING').then(String, (e: Error) => e.message);
      expect(ping).not.toBe('PONG');
    },
    TEST_TIMEOUT_MS,
  );
});
