import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { command, isAlive, LogTail, RedisConnectionError, requireRedisBinaries, Sandbox, waitFor, type Pod } from '../src/index.ts';

const resolveWith = (sandbox: Sandbox, name: string): { code: number; out: string } => {
  try {
    return { code: 0, out: execFileSync(sandbox.resolver, [name], { encoding: 'utf8' }).trim() };
  } catch (e) {
    return { code: (e as { status: number }).status, out: '' };
  }
};

describe('Pod: a standalone redis-server on its own loopback address', () => {
  let sandbox: Sandbox;
  let pod: Pod;

  beforeAll(async () => {
    sandbox = await Sandbox.create({ name: 'pod-test' });
    pod = await sandbox.createPod('solo-0', { hostnames: ['solo-0', 'solo-0.solo-headless'] });
    await pod.start({ kind: 'redis-server', args: ['--appendonly', 'yes', '--requirepass', 's3cret'], password: 's3cret' });
  });
  afterAll(() => sandbox.cleanup());

  it('binds its own 127.x.y.z address, never 127.0.0.x', () => {
    expect(pod.ip).toMatch(/^127\.(\d+)\.(\d+)\.(\d+)$/);
    expect(pod.ip.startsWith('127.0.0.')).toBe(false);
    expect(pod.ip.startsWith(`${sandbox.ipPrefix}.`)).toBe(true);
    expect(pod.pid).toBeGreaterThan(0);
  });

  it('answers RESP commands with AUTH, and refuses them without', async () => {
    expect(await pod.command('SET', 'greeting', 'hello')).toBe('OK');
    expect(await pod.command('GET', 'greeting')).toBe('hello');
    await expect(command(pod.ip, pod.port, 'GET', 'greeting')).rejects.toThrow(/NOAUTH/);
  });

  it('publishes its names in the DNS map, and the resolver prints its IP', () => {
    expect(readFileSync(sandbox.dns.file, 'utf8')).toContain(`solo-0.solo-headless ${pod.ip}\n`);
    expect(resolveWith(sandbox, 'solo-0.solo-headless')).toEqual({ code: 0, out: pod.ip });
    expect(resolveWith(sandbox, 'nobody.solo-headless').code).toBe(1);
  });

  it('captures the server output into its log and keeps the last lines in memory', async () => {
    await pod.waitForLog(/Ready to accept connections/, 5000);
    expect(readFileSync(pod.log.file, 'utf8')).toMatch(/Ready to accept connections/);
    expect(pod.describe(5)).toContain(`solo-0 (${pod.ip}, pid ${pod.pid}, running)`);
  });

  it('is deleted (SIGKILL) and comes back on a NEW address with the same data dir', async () => {
    const oldIp = pod.ip;
    const oldPid = pod.pid!;
    await pod.restart({ newIp: true });
    expect(pod.ip).not.toBe(oldIp);
    expect(pod.ipHistory).toEqual([oldIp, pod.ip]);
    expect(pod.pid).not.toBe(oldPid);
    expect(() => process.kill(oldPid, 0)).toThrow();
    // The data dir is the PersistentVolume: the AOF brings the key back.
    expect(await pod.command('GET', 'greeting')).toBe('hello');
    // DNS follows the pod; the old address refuses connections at once.
    expect(resolveWith(sandbox, 'solo-0.solo-headless')).toEqual({ code: 0, out: pod.ip });
    expect(readFileSync(sandbox.dns.file, 'utf8')).not.toContain(oldIp);
    await expect(command(oldIp, 6379, 'PING')).rejects.toBeInstanceOf(RedisConnectionError);
  });

  it('drops its DNS names while it is down (a deleted pod has no endpoint)', async () => {
    await pod.kill();
    expect(pod.running).toBe(false);
    expect(resolveWith(sandbox, 'solo-0.solo-headless').code).toBe(1);
    await pod.restart({ newIp: false });
    expect(resolveWith(sandbox, 'solo-0.solo-headless').out).toBe(pod.ip);
  });

  it('fails a start loudly with the process output when redis-server refuses its config', async () => {
    const bad = await sandbox.createPod('bad-0');
    await expect(bad.start({ kind: 'redis-server', args: ['--no-such-directive', 'x'] })).rejects.toThrow(/bad-0 exited before listening[\s\S]*no-such-directive/);
  });
});

describe('Sandbox', () => {
  it('gives parallel sandboxes different /24 blocks', async () => {
    const a = await Sandbox.create({ name: 'a' });
    const b = await Sandbox.create({ name: 'b' });
    try {
      expect(a.ipPrefix).not.toBe(b.ipPrefix);
      const ips = new Set([await a.allocateIp(), await a.allocateIp(), await b.allocateIp()]);
      expect(ips.size).toBe(3);
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });

  it('cleanup kills every process it started (also background children) and removes every dir', async () => {
    const s = await Sandbox.create({ name: 'cleanup' });
    const p1 = await s.createPod('p-0');
    const p2 = await s.createPod('p-1');
    await p1.start({ kind: 'redis-server' });
    // A command pod whose script leaves a background child behind, like start-node.sh + rejoin.sh.
    await p2.start({
      kind: 'command',
      command: 'bash',
      args: (p) => ['-c', `sleep 300 & echo "child $!"; exec redis-server --bind ${p.ip} --port 6379 --dir ${p.dataDir}`],
    });
    const child = Number((await p2.waitForLog(/^child \d+/, 5000)).split(' ')[1]);
    const job = s.startJob('sleeper', 'sleep', { args: ['300'] });
    const pids = [p1.pid!, p2.pid!, child, job.pid];
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    const root = s.root;
    expect(existsSync(root)).toBe(true);

    await s.cleanup();

    for (const pid of pids.filter((p) => p !== child)) expect(() => process.kill(pid, 0)).toThrow();
    // The orphaned child is reparented to PID 1, which may leave a zombie: dead either way.
    expect(isAlive(child)).toBe(false);
    expect(existsSync(root)).toBe(false);
    await expect(s.createPod('late')).rejects.toThrow(/already cleaned up/);
  });

  it("a failed or timed-out Job's error shows the sandbox's pods too (why the pod it waited on never came up)", async () => {
    const s = await Sandbox.create({ name: 'job-context' });
    try {
      const pod = await s.createPod('never-up-0');
      await pod.start({ kind: 'command', command: 'bash', args: ['-c', 'echo "start script: waiting safely: no peer answers"; exit 3'], waitUntil: 'spawned' });
      await waitFor('the pod to exit', () => ({ done: !pod.running, state: pod.running ? 'running' : 'stopped' }), { timeoutMs: 5000 });
      const failed = s.startJob('fails', 'bash', { args: ['-c', 'echo "job: giving up"; exit 1'] });
      await expect(failed.succeeded(5000)).rejects.toThrow(/exit code 1[\s\S]*job: giving up[\s\S]*--- never-up-0 \([^)]*stopped \(code 3\)\)[\s\S]*waiting safely: no peer answers/);
      const slow = s.startJob('slow', 'sleep', { args: ['30'] });
      await expect(slow.succeeded(300)).rejects.toThrow(/still running after 300ms[\s\S]*--- never-up-0 [\s\S]*waiting safely: no peer answers/);
    } finally {
      await s.cleanup();
    }
  });

  it("a process's output that arrives after cleanup removed its dir is kept in memory, not thrown into the test", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'log-tail-'));
    const log = new LogTail(path.join(dir, 'pod.log'));
    log.write('before cleanup\n');
    rmSync(dir, { recursive: true, force: true });
    expect(() => log.write('a late line\n')).not.toThrow();
    expect(() => log.mark('container exited')).not.toThrow();
    expect(log.last(3)).toEqual(['before cleanup', 'a late line', expect.stringMatching(/container exited$/)]);
  });

  it('names tools/setup.sh when a binary is missing', () => {
    expect(() => requireRedisBinaries(['redis-server', 'redis-nonexistent' as never])).toThrow(/redis-nonexistent[\s\S]*tools\/setup\.sh/);
  });
});
