import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Redis binaries the testkit runs. They come from Debian packages, never from mocks. */
export type RedisBinary = 'redis-server' | 'redis-cli' | 'redis-sentinel';

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

/**
 * The absolute path of a Redis binary. Throws a message that names the binary, where it was
 * looked for and tools/setup.sh when it is missing: behaviour tests must fail loudly, never skip.
 */
export function redisBinary(name: RedisBinary): string {
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
  for (const name of names) {
    try {
      found[name] = redisBinary(name);
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
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
