import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arm64Toolchain, redisBinary, requireRedisBinaries, valkeyBinary, writeArm64Wrappers, type RedisArch, type RedisBinary } from './binaries.ts';
import { DnsMap } from './dns-map.ts';
import { DnsServer, type DnsServerOptions } from './dns-server.ts';
import { execBounded, type ExecResult } from './exec.ts';
import { IpBlock } from './ip-block.ts';
import { Job } from './job.ts';
import { LogTail } from './log-tail.ts';
import { ManagedProcess } from './managed-process.ts';
import { PeriodicProbe, type ProbeOptions } from './periodic-probe.ts';
import { Pod, type Env, type PodHost } from './pod.ts';
import { killGroup, killGroupSync, waitGroupGone } from './process-tree.ts';
import { Reaper } from './reaper.ts';

export interface SandboxOptions {
  /** Part of the temp dir name, e.g. the test file's name. @default 'sandbox' */
  readonly name?: string;
  /** Ports every pod uses on its own address; each allocated IP is checked free on all of them. @default [6379, 16379] */
  readonly ports?: readonly number[];
  /** Binaries that must exist; a missing one throws at once, naming tools/setup.sh. @default ['redis-server', 'redis-cli'] */
  readonly requires?: readonly RedisBinary[];
  /** Keep the temp dir after cleanup (processes are still killed). @default process.env.REDIS_TESTKIT_KEEP === '1' */
  readonly keepFiles?: boolean;
  /**
   * `arm64`: every process the sandbox starts (pods, Jobs, exec, probes) finds Debian's arm64
   * Redis under qemu-user first in its PATH (wrappers in <root>/bin), so scripts calling plain
   * `redis-server`/`redis-cli` run it unchanged; `kind: 'redis-server'` pods run it too. Needs
   * `bash tools/setup.sh`; a missing piece throws at once. Several times slower than native.
   * @default process.env.REDIS_TESTKIT_ARCH, else 'amd64' (the machine's own build)
   */
  readonly arch?: RedisArch;
  /**
   * Valkey's binaries under their own names (valkey-server, valkey-cli, valkey-sentinel, ...) on
   * every process's PATH, AFTER the machine's dirs: a run on Redis can then start pods rendered with
   * `engine: valkey` (the chart sets REDIS_SERVER=valkey-server etc.) while `redis-*` still runs
   * Redis, e.g. for a rolling move from Redis to Valkey. Needs `bash tools/setup.sh`; throws at once
   * when Valkey is missing. @default false
   */
  readonly withValkey?: boolean;
}

export interface CreatePodOptions {
  /** DNS names of the pod. @default [name] */
  readonly hostnames?: readonly string[];
  /** A specific address instead of the next free one. */
  readonly ip?: string;
}

export interface StartJobOptions {
  readonly args?: readonly string[];
  readonly env?: Env;
  readonly cwd?: string;
}

const live = new Set<Sandbox>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Safety net for scripts that end without cleanup() (jest never emits 'exit' to test code: the
  // Reaper covers that case and crashes).
  process.on('exit', () => {
    for (const s of live) s.cleanupSync();
  });
}

/**
 * One per test file: a temp root, a private /24 of loopback addresses, the DNS map and every
 * process started through it. `cleanup()` kills them all (SIGKILL by PID, waiting for exit) and
 * removes the dirs; call it in afterAll/afterEach. Safety nets: a process 'exit' hook, and a
 * detached Reaper that does the same when the test process dies (jest worker killed, crash).
 */
export class Sandbox implements PodHost {
  readonly root: string;
  readonly dns: DnsMap;
  readonly pods: Pod[] = [];
  readonly jobs: Job[] = [];
  readonly probes: PeriodicProbe[] = [];
  readonly dnsServers: DnsServer[] = [];
  private readonly execs = new Set<number>();
  private readonly block: IpBlock;
  private readonly keepFiles: boolean;
  private readonly ipOwners = new Map<string, Pod>();
  private readonly binaries: Record<string, string>;
  /** Dirs appended to every process's PATH (options.withValkey). */
  private readonly extraPath: readonly string[];
  /** The Redis build this sandbox runs. */
  readonly arch: RedisArch;
  private readonly reaper: Reaper;
  private jobCount = 0;
  private cleaned = false;

  private constructor(options: SandboxOptions) {
    const arch = options.arch ?? process.env.REDIS_TESTKIT_ARCH ?? 'amd64';
    if (arch !== 'amd64' && arch !== 'arm64') throw new Error(`redis-testkit: unknown arch "${arch}" (Sandbox option arch or REDIS_TESTKIT_ARCH): use amd64 or arm64`);
    this.arch = arch;
    const requires = options.requires ?? ['redis-server', 'redis-cli'];
    // arm64: check qemu and the sysroot before anything is created, so a missing piece leaves nothing behind.
    const toolchain = arch === 'arm64' ? arm64Toolchain() : undefined;
    this.binaries = toolchain ? {} : requireRedisBinaries(requires);
    this.extraPath = options.withValkey ? [path.dirname(valkeyBinary('redis-server'))] : [];
    this.keepFiles = options.keepFiles ?? process.env.REDIS_TESTKIT_KEEP === '1';
    const safeName = (options.name ?? 'sandbox').replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 40);
    this.root = mkdtempSync(path.join(os.tmpdir(), `redis-testkit-${safeName}-`));
    if (toolchain) {
      this.binaries = writeArm64Wrappers(path.join(this.root, 'bin'), toolchain);
      const missing = requires.filter((b) => !this.binaries[b]);
      if (missing.length > 0) {
        rmSync(this.root, { recursive: true, force: true });
        throw new Error(`redis-testkit: the arm64 sysroot ${toolchain.sysroot} has no ${missing.join(', ')}; run \`bash tools/setup.sh\` from the repository root`);
      }
    }
    mkdirSync(path.join(this.root, 'dns'));
    mkdirSync(path.join(this.root, 'pods'));
    mkdirSync(path.join(this.root, 'jobs'));
    this.dns = new DnsMap(path.join(this.root, 'dns'));
    this.block = IpBlock.reserve(options.ports ?? [6379, 16379]);
    this.reaper = new Reaper(path.join(this.root, 'process-groups'), this.keepFiles ? [this.block.lockPath] : [this.root, this.block.lockPath]);
    live.add(this);
    installExitHook();
  }

  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    return new Sandbox(options);
  }

  /** The loopback /24 prefix, e.g. "127.93.12". */
  get ipPrefix(): string {
    return this.block.prefix;
  }

  /** Path of the resolver script (`resolve.sh NAME`); pass it to scripts as RESOLVE_CMD. */
  get resolver(): string {
    return this.dns.resolver;
  }

  /** Current IP of a DNS name, as the scripts would resolve it. */
  resolve(name: string): string | undefined {
    return this.dns.lookup(name);
  }

  /** A fresh address of the sandbox's block, never handed out before, free on every pod port. */
  allocateIp(): Promise<string> {
    this.assertOpen();
    return this.block.next();
  }

  async createPod(name: string, options: CreatePodOptions = {}): Promise<Pod> {
    this.assertOpen();
    if (this.pods.some((p) => p.name === name)) throw new Error(`redis-testkit: pod ${name} already exists in this sandbox`);
    const ip = options.ip ?? (await this.allocateIp());
    const pod = new Pod(this, name, path.join(this.root, 'pods', name), ip, options.hostnames ?? [name]);
    this.pods.push(pod);
    return pod;
  }

  claimIp(ip: string, owner: Pod): void {
    const current = this.ipOwners.get(ip);
    if (current && current !== owner && current.running) throw new Error(`redis-testkit: ${ip} belongs to running pod ${current.name}; cannot start ${owner.name} on it`);
    this.ipOwners.set(ip, owner);
  }

  releaseIp(ip: string, owner: Pod): void {
    if (this.ipOwners.get(ip) === owner) this.ipOwners.delete(ip);
  }

  trackProcess(pgid: number): void {
    this.reaper.track(pgid);
  }

  /** Path of a Redis binary for this sandbox's arch (the arm64 wrapper, or the machine's binary). */
  redisBinary(name: RedisBinary): string {
    const own = this.binaries[name];
    if (own) return own;
    if (this.arch === 'arm64') throw new Error(`redis-testkit: no arm64 ${name} in ${path.join(this.root, 'bin')}; run \`bash tools/setup.sh\` from the repository root`);
    return redisBinary(name);
  }

  /** A minimal environment for processes: nothing from the test runner leaks into a "pod". */
  baseEnv(): Env {
    const dirs = new Set<string>([...Object.values(this.binaries).map((b) => path.dirname(b)), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
    return { PATH: [...dirs, ...this.extraPath].join(':'), HOME: this.root, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TMPDIR: os.tmpdir() };
  }

  /** Starts a one-shot process (e.g. bootstrap.sh) tracked for cleanup. */
  startJob(name: string, command: string, options: StartJobOptions = {}): Job {
    this.assertOpen();
    this.jobCount += 1;
    const log = new LogTail(path.join(this.root, 'jobs', `${this.jobCount}-${name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.log`));
    log.mark(`start job ${name}: ${command} ${(options.args ?? []).join(' ')}`);
    const proc = new ManagedProcess({ command, args: options.args ?? [], env: { ...this.baseEnv(), ...(options.env ?? {}) }, cwd: options.cwd ?? this.root, log });
    this.trackProcess(proc.pid);
    const job = new Job(name, proc, () => this.describe(15));
    this.jobs.push(job);
    return job;
  }

  /** Runs a short command to completion (bounded, killed on cleanup); PATH etc. from baseEnv. */
  exec(command: string, options: { args?: readonly string[]; env?: Env; cwd?: string; timeoutMs?: number; abort?: AbortSignal } = {}): Promise<ExecResult> {
    this.assertOpen();
    return execBounded(
      command,
      { args: options.args, env: { ...this.baseEnv(), ...(options.env ?? {}) }, cwd: options.cwd ?? this.root, timeoutMs: options.timeoutMs, abort: options.abort },
      this.execs,
      (pid) => this.trackProcess(pid),
    );
  }

  /**
   * A UDP DNS server answering from this sandbox's DNS map (see DnsServer), on a fresh address of
   * the block, port 53 unless told otherwise; closed by cleanup().
   */
  async startDnsServer(options: Omit<DnsServerOptions, 'ip'> = {}): Promise<DnsServer> {
    this.assertOpen();
    const server = await DnsServer.start(this.dns, { ...options, ip: await this.allocateIp() });
    this.dnsServers.push(server);
    return server;
  }

  /** Runs `options.command` against `pod` every periodMs while it runs, like a kubelet probe. */
  startProbe(pod: Pod, options: ProbeOptions): PeriodicProbe {
    this.assertOpen();
    const probe = new PeriodicProbe(pod, options, (command, o) => this.exec(command, { args: o.args, env: o.env, cwd: pod.dir, timeoutMs: o.timeoutMs, abort: o.abort }));
    this.probes.push(probe);
    return probe;
  }

  /** Every pod's status and last log lines, for failure messages. */
  describe(lines = 15, pods: readonly Pod[] = this.pods): string {
    return pods.map((p) => p.describe(lines)).join('\n');
  }

  /**
   * Kills every process this sandbox started and removes its dirs. Idempotent. Should the test
   * process die first, a detached watchdog does the same (see Reaper).
   */
  async cleanup(): Promise<void> {
    if (this.cleaned) return;
    this.cleaned = true;
    const errors: string[] = [];
    for (const p of this.probes) void p.stop();
    for (const pid of this.execs) killGroup(pid);
    for (const d of this.dnsServers) await d.close();
    await Promise.all(
      [...this.pods.map((p) => p.stopForCleanup()), ...this.jobs.map((j) => j.kill().then(() => undefined)), ...[...this.execs].map((pid) => waitGroupGone(pid))].map((p) =>
        p.catch((e: Error) => {
          errors.push(e.message);
        }),
      ),
    );
    this.removeFiles();
    if (errors.length > 0) throw new Error(`redis-testkit: cleanup of ${this.root} had problems:\n${errors.join('\n')}`);
  }

  /** Synchronous cleanup for the process 'exit' hook. */
  cleanupSync(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const p of this.probes) void p.stop();
    for (const pid of this.execs) killGroupSync(pid);
    for (const d of this.dnsServers) d.closeSync();
    for (const p of this.pods) p.killSync();
    for (const j of this.jobs) j.killSync();
    this.removeFiles();
  }

  get isCleanedUp(): boolean {
    return this.cleaned;
  }

  private removeFiles(): void {
    live.delete(this);
    this.reaper.dismiss();
    this.block.release();
    if (!this.keepFiles && existsSync(this.root)) rmSync(this.root, { recursive: true, force: true });
  }

  private assertOpen(): void {
    if (this.cleaned) throw new Error(`redis-testkit: sandbox ${this.root} was already cleaned up`);
  }
}
