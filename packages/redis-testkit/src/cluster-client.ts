import net from 'node:net';
import { keySlot, SLOT_COUNT } from './key-slot.ts';
import { RedisConnectionError, RedisReplyError, RespConnection } from './resp-connection.ts';
import { parseClusterSlots } from './cluster-topology.ts';
import type { RespArg, RespValue } from './resp.ts';
import type { Pod } from './pod.ts';

export interface ClusterClientOptions {
  /** "ip:port" addresses to learn the slot map from; a function, so that pods that moved are found. */
  readonly seeds: () => readonly string[];
  readonly password?: string;
  /** ACL user of `password` (AUTH <user> <password>); undefined: the default user. */
  readonly username?: string;
  /** @default 1000 */
  readonly connectTimeoutMs?: number;
  /** @default 3000 */
  readonly commandTimeoutMs?: number;
  /** MOVED/ASK hops before giving up. @default 8 */
  readonly maxRedirects?: number;
  /** Maps a hostname endpoint (cluster-preferred-endpoint-type hostname) to an IP. */
  readonly resolveHost?: (host: string) => string | undefined;
  /** Learn the slot map with CLUSTER SLOTS; `false`: start at a random seed and learn only from MOVED. @default true */
  readonly useClusterSlots?: boolean;
}

export interface CallOptions {
  /** After the command, `WAIT <replicas> <timeoutMs>` on the same connection; fails unless that many replicas confirmed. */
  readonly waitReplicas?: { readonly count: number; readonly timeoutMs: number };
}

/**
 * A small cluster-aware client: routes by key slot, follows MOVED (updating its slot map) and
 * ASK (with ASKING), and relearns the slot map from the seeds after a connection error. It does
 * not retry failures: write loads must see them.
 */
export class ClusterClient {
  private readonly options: ClusterClientOptions;
  private readonly owners: Array<string | undefined> = new Array<string | undefined>(SLOT_COUNT).fill(undefined);
  private readonly conns = new Map<string, Promise<RespConnection>>();
  private stale = true;
  private refreshing: Promise<void> | undefined;
  private closed = false;

  constructor(options: ClusterClientOptions) {
    this.options = options;
  }

  /** Seeds are the pods' current addresses (running pods only), read at every refresh. */
  static forPods(pods: readonly Pod[], options: Partial<ClusterClientOptions> = {}): ClusterClient {
    return new ClusterClient({
      seeds: () => pods.filter((p) => p.running).map((p) => p.address),
      password: options.password ?? pods[0]?.password,
      ...options,
    });
  }

  async set(key: string, value: string, options: CallOptions = {}): Promise<RespValue> {
    return this.call(key, ['SET', key, value], options);
  }

  async get(key: string): Promise<string | null> {
    const v = await this.call(key, ['GET', key]);
    if (v !== null && typeof v !== 'string') throw new Error(`GET ${key}: unexpected reply ${JSON.stringify(v)}`);
    return v;
  }

  /** Runs `args` on the node serving `key`'s slot. */
  async call(key: string, args: readonly RespArg[], options: CallOptions = {}): Promise<RespValue> {
    if (this.closed) throw new Error('ClusterClient is closed');
    const slot = keySlot(key);
    if (this.options.useClusterSlots !== false && (this.stale || this.owners[slot] === undefined)) await this.refresh();
    let addr = this.owners[slot] ?? this.anySeed();
    let asking = false;
    const maxRedirects = this.options.maxRedirects ?? 8;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      try {
        const conn = await this.connection(addr);
        if (asking) void conn.call('ASKING').catch(() => undefined);
        const reply = await conn.call(...args);
        if (options.waitReplicas) {
          const n = await conn.call('WAIT', options.waitReplicas.count, options.waitReplicas.timeoutMs);
          if (typeof n !== 'number' || n < options.waitReplicas.count) {
            throw new Error(`${addr} WAIT ${options.waitReplicas.count} ${options.waitReplicas.timeoutMs}: only ${String(n)} replica(s) confirmed`);
          }
        }
        return reply;
      } catch (e) {
        if (e instanceof RedisReplyError && (e.code === 'MOVED' || e.code === 'ASK')) {
          const [, slotText = '', target = ''] = e.reply.split(' ');
          const to = this.toAddress(target);
          if (e.code === 'MOVED') {
            this.owners[Number(slotText)] = to;
            asking = false;
          } else {
            asking = true;
          }
          addr = to;
          continue;
        }
        if (e instanceof RedisConnectionError) {
          this.drop(addr);
          this.stale = true;
        }
        throw e;
      }
    }
    throw new Error(`${args[0]} ${key}: more than ${maxRedirects} MOVED/ASK redirections`);
  }

  /** Relearns the slot map from the first seed that answers CLUSTER SLOTS. */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  close(): void {
    this.closed = true;
    for (const c of this.conns.values())
      c.then(
        (x) => x.close(),
        () => undefined,
      );
    this.conns.clear();
  }

  private async doRefresh(): Promise<void> {
    const seeds = [...this.options.seeds()];
    if (seeds.length === 0) throw new Error('ClusterClient: no seed addresses (no running pod)');
    const errors: string[] = [];
    for (const seed of seeds.sort(() => Math.random() - 0.5)) {
      try {
        const conn = await this.connection(seed);
        const ranges = parseClusterSlots(await conn.call('CLUSTER', 'SLOTS'));
        this.owners.fill(undefined);
        for (const r of ranges) {
          const ep = r.master.metadata.ip ?? r.master.endpoint;
          if (ep === '?' || ep === '') continue;
          const addr = this.toAddress(`${ep}:${r.master.port}`);
          for (let s = r.from; s <= r.to; s++) this.owners[s] = addr;
        }
        this.stale = false;
        return;
      } catch (e) {
        this.drop(seed);
        errors.push((e as Error).message);
      }
    }
    throw new Error(`ClusterClient: no seed answered CLUSTER SLOTS: ${errors.join('; ')}`);
  }

  private anySeed(): string {
    const seeds = this.options.seeds();
    const s = seeds[Math.floor(Math.random() * seeds.length)];
    if (!s) throw new Error('ClusterClient: no seed addresses (no running pod)');
    return s;
  }

  /** "host:port" with a hostname mapped to its IP through resolveHost. */
  private toAddress(endpoint: string): string {
    const i = endpoint.lastIndexOf(':');
    const host = endpoint.slice(0, i);
    const port = endpoint.slice(i + 1);
    if (net.isIP(host) || !this.options.resolveHost) return endpoint;
    const ip = this.options.resolveHost(host);
    return ip ? `${ip}:${port}` : endpoint;
  }

  /** The cached connection to addr, or a new one; a closed one is replaced. */
  private async connection(addr: string): Promise<RespConnection> {
    for (;;) {
      const p = this.conns.get(addr) ?? this.open(addr);
      const c = await p; // a connect error propagates (open() already forgot the promise)
      if (!c.closed) return c;
      if (this.conns.get(addr) === p) this.conns.delete(addr);
    }
  }

  private open(addr: string): Promise<RespConnection> {
    const i = addr.lastIndexOf(':');
    const p = RespConnection.open({
      host: addr.slice(0, i),
      port: Number(addr.slice(i + 1)),
      password: this.options.password,
      ...(this.options.username ? { username: this.options.username } : {}),
      connectTimeoutMs: this.options.connectTimeoutMs ?? 1000,
      commandTimeoutMs: this.options.commandTimeoutMs ?? 3000,
    });
    this.conns.set(addr, p);
    p.then(
      (c) => {
        // Opened after close(): do not leak it.
        if (this.closed) c.close();
      },
      () => {
        if (this.conns.get(addr) === p) this.conns.delete(addr);
      },
    );
    return p;
  }

  private drop(addr: string): void {
    const c = this.conns.get(addr);
    this.conns.delete(addr);
    c?.then(
      (x) => x.close(),
      () => undefined,
    );
  }
}
