/**
 * REDIS_TESTKIT_ENGINE=redis|valkey: which server the testkit runs. Under `valkey` every binary a
 * test asks for by its Redis name is Debian's Valkey 8.0 from .tools/valkey (tools/setup.sh), and a
 * Sandbox's processes find it first in PATH under both names, as in the official valkey/valkey
 * image. Never skipped: without .tools/valkey the Valkey cases fail, naming tools/setup.sh.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { arm64Toolchain, parseInfo, type RedisBinary, redisBinary, redisEngine, requireRedisBinaries, Sandbox, serverLabel, VALKEY_BINARY_NAMES, valkeyBinDir } from '../src/index.ts';

const ALL: readonly RedisBinary[] = ['redis-server', 'redis-cli', 'redis-sentinel', 'redis-check-rdb', 'redis-check-aof', 'redis-benchmark'];
const saved = { engine: process.env.REDIS_TESTKIT_ENGINE, root: process.env.REDIS_TESTKIT_VALKEY_ROOT };

function setEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function restoreEnv(): void {
  setEnv('REDIS_TESTKIT_ENGINE', saved.engine);
  setEnv('REDIS_TESTKIT_VALKEY_ROOT', saved.root);
}

describe('engine selection', () => {
  afterEach(restoreEnv);

  it('defaults to redis: the machine binaries, outside .tools/valkey', () => {
    setEnv('REDIS_TESTKIT_ENGINE', undefined);
    expect(redisEngine()).toBe('redis');
    for (const name of ALL) {
      const file = redisBinary(name);
      expect(path.basename(file)).toBe(name);
      expect(file.startsWith(valkeyBinDir())).toBe(false);
    }
  });

  it('rejects an unknown engine instead of running the default', () => {
    setEnv('REDIS_TESTKIT_ENGINE', 'keydb');
    expect(() => redisEngine()).toThrow(/unknown engine "keydb".*redis or valkey/);
    expect(() => redisBinary('redis-cli')).toThrow(/unknown engine/);
  });

  it('valkey: maps every Redis name to its valkey-* binary in .tools/valkey/bin', () => {
    setEnv('REDIS_TESTKIT_ENGINE', 'valkey');
    expect(Object.keys(VALKEY_BINARY_NAMES).sort()).toEqual([...ALL].sort());
    const found = requireRedisBinaries(ALL);
    for (const name of ALL) {
      expect(found[name]).toBe(path.join(valkeyBinDir(), name.replace(/^redis-/, 'valkey-')));
      expect(redisBinary(name)).toBe(found[name]);
    }
  });

  it('valkey: a missing Valkey tree fails loudly, naming the binary and tools/setup.sh', () => {
    setEnv('REDIS_TESTKIT_ENGINE', 'valkey');
    setEnv('REDIS_TESTKIT_VALKEY_ROOT', '/nonexistent/valkey');
    expect(() => redisBinary('redis-cli')).toThrow(/valkey-cli \(Valkey's redis-cli\) is not installed: \/nonexistent\/valkey\/bin\/valkey-cli is missing.*tools\/setup\.sh/);
    expect(() => requireRedisBinaries(['redis-server', 'redis-sentinel'])).toThrow(
      /REDIS_TESTKIT_ENGINE=valkey but missing valkey-server \(for redis-server\), valkey-sentinel \(for redis-sentinel\).*tools\/setup\.sh/,
    );
  });

  it('valkey: arm64 sandboxes refuse (the sysroot holds Redis only)', () => {
    setEnv('REDIS_TESTKIT_ENGINE', 'valkey');
    expect(() => arm64Toolchain()).toThrow(/arm64 runs Debian's arm64 Redis 7\.0 and has no Valkey build/);
  });
});

// The engine is read when a binary is looked up, so it stays set for the whole block, as it does
// for a whole run when set outside jest.
describe('a Sandbox under REDIS_TESTKIT_ENGINE=valkey', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    setEnv('REDIS_TESTKIT_ENGINE', 'valkey');
    sandbox = await Sandbox.create({ name: 'engine-valkey', ports: [6379, 16379, 26379] });
  });
  afterAll(async () => {
    await sandbox?.cleanup();
    restoreEnv();
  });

  it("runs Valkey for kind 'redis-server' pods: INFO server says valkey_version 8.0", async () => {
    const pod = await sandbox.createPod('vk-0');
    await pod.start({ kind: 'redis-server', args: ['--save', '', '--appendonly', 'no'] });
    const info = await pod.info('server');
    expect(info.valkey_version).toMatch(/^8\.0\./);
    expect(info.server_name).toBe('valkey');
    // Valkey answers redis_version 7.2.4 too: the label must come from valkey_version.
    expect(serverLabel(info)).toBe(`valkey ${info.valkey_version}`);
    expect(serverLabel({ ...info, server_name: undefined, valkey_version: undefined })).toBe(`redis ${info.redis_version}`);
    expect(await pod.command('SET', 'k', 'v')).toBe('OK');
  });

  it('gives scripts Valkey under both names: plain redis-cli/redis-server and valkey-cli from PATH', async () => {
    const which = await sandbox.exec('/bin/sh', { args: ['-c', 'for b in redis-server redis-cli redis-sentinel valkey-cli; do command -v $b; done'] });
    expect(which.stdout.trim().split('\n')).toEqual(['redis-server', 'redis-cli', 'redis-sentinel', 'valkey-cli'].map((b) => path.join(valkeyBinDir(), b)));
    const version = await sandbox.exec('redis-cli', { args: ['--version'] });
    expect(version.stdout).toMatch(/^valkey-cli 8\.0\./);
    const pod = sandbox.pods[0]!;
    const cli = await sandbox.exec('redis-cli', { args: ['-h', pod.ip, '-p', '6379', 'INFO', 'server'] });
    expect(parseInfo(cli.stdout.replace(/\r/g, '')).valkey_version).toMatch(/^8\.0\./);
  });

  it('runs redis-sentinel in sentinel mode', async () => {
    const sentinel = await sandbox.createPod('vk-sentinel');
    const conf = path.join(sentinel.dir, 'sentinel.conf');
    writeFileSync(conf, `port 26379\nbind ${sentinel.ip}\nsentinel monitor m ${sandbox.pods[0]!.ip} 6379 1\n`);
    await sentinel.start({ kind: 'command', command: sandbox.redisBinary('redis-sentinel'), args: [conf], port: 26379 });
    const info = await sentinel.info('server');
    expect({ mode: info.server_mode, server: info.server_name }).toEqual({ mode: 'sentinel', server: 'valkey' });
  });
});
