/**
 * The master endpoint (haproxy.enabled) on real processes: Debian's haproxy runs the RENDERED
 * haproxy.cfg, unchanged, in front of the chart's Redis and Sentinel pods (real redis-server and
 * redis-sentinel, the chart's own scripts). Only what Kubernetes provides differs: the container's
 * env (POD_IP, the password Secret), the ConfigMap mounted as a dir, and the cluster DNS (a UDP DNS
 * server of the testkit answering the pods' names from the sandbox's name -> IP map, named in a
 * resolv.conf bind-mounted over /etc/resolv.conf for haproxy only).
 *
 * A plain client (no Sentinel) writes all the time through the write port of one HAProxy pod and
 * reconnects after any error. Through a Sentinel failover (SIGKILL of the master pod) and through a
 * rolling restart of every Redis pod (preStop handover, then the pod back on a new IP), it proves:
 *   (a) writes never reach a replica: a READONLY error happens only within one health check
 *       (inter + (fall - 1) x fastinter, the time a demoted master needs to fail its checks) of a
 *       role change;
 *   (b) writes reach the new master within inter + fall x inter of its promotion.
 * Figures are printed (the README quotes them); the bounds asserted are generous.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { commandWith, RespConnection, Sandbox, startHaproxyPod, terminatePod, waitFor, type DnsServer, type HaproxyPod, type Pod } from '@redis-gitops/redis-testkit';
import { RedisSentinelChart, secretValue } from './redis-sentinel-chart.ts';
import { groupText, missingKeys, roleOf, sentinelMasterAddr, waitForGroup } from './sentinel-group.ts';

const TEST_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Obj = Record<string, any>;

let sandbox: Sandbox;
let chart: RedisSentinelChart;
let redis: Pod[];
let sentinels: Pod[];
let dns: DnsServer;
let proxies: HaproxyPod[];
/** The health-check timing of the rendered haproxy.cfg, in ms. */
let check: { inter: number; fastInter: number; fall: number; rise: number };
const figures: string[] = [];
const figure = (text: string) => {
  figures.push(text);
  console.log(text);
};
const describeAll = () => `${sandbox.describe(20)}\n${proxies?.map((p) => p.job.describe(20)).join('\n') ?? ''}`;
const whole = (what: string) => waitForGroup(redis, sentinels, chart.masterSet, what, 60_000, describeAll);

/** An HAProxy time ("1s", "250ms") in ms. */
const ms = (t: string): number => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(t);
  if (!m) throw new Error(`not an HAProxy time: ${t}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
};

/** The Redis pod that answers through `port` of an HAProxy pod (its `bind` address), or undefined. */
async function servedBy(proxy: HaproxyPod, port: number): Promise<Pod | undefined> {
  try {
    const r = (await commandWith({ host: proxy.ip, port, password: chart.redisPassword, connectTimeoutMs: 500, commandTimeoutMs: 1000 }, 'CONFIG', 'GET', 'bind')) as string[];
    return redis.find((p) => r[1]?.split(/\s+/).includes(p.ip));
  } catch {
    return undefined;
  }
}

// ---- the plain client ------------------------------------------------------------------------------

interface WriteEvent {
  readonly at: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly key: string;
  readonly value: string;
}

/**
 * A client that knows one address (the HAProxy write port), writes `SET <prefix>:<n>` one at a time,
 * and after any error drops the connection and connects again (what a plain Redis client does).
 */
function startWriter(proxy: HaproxyPod, prefix: string): { stop(): Promise<WriteEvent[]>; okSince(t: number): number } {
  const events: WriteEvent[] = [];
  let stopped = false;
  let conn: RespConnection | undefined;
  const loop = (async () => {
    let n = 0;
    while (!stopped) {
      n += 1;
      const key = `${prefix}:${n}`;
      const value = `v${n}`;
      try {
        conn ??= await RespConnection.open({ host: proxy.ip, port: proxy.ports.redis!, password: chart.redisPassword, connectTimeoutMs: 500, commandTimeoutMs: 3000 });
        const r = await conn.call('SET', key, value);
        if (r !== 'OK') throw new Error(`SET: ${JSON.stringify(r)}`);
        events.push({ at: Date.now(), ok: true, key, value });
      } catch (e) {
        events.push({ at: Date.now(), ok: false, error: (e as Error).message, key, value });
        conn?.close();
        conn = undefined;
        await sleep(20);
      }
      await sleep(5);
    }
    conn?.close();
  })();
  return {
    okSince: (t) => events.filter((e) => e.ok && e.at >= t).length,
    async stop() {
      stopped = true;
      await loop;
      return events;
    },
  };
}

// ---- role changes ----------------------------------------------------------------------------------

interface RoleChange {
  readonly at: number;
  readonly pod: string;
  readonly from: string;
  readonly to: string;
}

/** Samples every Redis pod's ROLE every 25 ms and records each change (master <-> replica <-> down). */
function startRoleMonitor(): { stop(): Promise<RoleChange[]> } {
  const last = new Map<Pod, string>();
  const changes: RoleChange[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const roles = await Promise.all(redis.map(async (p) => [p, (await roleOf(p)).role] as const));
      for (const [p, role] of roles) {
        const before = last.get(p);
        if (before !== undefined && before !== role) changes.push({ at: t0, pod: p.name, from: before, to: role });
        last.set(p, role);
      }
      await sleep(Math.max(0, 25 - (Date.now() - t0)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return changes;
    },
  };
}

interface Findings {
  readonly ok: number;
  readonly failed: number;
  readonly readonly: readonly WriteEvent[];
  /** READONLY errors later than one health check after every role change. */
  readonly readonlyOutside: readonly string[];
  /** The longest time between two acknowledged writes, and when it began. */
  readonly longestGapMs: number;
  readonly errorKinds: Readonly<Record<string, number>>;
}

/** One health check's worth of time after a role change, within which a READONLY is allowed. */
const checkWindowMs = () => check.inter + (check.fall - 1) * check.fastInter + 250;

function analyse(events: readonly WriteEvent[], changes: readonly RoleChange[]): Findings {
  const oks = events.filter((e) => e.ok);
  const readonly = events.filter((e) => !e.ok && /READONLY/.test(e.error ?? ''));
  const readonlyOutside = readonly.filter((e) => !changes.some((c) => c.from === 'master' && e.at >= c.at - 100 && e.at <= c.at + checkWindowMs())).map((e) => `${e.key} at ${e.at}: ${e.error}`);
  let longestGapMs = 0;
  for (let i = 1; i < oks.length; i++) longestGapMs = Math.max(longestGapMs, oks[i]!.at - oks[i - 1]!.at);
  const errorKinds: Record<string, number> = {};
  for (const e of events.filter((x) => !x.ok)) {
    const k = (e.error ?? '')
      .replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>')
      .replace(/SET \S+ \S+/, 'SET')
      .slice(0, 60);
    errorKinds[k] = (errorKinds[k] ?? 0) + 1;
  }
  return { ok: oks.length, failed: events.length - oks.length, readonly, readonlyOutside, longestGapMs, errorKinds };
}

/** Seconds from `promotedAt` to the first acknowledged write through HAProxy whose key is on `master`. */
async function firstWriteOnNewMaster(events: readonly WriteEvent[], promotedAt: number, master: Pod): Promise<number> {
  const after = events.filter((e) => e.ok && e.at >= promotedAt);
  for (const e of after.slice(0, 50)) {
    if ((await master.command('GET', e.key)) === e.value) return (e.at - promotedAt) / 1000;
  }
  throw new Error(`no write acknowledged after the promotion is on ${master.name}: ${after.length} acknowledged`);
}

const kindsText = (f: Findings) =>
  Object.entries(f.errorKinds)
    .map(([k, n]) => `${n}x ${k}`)
    .join('; ') || 'none';

beforeAll(async () => {
  sandbox = await Sandbox.create({ name: 'sentinel-haproxy', ports: [6379, 6380, 9121, 26379, 53], requires: ['redis-server', 'redis-cli', 'redis-sentinel'] });
  chart = await RedisSentinelChart.render(sandbox, { set: ['haproxy.enabled=true'] });
  const deployment = chart.objects.find((o) => o.kind === 'Deployment' && String(o.metadata?.name).endsWith('-haproxy'));
  if (!deployment) throw new Error('the rendered chart has no HAProxy Deployment (haproxy.enabled=true)');
  const cfg = String((chart.objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === deployment.metadata.name) as Obj).data['haproxy.cfg']);
  const line = cfg.split('\n').find((l) => l.trim().startsWith('default-server '))!;
  const opt = (name: string) => new RegExp(`\\b${name} (\\S+)`).exec(line)?.[1] ?? '';
  check = { inter: ms(opt('inter')), fastInter: ms(opt('fastinter')), fall: Number(opt('fall')), rise: Number(opt('rise')) };
  ({ redis, sentinels } = await chart.createPods());
  await Promise.all([...redis, ...sentinels].map((p) => chart.start(p)));
  await whole('the new group to form');
  dns = await sandbox.startDnsServer({ domain: 'cluster.local' });
  proxies = [];
  for (let i = 0; i < Number(deployment.spec.replicas); i++) {
    proxies.push(
      await startHaproxyPod(sandbox, {
        name: `${deployment.metadata.name}-${i}`,
        workload: deployment,
        configMaps: chart.objects.filter((o) => o.kind === 'ConfigMap'),
        secret: (ref) => secretValue(ref.name, ref.key),
        namespace: chart.namespace,
        dns,
      }),
    );
  }
}, TEST_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.cleanup();
  for (const p of [...(redis ?? []), ...(sentinels ?? [])]) expect(p.running).toBe(false);
  for (const p of proxies ?? []) expect(p.job.running).toBe(false);
  if (figures.length > 0) console.log(`measured figures (HAProxy ${check.inter}ms inter, ${check.fastInter}ms fastinter, fall ${check.fall}, rise ${check.rise}):\n  ${figures.join('\n  ')}`);
});

describe('the master endpoint (HAProxy with the rendered haproxy.cfg) in front of 1 master + 2 replicas + 3 Sentinels', () => {
  it(
    'runs the rendered haproxy.cfg unchanged and routes the write port to the master only, the read-only port to replicas only, from every HAProxy pod',
    async () => {
      const { master, replicas } = await whole('the group');
      const rendered = chart.objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === proxies[0]!.name.replace(/-\d+$/, '')) as Obj;
      expect(proxies[0]!.files['haproxy.cfg']).toBe(rendered.data['haproxy.cfg']);
      expect(proxies[0]!.job.describe(5)).not.toMatch(/\[ALERT\]/);
      for (const proxy of proxies) {
        await waitFor(
          `${proxy.name} to send writes to ${master.name}`,
          async () => {
            const p = await servedBy(proxy, proxy.ports.redis!);
            return { done: p === master, state: `${p?.name ?? 'nobody'}\n${proxy.job.describe(10)}` };
          },
          { timeoutMs: 15_000, intervalMs: 200 },
        );
        const readers = new Set<string>();
        for (let i = 0; i < 6; i++) readers.add((await servedBy(proxy, proxy.ports['redis-ro']!))?.name ?? 'nobody');
        expect([...readers].sort()).toEqual(replicas.map((p) => p.name).sort()); // least connections: both replicas, never the master
      }
      // Through the write port, SET works; through the read-only port it is refused (a replica).
      expect(await commandWith({ host: proxies[0]!.ip, port: proxies[0]!.ports.redis!, password: chart.redisPassword }, 'SET', 'through:haproxy', 'yes')).toBe('OK');
      await expect(commandWith({ host: proxies[0]!.ip, port: proxies[0]!.ports['redis-ro']!, password: chart.redisPassword }, 'SET', 'through:ro', 'no')).rejects.toThrow(/READONLY/);
      // The checks authenticate: the Redis pods log no failed AUTH, and the DNS server answered haproxy.
      expect(dns.queries).toBeGreaterThan(0);
      // HAProxy's own exporter serves what the redis-monitoring alert RedisMasterEndpointDown reads
      // (haproxy_backend_active_servers of the write backend): 1 master, 2 replicas, on every pod.
      for (const proxy of proxies) {
        const text = await (await fetch(`http://${proxy.ip}:${proxy.ports.metrics!}/metrics`)).text();
        const active = (backend: string) => Number(new RegExp(`^haproxy_backend_active_servers\\{proxy="${backend}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
        expect({ pod: proxy.name, master: active('redis-master'), replicas: active('redis-replicas') }).toEqual({ pod: proxy.name, master: 1, replicas: 2 });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'Sentinel failover (SIGKILL of the master): no write reaches a replica, writes reach the new master within inter + fall x inter',
    async () => {
      const { master: old } = await whole('the group');
      const monitor = startRoleMonitor();
      const writer = startWriter(proxies[0]!, 'failover');
      await sleep(1500);
      const killedAt = Date.now();
      await old.kill();
      const promoted = await waitFor<Pod>(
        'a replica to be promoted and named by the Sentinels',
        async () => {
          const addr = await sentinelMasterAddr(sentinels[0]!, chart.masterSet);
          const p = redis.find((x) => x !== old && x.running && x.address === addr);
          return { done: p !== undefined && (await roleOf(p)).role === 'master', state: await groupText(redis, sentinels, chart.masterSet), value: p };
        },
        { timeoutMs: 60_000, intervalMs: 50, context: describeAll },
      );
      await waitFor('writes through HAProxy to succeed again', () => ({ done: writer.okSince(Date.now() - 1000) > 20, state: '' }), { timeoutMs: 30_000, intervalMs: 100, context: describeAll });
      await sleep(1000);
      const events = await writer.stop();
      const changes = await monitor.stop();
      const promotedAt = changes.find((c) => c.pod === promoted.value!.name && c.to === 'master')?.at;
      expect(promotedAt).toBeDefined();
      const f = analyse(events, changes);
      const reach = await firstWriteOnNewMaster(events, promotedAt!, promoted.value!);
      const bound = (check.inter + check.fall * check.inter) / 1000;
      figure(
        `failover (SIGKILL of ${old.name}): ${promoted.value!.name} promoted ${((promotedAt! - killedAt) / 1000).toFixed(1)}s after the kill; first write through HAProxy on it ${reach.toFixed(2)}s after its promotion (inter + fall x inter = ${bound}s); writes: ${f.ok} ok, ${f.failed} failed (${kindsText(f)}), ${f.readonly.length} READONLY; longest gap between acknowledged writes ${(f.longestGapMs / 1000).toFixed(1)}s`,
      );
      expect(f.readonlyOutside).toEqual([]);
      expect(reach).toBeLessThan(bound + 2);
      // The killed pod comes back on a new IP as a replica; HAProxy finds it by its name again.
      await old.restart({ newIp: true });
      const g = await whole('the killed master to rejoin as a replica');
      expect(g.master).toBe(promoted.value);
      await waitFor(
        `every HAProxy pod to send reads to the rejoined ${old.name} at its new address too`,
        async () => {
          const seen = new Set<string>();
          for (const proxy of proxies) for (let i = 0; i < 4; i++) seen.add((await servedBy(proxy, proxy.ports['redis-ro']!))?.name ?? 'nobody');
          return { done: seen.has(old.name) && !seen.has(promoted.value!.name), state: [...seen].join(', ') };
        },
        { timeoutMs: 30_000, intervalMs: 500, context: describeAll },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'rolling restart of every Redis pod (preStop handover, back on a new IP): no write reaches a replica, no acknowledged write is lost, writes reach the new master within inter + fall x inter',
    async () => {
      await whole('the group');
      const monitor = startRoleMonitor();
      const writer = startWriter(proxies[0]!, 'rolling');
      await sleep(1500);
      const grace = Number(chart.objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === chart.redisSts)!.spec.template.spec.terminationGracePeriodSeconds) * 1000;
      const handovers: { from: string; to: string; hookMs: number; startedAt: number }[] = [];
      const t0 = Date.now();
      // The StatefulSet controller's order: highest ordinal first, each pod Ready before the next.
      for (const pod of [...redis].reverse()) {
        const wasMaster = (await roleOf(pod)).role === 'master';
        const startedAt = Date.now();
        const report = await terminatePod(pod, { gracePeriodMs: grace, preStop: () => chart.runHook(pod, 'preStop', grace) });
        expect(report.preStopError).toBeUndefined();
        if (wasMaster) {
          const next = await whole('the handover target to lead the group');
          handovers.push({ from: pod.name, to: next.master.name, hookMs: report.preStopMs, startedAt });
        }
        await pod.restart({ newIp: true });
        await whole(`${pod.name} to rejoin after its restart`);
      }
      const rollMs = Date.now() - t0;
      await waitFor('writes through HAProxy to succeed', () => ({ done: writer.okSince(Date.now() - 1000) > 20, state: '' }), { timeoutMs: 30_000, intervalMs: 100, context: describeAll });
      const events = await writer.stop();
      const changes = await monitor.stop();
      const f = analyse(events, changes);
      expect(handovers.length).toBeGreaterThanOrEqual(1);
      const bound = (check.inter + check.fall * check.inter) / 1000;
      const reaches: number[] = [];
      for (const h of handovers) {
        const promotedAt = changes.find((c) => c.pod === h.to && c.to === 'master' && c.at >= h.startedAt)?.at;
        const demotedAt = changes.find((c) => c.pod === h.from && c.from === 'master' && c.at >= h.startedAt)?.at;
        expect({ h, promotedAt: promotedAt !== undefined, demotedAt: demotedAt !== undefined }).toEqual({ h, promotedAt: true, demotedAt: true });
        // The new master is the only one once the old one is a replica (the handover promotes first,
        // while the old master holds the clients' writes paused, then demotes it).
        const onlyMasterAt = Math.max(promotedAt!, demotedAt!);
        const reach = await firstWriteOnNewMaster(events, onlyMasterAt, redis.find((p) => p.name === h.to)!);
        reaches.push(reach);
        const readonly = f.readonly.filter((e) => e.at >= h.startedAt && e.at <= h.startedAt + h.hookMs + 10_000);
        const lastReadonly = readonly.at(-1)?.at;
        console.log(
          `handover ${h.from} -> ${h.to}: promoted at +${promotedAt! - h.startedAt}ms, demoted at +${demotedAt! - h.startedAt}ms; failures: ${events
            .filter((e) => !e.ok && e.at >= h.startedAt && e.at <= h.startedAt + h.hookMs + 10_000)
            .map((e) => `+${e.at - h.startedAt}ms ${(e.error ?? '').slice(0, 40)}`)
            .join(' | ')}`,
        );
        figure(
          `rolling restart, handover ${h.from} -> ${h.to} (preStop ${(h.hookMs / 1000).toFixed(1)}s, ${h.from} a replica ${((demotedAt! - promotedAt!) / 1000).toFixed(2)}s after ${h.to} was promoted): first write through HAProxy on ${h.to} ${reach.toFixed(2)}s after ${h.from} became a replica (inter + fall x inter = ${bound}s); ${readonly.length} READONLY, the last ${lastReadonly === undefined ? '-' : `${((lastReadonly - demotedAt!) / 1000).toFixed(2)}s`} after ${h.from} became a replica (allowed: ${(checkWindowMs() / 1000).toFixed(2)}s)`,
        );
      }
      figure(
        `rolling restart of ${redis.length} Redis pods in ${(rollMs / 1000).toFixed(0)}s (${handovers.length} handover(s)): writes ${f.ok} ok, ${f.failed} failed (${kindsText(f)}); longest gap between acknowledged writes ${(f.longestGapMs / 1000).toFixed(1)}s`,
      );
      expect(f.readonlyOutside).toEqual([]);
      for (const reach of reaches) expect(reach).toBeLessThan(bound + 2);
      const acknowledged = new Map(events.filter((e) => e.ok).map((e) => [e.key, e.value]));
      const { master } = await whole('the group after the rolling restart');
      expect(await missingKeys(master, acknowledged)).toEqual([]);
      expect(await servedBy(proxies[1]!, proxies[1]!.ports.redis!)).toBe(master);
    },
    TEST_TIMEOUT_MS,
  );
});
