import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TESTED_LINES } from '@redis-gitops/spec';

/**
 * The Redis binaries the testkit runs, by their Redis names. They come from Debian packages, never
 * from mocks: Redis 7.0 from the machine, or Valkey 8.0 from .tools/valkey (see {@link redisEngine}).
 */
export type RedisBinary = 'redis-server' | 'redis-cli' | 'redis-sentinel' | 'redis-check-rdb' | 'redis-check-aof' | 'redis-benchmark';

const SETUP_HINT = 'run `bash tools/setup.sh` (or `npm run setup`) from the repository root: it installs the Debian packages redis-server, redis-sentinel and redis-tools';

/** Directories searched for binaries: PATH, then the Debian locations (jest may run with a thin PATH). */
function searchDirs(): string[] {
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...new Set([...fromPath, '/usr/bin', '/usr/local/bin', '/bin'])];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The server the tests run: Debian's Redis 7.0 (the machine's), or Debian's Valkey 8.0 (bookworm-backports, in .tools/valkey). */
export type RedisEngine = 'redis' | 'valkey';

/** Every engine, in the order suites that run on both use. */
export const REDIS_ENGINES: readonly RedisEngine[] = ['redis', 'valkey'];

/**
 * The engine of this test run: REDIS_TESTKIT_ENGINE (`redis` or `valkey`), else `redis`. An unknown
 * value throws, so a typo never runs the suite on the wrong engine.
 */
export function redisEngine(): RedisEngine {
  const engine = process.env.REDIS_TESTKIT_ENGINE || 'redis';
  if (engine === 'redis' || engine === 'valkey') return engine;
  throw new Error(`redis-testkit: unknown engine "${engine}" in REDIS_TESTKIT_ENGINE: use redis or valkey`);
}

/**
 * What a figure or a log says ran: the engine and its tested line, e.g. `redis 7.0` or
 * `valkey 8.0` (packages/spec TESTED_LINES, which charts/redis-common's engine-versions test
 * checks against the installed binaries).
 */
export function engineLabel(engine: RedisEngine = redisEngine()): string {
  return `${engine} ${TESTED_LINES[engine].line}`;
}

/**
 * The server a pod runs, from its INFO server section: `valkey 8.0.1` or `redis 7.0.15`. Valkey
 * also answers redis_version (7.2.4, its compatibility version), so that field alone would say
 * "redis" for both.
 */
export function serverLabel(info: Readonly<Record<string, string | undefined>>): string {
  if (info.server_name === 'valkey' || info.valkey_version) return `valkey ${info.valkey_version ?? '?'}`;
  return `redis ${info.redis_version ?? '?'}`;
}

/** Valkey's name of each binary: what Debian's valkey-* packages and the official valkey/valkey image call it. */
export const VALKEY_BINARY_NAMES: Readonly<Record<RedisBinary, string>> = {
  'redis-server': 'valkey-server',
  'redis-cli': 'valkey-cli',
  'redis-sentinel': 'valkey-sentinel',
  'redis-check-rdb': 'valkey-check-rdb',
  'redis-check-aof': 'valkey-check-aof',
  'redis-benchmark': 'valkey-benchmark',
};

const VALKEY_SETUP_HINT = "run `bash tools/setup.sh` from the repository root: it extracts Debian's valkey-server, valkey-sentinel and valkey-tools 8.0 (bookworm-backports) into .tools/valkey";

/**
 * The Valkey tree tools/setup.sh extracts: REDIS_TESTKIT_VALKEY_ROOT, or .tools/valkey at the
 * repository root (found relative to this file, so no machine path is written anywhere).
 */
export function valkeyRootPath(): string {
  return process.env.REDIS_TESTKIT_VALKEY_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.tools/valkey');
}

/**
 * The dir that stands in for the official valkey/valkey image's /usr/local/bin: the valkey-* names
 * and the redis-* symlinks its `make install` adds (USE_REDIS_SYMLINKS=yes), all running Valkey.
 * Every path {@link redisBinary} returns under Valkey is in it, so a Sandbox puts it first in the
 * PATH of its processes and a script's plain `redis-cli` runs valkey-cli, as in the image.
 */
export function valkeyBinDir(): string {
  return path.join(valkeyRootPath(), 'bin');
}

/**
 * The absolute path of the Valkey binary that stands for `name` (e.g. redis-cli -> <bin>/valkey-cli).
 * Throws a message that names the binary, the path and tools/setup.sh when it is missing.
 */
export function valkeyBinary(name: RedisBinary): string {
  if (!Object.hasOwn(VALKEY_BINARY_NAMES, name)) throw new Error(`redis-testkit: ${name} has no Valkey counterpart (known: ${Object.keys(VALKEY_BINARY_NAMES).join(', ')})`);
  const file = path.join(valkeyBinDir(), VALKEY_BINARY_NAMES[name]);
  if (!isExecutable(file)) throw new Error(`redis-testkit: ${VALKEY_BINARY_NAMES[name]} (Valkey's ${name}) is not installed: ${file} is missing; ${VALKEY_SETUP_HINT}`);
  const alias = path.join(valkeyBinDir(), name);
  if (!isExecutable(alias)) throw new Error(`redis-testkit: ${alias} (the image's redis-* symlink to ${VALKEY_BINARY_NAMES[name]}) is missing; ${VALKEY_SETUP_HINT}`);
  return file;
}

/**
 * The absolute path of a Redis binary for this run's engine ({@link redisEngine}): the machine's
 * Redis, or its Valkey counterpart (see {@link valkeyBinary}). Throws a message that names the
 * binary, where it was looked for and tools/setup.sh when it is missing: behaviour tests must fail
 * loudly, never skip.
 */
export function redisBinary(name: RedisBinary): string {
  if (redisEngine() === 'valkey') return valkeyBinary(name);
  const dirs = searchDirs();
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  throw new Error(`redis-testkit: ${name} is not installed (looked in ${dirs.join(', ')}); ${SETUP_HINT}`);
}

/** Checks every binary at once and reports all that are missing in one error. */
export function requireRedisBinaries(names: readonly RedisBinary[] = ['redis-server', 'redis-cli']): Record<RedisBinary, string> {
  const found: Partial<Record<RedisBinary, string>> = {};
  const missing: string[] = [];
  const valkey = redisEngine() === 'valkey';
  for (const name of names) {
    try {
      found[name] = redisBinary(name);
    } catch {
      missing.push(valkey ? `${VALKEY_BINARY_NAMES[name] ?? 'no Valkey counterpart'} (for ${name})` : name);
    }
  }
  if (missing.length > 0) {
    if (valkey) throw new Error(`redis-testkit: REDIS_TESTKIT_ENGINE=valkey but missing ${missing.join(', ')} (looked in ${valkeyBinDir()}); ${VALKEY_SETUP_HINT}`);
    throw new Error(`redis-testkit: missing ${missing.join(', ')} (looked in ${searchDirs().join(', ')}); ${SETUP_HINT}`);
  }
  return found as Record<RedisBinary, string>;
}

/** CPU architecture of the Redis build a sandbox runs: the machine's own, or Debian's arm64 build under qemu-user. */
export type RedisArch = 'amd64' | 'arm64';

/** The names a wrapper bin dir offers, when the sysroot has them (redis-sentinel is redis-server started under that name). */
const ARM64_TOOLS = ['redis-server', 'redis-cli', 'redis-sentinel', 'redis-check-aof', 'redis-check-rdb', 'redis-benchmark'] as const;

const ARM64_SETUP_HINT =
  "run `bash tools/setup.sh` from the repository root: it installs qemu-user-static and extracts Debian's redis-server:arm64, redis-tools:arm64 and their libraries into .tools/arm64-sysroot";

/**
 * The arm64 sysroot tools/setup.sh extracts: REDIS_TESTKIT_ARM64_SYSROOT, or .tools/arm64-sysroot
 * at the repository root (found relative to this file, so no machine path is written anywhere).
 */
export function arm64SysrootPath(): string {
  return process.env.REDIS_TESTKIT_ARM64_SYSROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.tools/arm64-sysroot');
}

export interface Arm64Toolchain {
  readonly qemu: string;
  readonly sysroot: string;
}

/** qemu-aarch64-static and the sysroot; throws one message naming every missing piece and tools/setup.sh (never a skip). */
export function arm64Toolchain(): Arm64Toolchain {
  // The sysroot holds Debian's arm64 Redis only: refuse rather than run Redis under a Valkey run.
  if (redisEngine() === 'valkey')
    throw new Error("redis-testkit: arch arm64 runs Debian's arm64 Redis 7.0 and has no Valkey build: unset REDIS_TESTKIT_ENGINE (or set it to redis) for arm64 sandboxes");
  const sysroot = arm64SysrootPath();
  const problems: string[] = [];
  const qemu = searchDirs()
    .map((d) => path.join(d, 'qemu-aarch64-static'))
    .find(isExecutable);
  if (!qemu) problems.push(`qemu-aarch64-static is not installed (looked in ${searchDirs().join(', ')})`);
  for (const f of ['usr/bin/redis-server', 'usr/bin/redis-cli']) if (!isExecutable(path.join(sysroot, f))) problems.push(`${path.join(sysroot, f)} is missing`);
  if (problems.length > 0) throw new Error(`redis-testkit: cannot run arm64 Redis: ${problems.join('; ')}; ${ARM64_SETUP_HINT}`);
  return { qemu: qemu!, sysroot };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Writes one wrapper per arm64 binary into `binDir`: `exec qemu-aarch64-static -L <sysroot> -0
 * <name> <sysroot>/usr/bin/<binary> "$@"`. Put `binDir` first in PATH and every plain `redis-server`
 * or `redis-cli` runs the arm64 build. argv[0] is the wrapper's name, so redis-server picks its
 * mode from it as Debian's symlinks make it do (redis-sentinel, redis-check-aof, redis-check-rdb).
 * Returns name -> wrapper path.
 */
export function writeArm64Wrappers(binDir: string, toolchain: Arm64Toolchain = arm64Toolchain()): Record<string, string> {
  mkdirSync(binDir, { recursive: true });
  const out: Record<string, string> = {};
  for (const name of ARM64_TOOLS) {
    const own = path.join(toolchain.sysroot, 'usr/bin', name);
    // Debian's redis-sentinel:arm64 package is only a symlink to redis-server: run redis-server under that name.
    const target = existsSync(own) ? own : name === 'redis-sentinel' ? path.join(toolchain.sysroot, 'usr/bin/redis-server') : undefined;
    if (!target) continue;
    const file = path.join(binDir, name);
    const script = [
      '#!/bin/sh',
      `# ${name} of Debian's arm64 Redis under qemu-user (written by redis-testkit)`,
      `exec ${shellQuote(toolchain.qemu)} -L ${shellQuote(toolchain.sysroot)} -0 ${name} ${shellQuote(target)} "$@"`,
      '',
    ].join('\n');
    writeFileSync(file, script, { mode: 0o755 });
    out[name] = file;
  }
  return out;
}
