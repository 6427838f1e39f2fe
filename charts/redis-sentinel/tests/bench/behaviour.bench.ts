/**
 * Behaviour figures of the redis-sentinel chart on real redis-server / redis-sentinel processes
 * (the chart's own scripts and probes, chart defaults: 3 Redis pods, 3 Sentinels, down-after 5000).
 * Prints figures with the issue-10 targets, asserts nothing (a step that breaks still throws).
 * Run from the repo root:
 *
 *   node charts/redis-sentinel/tests/bench/behaviour.bench.ts [--rounds 3]
 *
 * Measures, per round:
 *   - failover: SIGKILL of the master until a Sentinel-named replica answers ROLE master;
 *   - full Redis restart: every Redis pod deleted at once and back on new IPs while the Sentinels
 *     stay up, until the group is whole (every Sentinel names one master, every replica linked);
 *   - cold full restart: every Redis pod and every Sentinel deleted at once (new IPs, the
 *     Sentinels' emptyDirs gone), until the group is whole.
 */
import { parseArgs } from 'node:util';
import { makeKeySet, Sandbox, serverLabel, waitFor, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart } from '../behaviour/redis-sentinel-chart.ts';
import { missingKeys, roleOf, waitForGroup, writeKeysTo } from '../behaviour/sentinel-group.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } });
const rounds = Math.max(1, Number(values.rounds));
const GROUP_TIMEOUT_MS = 180_000;

const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)]!;
  return s.length === 1 ? `${s[0]}ms` : `median ${median}ms (min ${s[0]}ms, max ${s[s.length - 1]}ms, n=${s.length})`;
};
const verdict = (xs: number[], targetMs: number): string => {
  const missed = xs.filter((x) => x > targetMs).length;
  return missed === 0 ? 'met' : `missed in ${missed} of ${xs.length} round(s)`;
};
const out = (line: string) => console.log(line);

const sandbox = await Sandbox.create({ name: 'sentinel-bench', ports: [6379, 26379], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
try {
  const t0 = Date.now();
  const chart = await RedisSentinelChart.render(sandbox, { kubelet: true });
  const { redis, sentinels } = await chart.createPods();
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
  const first = await waitForGroup(redis, sentinels, chart.masterSet, 'the new group', GROUP_TIMEOUT_MS, () => sandbox.describe(30));
  out(`install: group whole ${Date.now() - t0}ms after every pod started (master ${first.master.name})`);
  const known = makeKeySet('bench', 1000);
  await writeKeysTo(first.master, known, 2);
  const whole = (what: string) => waitForGroup(redis, sentinels, chart.masterSet, what, GROUP_TIMEOUT_MS, () => sandbox.describe(30));
  const keysKept = async (what: string) => {
    for (const p of redis) {
      const missing = await missingKeys(p, known);
      if (missing.length > 0) throw new Error(`${what}: ${p.name} misses ${missing.length} of ${known.size} keys`);
    }
  };
  /** Deleting a pod: SIGKILL, its emptyDirs gone, the next start on a new IP; the data volume stays. */
  const deletePod = (pod: Pod) => chart.deletePodHard(pod);

  const failover: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const { master } = await whole(`before failover round ${i + 1}`);
    const killedAt = Date.now();
    await master.kill();
    await waitFor(
      `a replica to be promoted after SIGKILL of ${master.name}`,
      async () => {
        const roles = await Promise.all(redis.filter((p) => p !== master).map((p) => roleOf(p)));
        return { done: roles.some((r) => r.role === 'master'), state: roles.map((r) => r.role).join(', ') };
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    failover.push(Date.now() - killedAt);
    await deletePod(master);
    await chart.start(master, { startTimeoutMs: GROUP_TIMEOUT_MS });
    await whole(`after failover round ${i + 1}`);
    await keysKept(`after failover round ${i + 1}`);
  }
  out(`failover after SIGKILL of the master: replica promoted ${stats(failover)}`);

  const redisRestart: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await whole(`before full Redis restart round ${i + 1}`);
    await Promise.all(redis.map((p) => deletePod(p)));
    const started = Date.now();
    await Promise.all(redis.map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
    await whole(`after full Redis restart round ${i + 1}`);
    redisRestart.push(Date.now() - started);
    await keysKept(`after full Redis restart round ${i + 1}`);
  }
  out(`full Redis restart on new IPs, Sentinels up: whole again ${stats(redisRestart)}; target (issue 10) <= 20000ms: ${verdict(redisRestart, 20_000)}`);

  const cold: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await whole(`before cold full restart round ${i + 1}`);
    await Promise.all([...redis, ...sentinels].map((p) => deletePod(p)));
    const started = Date.now();
    await Promise.all([...redis, ...sentinels].map((p) => chart.start(p, { startTimeoutMs: GROUP_TIMEOUT_MS })));
    await whole(`after cold full restart round ${i + 1}`);
    cold.push(Date.now() - started);
    await keysKept(`after cold full restart round ${i + 1}`);
  }
  out(`cold full restart (every Redis pod and Sentinel, new IPs): whole again ${stats(cold)}; target (issue 10) <= 20000ms: ${verdict(cold, 20_000)}`);
  out(`bench done in ${Math.round((Date.now() - t0) / 1000)}s (${serverLabel(await redis[0]!.info('server'))}, ${rounds} round(s))`);
} finally {
  await sandbox.cleanup();
}
