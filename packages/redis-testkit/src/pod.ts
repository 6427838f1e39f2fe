import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { redisBinary } from './binaries.ts';
import { LogTail } from './log-tail.ts';
import { ManagedProcess, type ExitInfo } from './managed-process.ts';
import { commandWith, parseInfo, asText, RedisReplyError, type ConnectionOptions } from './resp-connection.ts';
import type { RespArg, RespValue } from './resp.ts';
import type { DnsMap } from './dns-map.ts';
import { WaitAborted, waitFor } from './wait-for.ts';

export type Env = Readonly<Record<string, string>>;

interface PodStartCommon {
  /** Client port. @default 6379 */
  readonly port?: number;
  /** Password the harness uses to talk to the pod (AUTH); it is not passed to the process by itself. */
  readonly password?: string;
  /** ACL user of `password` (AUTH <user> <password>); undefined: the default user. */
  readonly user?: string;
  /** `listening`: wait until the pod answers on its port (any reply, even LOADING or NOAUTH). @default 'listening' */
  readonly waitUntil?: 'listening' | 'spawned';
  /** Upper bound for `listening`. @default 30000 */
  readonly startTimeoutMs?: number;
  /**
   * Late DNS: the pod's names appear in the sandbox DNS map only this long after the process
   * starts (a headless Service that publishes the new endpoint late; real clusters can lag over a
   * minute). Until then its names do not resolve. @default 0
   */
  readonly dnsDelayMs?: number;
}

/** Plain redis-server: `--bind <ip> --bind-source-addr <ip> --port <port> --dir <dataDir>` plus `args`. */
export interface RedisServerStart extends PodStartCommon {
  readonly kind: 'redis-server';
  readonly args?: readonly string[] | ((pod: Pod) => readonly string[]);
}

/** Any command (e.g. the chart's start-node.sh) with the given environment. */
export interface CommandStart extends PodStartCommon {
  readonly kind: 'command';
  readonly command: string;
  readonly args?: readonly string[] | ((pod: Pod) => readonly string[]);
  /** Evaluated at every start, so it can use the pod's current IP. PATH/HOME/LANG/TMPDIR are added when absent. */
  readonly env?: Env | ((pod: Pod) => Env);
  readonly cwd?: string;
}

export type PodStartOptions = RedisServerStart | CommandStart;

export interface PodRestartOptions {
  /** `true`: a fresh address (a deleted pod); a string: that address (must not belong to a running pod); `false`: same address. @default true */
  readonly newIp?: boolean | string;
  /** Replace the start options used last time. */
  readonly start?: PodStartOptions;
  /** Late DNS for this start only (see PodStartCommon.dnsDelayMs). */
  readonly dnsDelayMs?: number;
}

export interface PodKillOptions {
  /** Keep the pod's DNS names while it is down (a container restart); by default they vanish like a deleted pod's endpoint. @default false */
  readonly keepDns?: boolean;
}

/** What a Pod needs from its Sandbox. */
export interface PodHost {
  readonly dns: DnsMap;
  allocateIp(): Promise<string>;
  claimIp(ip: string, owner: Pod): void;
  releaseIp(ip: string, owner: Pod): void;
  baseEnv(): Env;
  /** Records a started process group for the crash-safety watchdog. */
  trackProcess(pgid: number): void;
  /** The binary `kind: 'redis-server'` runs (e.g. an arm64 wrapper); the machine's redis-server when absent. */
  redisBinary?(name: 'redis-server'): string;
}

/**
 * A Redis "pod": a process bound to its own loopback address, with a data directory that
 * survives restarts (its PersistentVolume) and DNS names in the sandbox map. Deleting a pod is
 * `restart({ newIp: true })`: SIGKILL, then the same data dir on a new address.
 */
export class Pod {
  readonly name: string;
  /** The pod's own directory: data/, log, and whatever a test puts there (conf, runtime). */
  readonly dir: string;
  readonly dataDir: string;
  /** DNS names that resolve to the pod's current IP while it runs. */
  readonly hostnames: readonly string[];
  readonly log: LogTail;
  private readonly host: PodHost;
  private currentIp: string;
  private proc: ManagedProcess | undefined;
  private lastStart: PodStartOptions | undefined;
  private startCount = 0;
  private portNumber = 6379;
  private pass: string | undefined;
  private user: string | undefined;
  /** Every address the pod has had, oldest first. */
  readonly ipHistory: string[] = [];
  private readonly stopHooks: Array<() => void | Promise<void>> = [];
  private dnsTimer: NodeJS.Timeout | undefined;

  constructor(host: PodHost, name: string, dir: string, ip: string, hostnames: readonly string[]) {
    this.host = host;
    this.name = name;
    this.dir = dir;
    this.dataDir = path.join(dir, 'data');
    this.hostnames = hostnames;
    this.currentIp = ip;
    this.ipHistory.push(ip);
    mkdirSync(this.dataDir, { recursive: true });
    this.log = new LogTail(path.join(dir, 'pod.log'));
  }

  get ip(): string {
    return this.currentIp;
  }
  get port(): number {
    return this.portNumber;
  }
  /** "ip:port" */
  get address(): string {
    return `${this.currentIp}:${this.portNumber}`;
  }
  get password(): string | undefined {
    return this.pass;
  }
  /** PID of the running process (the group leader), or undefined when stopped. */
  get pid(): number | undefined {
    return this.proc && !this.proc.exit ? this.proc.pid : undefined;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }
  /** How the last process ended, when it did. */
  get lastExit(): ExitInfo | undefined {
    return this.proc?.exit;
  }
  get starts(): number {
    return this.startCount;
  }

  connection(overrides: Partial<ConnectionOptions> = {}): ConnectionOptions {
    return { host: this.currentIp, port: this.portNumber, password: this.pass, ...(this.user ? { username: this.user } : {}), ...overrides };
  }

  /** One command against the pod (AUTH with its password). */
  command(...args: RespArg[]): Promise<RespValue> {
    return commandWith(this.connection(), ...args);
  }

  /** INFO [section], parsed into key -> value. */
  async info(section?: string): Promise<Record<string, string>> {
    return parseInfo(asText(await this.command(...(section ? ['INFO', section] : ['INFO'])), 'INFO'));
  }

  /** The last `n` lines of output (all starts of this pod, with harness markers). */
  lastLines(n = 40): string[] {
    return this.log.last(n);
  }

  /** "--- rc-0 (127.9.8.3, pid 123, running) last 20 lines ---\n..." for failure messages. */
  describe(n = 20): string {
    const status = this.running ? `pid ${this.pid}, running` : `stopped${this.lastExit ? ` (${this.lastExit.signal ?? `code ${this.lastExit.code}`})` : ''}`;
    return `--- ${this.name} (${this.currentIp}, ${status}) last ${n} lines of ${this.log.file} ---\n${this.lastLines(n).join('\n')}`;
  }

  async start(options: PodStartOptions): Promise<void> {
    if (this.running) throw new Error(`redis-testkit: pod ${this.name} is already running (pid ${this.pid})`);
    this.lastStart = options.dnsDelayMs ? { ...options, dnsDelayMs: 0 } : options;
    this.portNumber = options.port ?? 6379;
    this.pass = options.password;
    this.user = options.user;
    this.host.claimIp(this.currentIp, this);
    this.startCount += 1;
    this.publishDns(options.dnsDelayMs ?? 0);
    const base = this.host.baseEnv();
    let command: string;
    let args: string[];
    let env: Record<string, string>;
    let cwd = this.dir;
    if (options.kind === 'redis-server') {
      command = this.host.redisBinary?.('redis-server') ?? redisBinary('redis-server');
      const extra = typeof options.args === 'function' ? options.args(this) : (options.args ?? []);
      args = ['--bind', this.currentIp, '--bind-source-addr', this.currentIp, '--port', String(this.portNumber), '--dir', this.dataDir, ...extra];
      env = { ...base };
    } else {
      command = options.command;
      args = [...(typeof options.args === 'function' ? options.args(this) : (options.args ?? []))];
      env = { ...base, ...(typeof options.env === 'function' ? options.env(this) : (options.env ?? {})) };
      cwd = options.cwd ?? this.dir;
    }
    this.log.mark(`start #${this.startCount} of pod ${this.name} on ${this.currentIp}: ${command} ${args.join(' ')}`);
    this.proc = new ManagedProcess({ command, args, env, cwd, log: this.log });
    this.host.trackProcess(this.proc.pid);
    if ((options.waitUntil ?? 'listening') === 'listening') await this.waitListening(options.startTimeoutMs ?? 30_000);
  }

  /** Waits until the pod answers on its port (any reply counts: PONG, LOADING, NOAUTH ...). */
  async waitListening(timeoutMs = 30_000): Promise<void> {
    const proc = this.proc;
    await waitFor(
      `pod ${this.name} to listen on ${this.address}`,
      async () => {
        if (proc?.exit) throw new WaitAborted(`process exited early (${proc.exit.signal ?? `code ${proc.exit.code}`})`);
        try {
          await commandWith(this.connection({ connectTimeoutMs: 1000, commandTimeoutMs: 2000 }), 'PING');
          return { done: true, state: 'PONG' };
        } catch (e) {
          if (e instanceof RedisReplyError) return { done: true, state: e.reply };
          return { done: false, state: (e as Error).message };
        }
      },
      { timeoutMs, intervalMs: 100, context: () => this.describe(30) },
    ).catch((e: Error) => {
      if (proc?.exit) throw new Error(`redis-testkit: pod ${this.name} exited before listening on ${this.address} (${proc.exit.signal ?? `code ${proc.exit.code}`})\n${this.describe(40)}`);
      throw e;
    });
  }

  /**
   * Runs `fn` whenever the pod is killed, before its address is released; e.g. a probe kills its
   * in-flight command, as every process of a container dies with it.
   */
  onStop(fn: () => void | Promise<void>): void {
    this.stopHooks.push(fn);
  }

  /** Puts the pod's names in the DNS map now, or `delayMs` from now (cancelled if the pod stops first). */
  private publishDns(delayMs: number): void {
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.dnsTimer = undefined;
    if (delayMs <= 0) {
      this.host.dns.set(this.hostnames, this.currentIp);
      return;
    }
    const ip = this.currentIp;
    this.log.mark(`DNS names of ${this.name} (${this.hostnames.join(', ')}) appear in ${delayMs} ms`);
    this.dnsTimer = setTimeout(() => {
      this.dnsTimer = undefined;
      if (this.running && this.currentIp === ip) {
        this.host.dns.set(this.hostnames, ip);
        this.log.mark(`DNS names of ${this.name} now resolve to ${ip}`);
      }
    }, delayMs);
    this.dnsTimer.unref();
  }

  /** True while a late-DNS timer is pending (the pod's names do not resolve yet). */
  get dnsPending(): boolean {
    return this.dnsTimer !== undefined;
  }

  /** SIGKILL (the whole process group) and wait until it is gone. The data dir stays. */
  async kill(options: PodKillOptions = {}): Promise<void> {
    if (this.dnsTimer) clearTimeout(this.dnsTimer);
    this.dnsTimer = undefined;
    await Promise.all(this.stopHooks.map((h) => h()));
    if (this.proc && !this.proc.exit) {
      this.log.mark(`SIGKILL pod ${this.name} (pid ${this.proc.pid}, ${this.currentIp})`);
      await this.proc.kill();
    } else if (this.proc) {
      await this.proc.kill(); // reap stray group members of an exited process
    }
    await Promise.all(this.stopHooks.map((h) => h())); // again: anything started while the kill ran
    this.host.releaseIp(this.currentIp, this);
    if (!options.keepDns) this.host.dns.delete(this.hostnames);
  }

  /**
   * Kill (if running), optionally move to another address, start again with the same data dir
   * and the last start options (or `options.start`).
   */
  async restart(options: PodRestartOptions = {}): Promise<void> {
    const start = options.start ?? this.lastStart;
    if (!start) throw new Error(`redis-testkit: pod ${this.name} was never started; call start() first`);
    await this.kill();
    const newIp = options.newIp ?? true;
    if (newIp === true) this.moveTo(await this.host.allocateIp());
    else if (typeof newIp === 'string') this.moveTo(newIp);
    await this.start(options.dnsDelayMs !== undefined ? { ...start, dnsDelayMs: options.dnsDelayMs } : start);
  }

  /** Changes the address of a stopped pod (the next start binds it and updates DNS). */
  moveTo(ip: string): void {
    if (this.running) throw new Error(`redis-testkit: pod ${this.name} is running; kill it before moving it to ${ip}`);
    if (ip !== this.currentIp) {
      this.log.mark(`pod ${this.name} moves ${this.currentIp} -> ${ip}`);
      this.currentIp = ip;
      this.ipHistory.push(ip);
    }
  }

  /** Waits until a log line matches (lines written from now on, or already in the tail when `includeTail`). */
  async waitForLog(pattern: RegExp, timeoutMs = 30_000, includeTail = true): Promise<string> {
    let hit: string | undefined = includeTail ? this.lastLines(400).find((l) => pattern.test(l)) : undefined;
    const off = this.log.onLine((l) => {
      if (hit === undefined && pattern.test(l)) hit = l;
    });
    try {
      await waitFor(`pod ${this.name} to log ${pattern}`, () => ({ done: hit !== undefined, state: this.lastLines(1)[0] ?? '(no output)' }), {
        timeoutMs,
        intervalMs: 50,
        context: () => this.describe(30),
      });
      return hit!;
    } finally {
      off();
    }
  }

  /** Used by Sandbox.cleanup and the exit safety net. */
  async stopForCleanup(): Promise<void> {
    if (this.proc) await this.proc.kill();
  }
  killSync(): void {
    this.proc?.killSync();
  }
}
