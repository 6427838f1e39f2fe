/**
 * What the behaviour tests observe of a Redis + Sentinel group on loopback: each pod's ROLE, each
 * Sentinel's answer, a split-brain monitor that samples both all the time, and a Sentinel-aware
 * client with a write load. Local to this chart's tests: @redis-gitops/redis-testkit speaks Redis
 * Cluster (ClusterClient, clusterHealth); these are the Sentinel counterparts.
 */
import { commandWith, RespConnection, waitFor, type Pod, type RespValue } from '@redis-gitops/redis-testkit';

const FAST = { connectTimeoutMs: 500, commandTimeoutMs: 1500 } as const;

export interface Role {
  readonly role: 'master' | 'replica' | 'down';
  /** Replica: the master address it follows ("ip:port" or "name:port"). */
  readonly master?: string;
  /** Replica: connect / connecting / sync / connected. */
  readonly state?: string;
  readonly error?: string;
}

/** ROLE of the Redis at host:port (down when it does not answer). */
export async function roleAt(host: string, port: number, password: string | undefined, username?: string): Promise<Role> {
  try {
    const r = (await commandWith({ host, port, password, ...(username ? { username } : {}), ...FAST }, 'ROLE')) as RespValue[];
    if (r[0] === 'master') return { role: 'master' };
    if (r[0] === 'slave') return { role: 'replica', master: `${String(r[1])}:${String(r[2])}`, state: String(r[3]) };
    return { role: 'down', error: `unexpected ROLE ${JSON.stringify(r)}` };
  } catch (e) {
    return { role: 'down', error: (e as Error).message };
  }
}

export function roleOf(pod: Pod): Promise<Role> {
  return pod.running ? roleAt(pod.ip, pod.port, pod.password, pod.connection().username) : Promise.resolve({ role: 'down', error: 'not running' });
}

/** `SENTINEL get-master-addr-by-name` of one Sentinel: "host:port", or undefined. */
export async function sentinelMasterAddr(sentinel: Pod, masterSet: string): Promise<string | undefined> {
  if (!sentinel.running) return undefined;
  try {
    const r = (await commandWith(sentinel.connection(FAST), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterSet)) as RespValue[] | null;
    return r ? `${String(r[0])}:${String(r[1])}` : undefined;
  } catch {
    return undefined;
  }
}

/** A flat [k, v, k, v] reply (SENTINEL MASTER, one entry of SENTINEL REPLICAS) as an object. */
export function flat(r: RespValue): Record<string, string> {
  const a = r as RespValue[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < a.length; i += 2) out[String(a[i])] = String(a[i + 1]);
  return out;
}

export async function sentinelCommand(sentinel: Pod, ...args: string[]): Promise<RespValue> {
  return commandWith(sentinel.connection(FAST), ...args);
}

/** Every pod's ROLE and every Sentinel's answer, e.g. "node-0 master | node-1 -> 127.1.2.3:6379 | s-0 127.1.2.3:6379". */
export async function groupText(redis: readonly Pod[], sentinels: readonly Pod[], masterSet: string): Promise<string> {
  const roles = await Promise.all(redis.map(async (p) => ({ p, r: await roleOf(p) })));
  const answers = await Promise.all(sentinels.map(async (s) => ({ s, a: await sentinelMasterAddr(s, masterSet) })));
  return [...roles.map(({ p, r }) => `${short(p)}@${p.ip} ${r.role === 'replica' ? `-> ${r.master} (${r.state})` : r.role}`), ...answers.map(({ s, a }) => `${short(s)}: ${a ?? '-'}`)].join(' | ');
}

const short = (p: Pod) => p.name.replace(/^.*-(node|sentinel)-/, '$1-');

export interface GroupState {
  /** The master every Sentinel names, answering ROLE master. */
  readonly master: Pod;
  readonly replicas: readonly Pod[];
}

/**
 * Waits until the group is whole: every Sentinel names the same master, that pod answers ROLE
 * master, every other running Redis pod is its replica with the link up (master_link_status:up),
 * and every Sentinel lists each of them as a replica that is not down and knows all other
 * Sentinels.
 */
export async function waitForGroup(redis: readonly Pod[], sentinels: readonly Pod[], masterSet: string, what: string, timeoutMs = 60_000, sandboxDescribe?: () => string): Promise<GroupState> {
  const r = await waitFor<GroupState>(
    what,
    async () => {
      const answers = new Set(await Promise.all(sentinels.filter((s) => s.running).map((s) => sentinelMasterAddr(s, masterSet))));
      if (answers.size !== 1 || answers.has(undefined)) return { done: false, state: `Sentinels disagree: ${[...answers].join(', ')}\n${await groupText(redis, sentinels, masterSet)}` };
      const addr = [...answers][0]!;
      const master = redis.find((p) => p.running && p.address === addr);
      if (!master || (await roleOf(master)).role !== 'master') return { done: false, state: `Sentinels name ${addr}, which is not a running master\n${await groupText(redis, sentinels, masterSet)}` };
      const replicas = redis.filter((p) => p !== master && p.running);
      for (const p of replicas) {
        const info = await p.info('replication').catch((e: Error) => ({ error: e.message }) as Record<string, string>);
        if (info.role !== 'slave' || `${info.master_host}:${info.master_port}` !== addr || info.master_link_status !== 'up') {
          return {
            done: false,
            state: `${p.name}: role ${info.role}, master ${info.master_host}:${info.master_port}, link ${info.master_link_status} ${info.error ?? ''}\n${await groupText(redis, sentinels, masterSet)}`,
          };
        }
      }
      for (const s of sentinels.filter((x) => x.running)) {
        const listed = ((await sentinelCommand(s, 'SENTINEL', 'REPLICAS', masterSet)) as RespValue[]).map(flat);
        for (const p of replicas) {
          const e = listed.find((x) => `${x.ip}:${x.port}` === p.address);
          if (!e || /s_down|o_down|disconnected/.test(e.flags ?? '')) return { done: false, state: `${s.name} lists replica ${p.address} as ${e ? e.flags : 'missing'}` };
        }
        const m = flat(await sentinelCommand(s, 'SENTINEL', 'MASTER', masterSet));
        if (Number(m['num-other-sentinels']) < sentinels.filter((x) => x.running).length - 1) return { done: false, state: `${s.name} knows ${m['num-other-sentinels']} other Sentinels` };
      }
      return { done: true, state: 'whole', value: { master, replicas } };
    },
    { timeoutMs, intervalMs: 200, context: sandboxDescribe },
  );
  return r.value!;
}

// ---- split-brain monitor -------------------------------------------------------------------

export interface SplitBrainSample {
  readonly at: number;
  /** Addresses answering ROLE master: running pods, plus every address a Sentinel names. */
  readonly writableMasters: readonly string[];
  /** Distinct addresses the Sentinels name. */
  readonly sentinelAnswers: readonly string[];
}

export interface SplitBrainReport {
  readonly samples: number;
  readonly durationMs: number;
  /** Samples that saw more than one writable master. */
  readonly violations: readonly SplitBrainSample[];
  readonly maxWritableMasters: number;
}

/**
 * Samples, every `intervalMs` until stopped, every Redis pod's ROLE and every Sentinel's
 * get-master-addr-by-name; an address a Sentinel names counts as a writable master only when it
 * answers ROLE master. A sample with two writable masters is a split brain.
 */
export function startSplitBrainMonitor(redis: readonly Pod[], sentinels: readonly Pod[], masterSet: string, intervalMs = 100): { stop(): Promise<SplitBrainReport> } {
  const started = Date.now();
  const violations: SplitBrainSample[] = [];
  let samples = 0;
  let max = 0;
  let stopped = false;
  const password = redis[0]?.password;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const [roles, answers] = await Promise.all([Promise.all(redis.map(async (p) => ({ addr: p.address, r: await roleOf(p) }))), Promise.all(sentinels.map((s) => sentinelMasterAddr(s, masterSet)))]);
      const named = [...new Set(answers.filter((a): a is string => a !== undefined))];
      const masters = new Set(roles.filter((x) => x.r.role === 'master').map((x) => x.addr));
      for (const a of named) {
        if (masters.has(a)) continue;
        const [host, port] = [a.slice(0, a.lastIndexOf(':')), Number(a.slice(a.lastIndexOf(':') + 1))];
        if ((await roleAt(host, port, password)).role === 'master') masters.add(a);
      }
      samples += 1;
      max = Math.max(max, masters.size);
      if (masters.size > 1) violations.push({ at: t0, writableMasters: [...masters], sentinelAnswers: named });
      const wait = intervalMs - (Date.now() - t0);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { samples, durationMs: Date.now() - started, violations, maxWritableMasters: max };
    },
  };
}

// ---- a Sentinel-aware client ------------------------------------------------------------------

/**
 * What a Sentinel-aware client library does: ask the Sentinels (in order) for the master's
 * address, connect there, and ask again after any error. It never retries a failed command: a
 * write load must see every failure.
 */
export class SentinelClient {
  private conn: Promise<RespConnection> | undefined;
  private connAddr = '';
  private readonly sentinels: () => readonly Pod[];
  private readonly masterSet: string;
  private readonly redisPassword: string | undefined;
  private readonly redisUser: string | undefined;
  /** `redisUser`: an ACL user (AUTH <user> <password>); undefined: the default user. */
  constructor(sentinels: () => readonly Pod[], masterSet: string, redisPassword: string | undefined, redisUser?: string) {
    this.sentinels = sentinels;
    this.masterSet = masterSet;
    this.redisPassword = redisPassword;
    this.redisUser = redisUser;
  }

  /** The master address the first answering Sentinel names. */
  async discover(): Promise<string> {
    for (const s of this.sentinels()) {
      const a = await sentinelMasterAddr(s, this.masterSet);
      if (a) return a;
    }
    throw new Error('no Sentinel answered get-master-addr-by-name');
  }

  private async connection(): Promise<RespConnection> {
    if (!this.conn) {
      const addr = await this.discover();
      this.connAddr = addr;
      const host = addr.slice(0, addr.lastIndexOf(':'));
      const port = Number(addr.slice(addr.lastIndexOf(':') + 1));
      this.conn = RespConnection.open({ host, port, password: this.redisPassword, ...(this.redisUser ? { username: this.redisUser } : {}), connectTimeoutMs: 500, commandTimeoutMs: 3000 });
      this.conn.catch(() => {
        this.conn = undefined;
      });
    }
    return this.conn;
  }

  get address(): string {
    return this.connAddr;
  }

  /** SET, then WAIT `replicas` `timeoutMs` on the same connection; throws unless OK and confirmed. */
  async set(key: string, value: string, replicas = 0, timeoutMs = 1000): Promise<void> {
    try {
      const c = await this.connection();
      const ok = await c.call('SET', key, value);
      if (ok !== 'OK') throw new Error(`SET ${key}: ${JSON.stringify(ok)}`);
      if (replicas > 0) {
        const n = await c.call('WAIT', replicas, timeoutMs);
        if (typeof n !== 'number' || n < replicas) throw new Error(`WAIT ${replicas}: only ${String(n)} replica(s) confirmed`);
      }
    } catch (e) {
      // Any failure (READONLY, refused, timeout): drop the connection and ask the Sentinels again next time.
      const c = this.conn;
      this.conn = undefined;
      void c?.then((x) => x.close()).catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<string | null> {
    const c = await this.connection();
    return (await c.call('GET', key)) as string | null;
  }

  close(): void {
    void this.conn?.then((x) => x.close()).catch(() => undefined);
    this.conn = undefined;
  }
}

export interface LoadReport {
  readonly attempted: number;
  /** key -> value of every write acknowledged by the master AND `replicas` replicas (WAIT). */
  readonly acknowledged: ReadonlyMap<string, string>;
  readonly failed: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly firstFailureAt?: number;
  readonly lastFailureAt?: number;
}

/** Sequential writes `<prefix>:<n>` through a SentinelClient until stopped (one in flight, like a simple app). */
export function startWriteLoad(client: SentinelClient, prefix: string, replicas: number, waitTimeoutMs: number, pauseMs = 5): { stop(): Promise<LoadReport>; acknowledgedCount(): number } {
  const acknowledged = new Map<string, string>();
  const errors: Record<string, number> = {};
  let attempted = 0;
  let failed = 0;
  let firstFailureAt: number | undefined;
  let lastFailureAt: number | undefined;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      attempted += 1;
      const key = `${prefix}:${attempted}`;
      const value = `v${attempted}@${Date.now()}`;
      try {
        await client.set(key, value, replicas, waitTimeoutMs);
        acknowledged.set(key, value);
      } catch (e) {
        failed += 1;
        firstFailureAt ??= Date.now();
        lastFailureAt = Date.now();
        const k = (e as Error).message.replace(/\d+\.\d+\.\d+\.\d+(:\d+)?/g, '<addr>').replace(/SET \S+ [^\s:]+/, 'SET <key> <value>');
        errors[k] = (errors[k] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  })();
  return {
    acknowledgedCount: () => acknowledged.size,
    async stop() {
      stopped = true;
      await loop;
      return { attempted, acknowledged, failed, errors, firstFailureAt, lastFailureAt };
    },
  };
}

/** Keys of `expected` missing from (or different on) the Redis at `pod`. */
export async function missingKeys(pod: Pod, expected: ReadonlyMap<string, string>): Promise<string[]> {
  const c = await RespConnection.open(pod.connection({ commandTimeoutMs: 10_000 }));
  try {
    const entries = [...expected];
    const out: string[] = [];
    for (let i = 0; i < entries.length; i += 500) {
      const batch = entries.slice(i, i + 500);
      const got = await Promise.all(batch.map(([k]) => c.call('GET', k)));
      batch.forEach(([k, v], j) => {
        if (got[j] !== v) out.push(k);
      });
    }
    return out;
  } finally {
    c.close();
  }
}

/** SETs every key on the master (pipelined), then WAIT for `replicas` replicas. */
export async function writeKeysTo(master: Pod, keys: ReadonlyMap<string, string>, replicas: number): Promise<void> {
  const c = await RespConnection.open(master.connection({ commandTimeoutMs: 10_000 }));
  try {
    const entries = [...keys];
    for (let i = 0; i < entries.length; i += 500) await Promise.all(entries.slice(i, i + 500).map(([k, v]) => c.call('SET', k, v)));
    const n = await c.call('WAIT', replicas, 5000);
    if (typeof n !== 'number' || n < replicas) throw new Error(`WAIT ${replicas} after writing ${keys.size} keys: ${String(n)}`);
  } finally {
    c.close();
  }
}
