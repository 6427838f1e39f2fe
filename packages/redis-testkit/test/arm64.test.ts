/**
 * Sandbox.create({ arch: 'arm64' }): Debian's arm64 Redis under qemu-user (tools/setup.sh builds
 * .tools/arm64-sysroot). Every process the sandbox starts finds the arm64 wrappers first in its
 * PATH; INFO server proves which build answered. Never skipped: a missing sysroot fails loudly.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Sandbox, commandWith, parseInfo, asText, type Pod } from '../src/index.ts';

/** Emulated processes start several times slower than native ones. */
const START_TIMEOUT_MS = 60_000;

describe('arm64 pods: Debian arm64 Redis under qemu-user', () => {
  let sandbox: Sandbox;
  let pod: Pod;

  beforeAll(async () => {
    sandbox = await Sandbox.create({ name: 'arm64-test', arch: 'arm64', ports: [6379, 16379, 26379] });
    pod = await sandbox.createPod('arm-0');
    await pod.start({ kind: 'redis-server', args: ['--save', '', '--appendonly', 'no'], startTimeoutMs: START_TIMEOUT_MS });
  }, START_TIMEOUT_MS * 2);
  afterAll(() => sandbox?.cleanup());

  it("a kind 'redis-server' pod is the arm64 build: INFO server says aarch64, 64 bits", async () => {
    const info = await pod.info('server');
    console.log(`arm64 pod ${pod.name}: redis_version ${info.redis_version}, os ${info.os}, arch_bits ${info.arch_bits} (host: ${os.arch()})`);
    expect(info.os).toMatch(/aarch64/);
    expect(info.arch_bits).toBe('64');
    expect(sandbox.arch).toBe('arm64');
    expect(await pod.command('SET', 'k', 'v')).toBe('OK');
    expect(await pod.command('GET', 'k')).toBe('v');
  });

  it(
    'plain redis-server / redis-cli from PATH (as the chart scripts call them) are the arm64 wrappers',
    async () => {
      const which = await sandbox.exec('/bin/sh', { args: ['-c', 'command -v redis-server; command -v redis-cli'] });
      expect(which.stdout.trim().split('\n')).toEqual([path.join(sandbox.root, 'bin', 'redis-server'), path.join(sandbox.root, 'bin', 'redis-cli')]);
      const script = path.join(sandbox.root, 'start.sh');
      writeFileSync(script, '#!/bin/sh\nexec redis-server --bind "$POD_IP" --bind-source-addr "$POD_IP" --port 6379 --dir "$DATA" --save "" --appendonly no\n', { mode: 0o755 });
      const viaScript = await sandbox.createPod('arm-1');
      await viaScript.start({ kind: 'command', command: script, env: (p) => ({ POD_IP: p.ip, DATA: p.dataDir }), startTimeoutMs: START_TIMEOUT_MS });
      expect((await viaScript.info('server')).os).toMatch(/aarch64/);
      // redis-cli from PATH is the emulated one too, and talks to the pod like the host's.
      const cli = await sandbox.exec('redis-cli', { args: ['-h', viaScript.ip, '-p', '6379', 'INFO', 'server'], timeoutMs: START_TIMEOUT_MS });
      expect(cli.code).toBe(0);
      expect(parseInfo(cli.stdout.replace(/\r/g, '')).os).toMatch(/aarch64/);
    },
    START_TIMEOUT_MS * 2,
  );

  it(
    'redis-sentinel (a redis-server alias in Debian) runs in sentinel mode on arm64',
    async () => {
      const conf = path.join(sandbox.root, 'sentinel.conf');
      const sentinel = await sandbox.createPod('arm-sentinel');
      writeFileSync(conf, `port 26379\nbind ${sentinel.ip}\nsentinel monitor m ${pod.ip} 6379 1\n`);
      await sentinel.start({ kind: 'command', command: sandbox.redisBinary('redis-sentinel'), args: [conf], port: 26379, startTimeoutMs: START_TIMEOUT_MS });
      const info = parseInfo(asText(await commandWith(sentinel.connection(), 'INFO', 'server'), 'INFO'));
      expect(info.redis_mode).toBe('sentinel');
      expect(info.os).toMatch(/aarch64/);
    },
    START_TIMEOUT_MS * 2,
  );

  it('offers only what the sysroot has, each wrapper exec-ing qemu-aarch64-static on the sysroot binary', () => {
    const names = readdirSync(path.join(sandbox.root, 'bin')).sort();
    expect(names).toEqual(expect.arrayContaining(['redis-cli', 'redis-sentinel', 'redis-server']));
    for (const n of names) {
      expect(n).toMatch(/^redis-(server|cli|sentinel|check-aof|check-rdb|benchmark)$/);
      expect(readFileSync(path.join(sandbox.root, 'bin', n), 'utf8')).toMatch(new RegExp(`^exec '[^']*/qemu-aarch64-static' -L '[^']+' -0 ${n} '[^']+/usr/bin/redis-[a-z-]+' "\\$@"$`, 'm'));
    }
  });
});

describe('arm64 without tools/setup.sh', () => {
  it('throws at once, naming tools/setup.sh, and leaves no temp dir', async () => {
    const saved = process.env.REDIS_TESTKIT_ARM64_SYSROOT;
    const missing = path.join(os.tmpdir(), `no-arm64-sysroot-${process.pid}`);
    const before = readdirSync(os.tmpdir()).filter((f) => f.startsWith('redis-testkit-arm64-missing-')).length;
    process.env.REDIS_TESTKIT_ARM64_SYSROOT = missing;
    try {
      expect(existsSync(missing)).toBe(false);
      await expect(Sandbox.create({ name: 'arm64-missing', arch: 'arm64' })).rejects.toThrow(/arm64[\s\S]*bash tools\/setup\.sh/);
    } finally {
      if (saved === undefined) delete process.env.REDIS_TESTKIT_ARM64_SYSROOT;
      else process.env.REDIS_TESTKIT_ARM64_SYSROOT = saved;
    }
    expect(readdirSync(os.tmpdir()).filter((f) => f.startsWith('redis-testkit-arm64-missing-')).length).toBe(before);
  });

  it('rejects an unknown arch', async () => {
    await expect(Sandbox.create({ name: 'arm64-bad', arch: 'mips' as never })).rejects.toThrow(/unknown arch "mips"/);
  });
});
