/**
 * The CLI server (src/io/server.ts): the real bin in real processes, against a copy of the
 * workspace, with a private TMPDIR so its sockets and servers are this test's own. A served run
 * says exactly what an in-process run says (output and exit code, for a clean run, a violation
 * and bad input), reads an edited spec again, never answers for other code or another
 * environment, hands a concurrent run back to the in-process path, and exits when idle. Every
 * server started here is stopped, and killed by pid if it does not stop.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { serverKey, serverSetting } from '../src/io/server.ts';
import { makeFixture, REPO, type Fixture } from './workspace-fixture.ts';

const BIN = path.join(REPO, 'packages', 'cli', 'bin', 'redis-gitops.js');
let fx: Fixture;
let tmp: string;
const pids = new Set<number>();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Output with the report's timings taken out. */
const untimed = (s: string) => s.replace(/\d+(\.\d+)?m?s\b/g, '<t>').replace(/"ms": \d+(\.\d+)?/g, '"ms": <t>');

/** One CLI process with the server on (unless env says otherwise); report timings taken out. */
function cli(extraEnv: NodeJS.ProcessEnv, ...argv: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      env: { ...process.env, CI: '', REDIS_GITOPS_SERVER: 'on', REDIS_GITOPS_ROOT: fx.root, TMPDIR: tmp, NO_COLOR: '1', FORCE_COLOR: '0', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout: untimed(stdout), stderr: untimed(stderr) });
    });
  });
}

/** The servers `server status` lists (pids remembered for cleanup). */
async function status(extraEnv: NodeJS.ProcessEnv = {}): Promise<Array<{ pid: number; served: number; current: boolean }>> {
  const r = await cli(extraEnv, 'server', 'status');
  expect(r.code).toBe(0);
  const servers = [...r.stdout.matchAll(/^pid (\d+): since \S+, (\d+) run\(s\) answered.*; (serves this code|older code)/gm)].map((m) => ({
    pid: Number(m[1]),
    served: Number(m[2]),
    current: m[3] === 'serves this code',
  }));
  for (const s of servers) pids.add(s.pid);
  return servers;
}

/** Waits until a server for the current key answers (the first run starts it in the background). */
async function serverUp(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ pid: number; served: number }> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const current = (await status(extraEnv)).find((s) => s.current);
    if (current) return current;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no server came up within 60 s');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const socketDir = () => path.join(tmp, `redis-gitops-${process.getuid?.() ?? 0}`);
const sockets = () => (existsSync(socketDir()) ? readdirSync(socketDir()).filter((f) => f.endsWith('.sock')) : []);

/** The same command in this process, through `main` (what the bin runs when no server answers), timings taken out. */
async function inProcess(...argv: string[]): Promise<Run> {
  const r = await fx.run(...argv);
  return { code: r.code, stdout: untimed(r.stdout), stderr: untimed(r.stderr) };
}

/** Stops this test's servers (asks, then kills by pid) and removes its TMPDIR. */
async function stopAll(): Promise<void> {
  await cli({}, 'server', 'stop');
  for (const pid of pids) {
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  pids.clear();
  rmSync(tmp, { recursive: true, force: true });
}

beforeAll(() => {
  fx = makeFixture();
});
afterAll(() => fx?.cleanup());

describe('a running CLI server', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-server-test-'));
    const first = await cli({}, 'validate', '--env', 'dev-x86'); // in-process; starts the server
    expect(first.code).toBe(0);
    await serverUp();
  }, 60_000);
  afterAll(stopAll);

  it('answers validate and render exactly as an in-process run does: clean, JSON, bad input, an unknown environment', async () => {
    const spec = fx.file('environments/dev-x86/environment.yaml');
    const good = readFileSync(spec, 'utf8');
    const { served: before } = await serverUp();
    const cases: Array<{ name: string; argv: string[]; edit?: string; code: number }> = [
      { name: 'clean', argv: ['validate', '--env', 'dev-x86'], code: 0 },
      { name: 'render', argv: ['render', '--env', 'dev-x86'], code: 0 },
      { name: 'json', argv: ['validate', '--env', 'dev-x86', '--json'], code: 0 },
      { name: 'bad input', argv: ['validate', '--env', 'dev-x86'], edit: good.replace('replicasPerShard: 1', 'replicasPerShard: "two"'), code: 2 },
      { name: 'unknown environment', argv: ['validate', '--env', 'no-such-env'], code: 2 },
    ];
    try {
      for (const c of cases) {
        writeFileSync(spec, c.edit ?? good);
        const here = await inProcess(...c.argv);
        const served = await cli({}, ...c.argv);
        expect({ name: c.name, code: here.code }).toEqual({ name: c.name, code: c.code });
        expect({ name: c.name, ...served }).toEqual({ name: c.name, ...here });
      }
    } finally {
      writeFileSync(spec, good);
    }
    // Every case above went through the server (none fell back to the in-process path).
    const after = (await status()).find((s) => s.current);
    expect(after?.served).toBe(before + cases.length);
  }, 120_000);

  it('reports a policy violation with exit 1 from the server, as in-process', async () => {
    const spec = fx.file('environments/prod-x86/environment.yaml');
    const good = readFileSync(spec, 'utf8');
    const { served: before } = await serverUp();
    // Production without a replica per shard: denied by the tier rules (a violation, not bad input).
    writeFileSync(spec, good.replace(/replicasPerShard: \d+/, 'replicasPerShard: 0'));
    try {
      const here = await inProcess('validate', '--env', 'prod-x86');
      const served = await cli({}, 'validate', '--env', 'prod-x86');
      expect(here.code).toBe(1);
      expect(served).toEqual(here);
    } finally {
      writeFileSync(spec, good);
    }
    expect((await status()).find((s) => s.current)?.served).toBe(before + 1);
  }, 120_000);

  it('hands a run made while it is busy back to the in-process path', async () => {
    const { served } = await serverUp();
    // A long run (every environment) keeps the server busy; a run made meanwhile is not queued.
    const long = cli({}, 'validate');
    let busy = false;
    for (let i = 0; i < 200 && !busy; i++) {
      busy = (await cli({}, 'server', 'status')).stdout.includes('running one now');
      if (!busy) await new Promise((r) => setTimeout(r, 25));
    }
    expect(busy).toBe(true);
    const meanwhile = await cli({}, 'validate', '--env', 'dev-x86');
    expect((await long).code).toBe(0);
    expect(meanwhile).toEqual(await inProcess('validate', '--env', 'dev-x86'));
    // Only the long run was served: the one made meanwhile ran in-process.
    expect((await status()).find((s) => s.current)?.served).toBe(served + 1);
  }, 120_000);
});

describe('which server answers, and when none does', () => {
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-server-test-'));
  });
  afterEach(stopAll);

  it('never answers for other code or another environment: each names another server', async () => {
    await cli({}, 'validate', '--env', 'dev-x86');
    const a = await serverUp();
    // An environment variable helm or the CLI reads names a new server; the old one is not asked.
    await cli({ HELM_DEBUG: 'false' }, 'validate', '--env', 'dev-x86');
    const b = await serverUp({ HELM_DEBUG: 'false' });
    expect(b.pid).not.toBe(a.pid);
    expect((await status()).find((s) => s.pid === a.pid)?.current).toBe(true);
    expect((await status({ HELM_DEBUG: 'false' })).find((s) => s.pid === a.pid)?.current).toBe(false);
    // The code's files are part of the key: a source file touched names a new server.
    const code = mkdtempSync(path.join(tmp, 'code-'));
    mkdirSync(path.join(code, 'packages', 'cli', 'src'), { recursive: true });
    writeFileSync(path.join(code, 'packages', 'cli', 'package.json'), '{}');
    const src = path.join(code, 'packages', 'cli', 'src', 'main.ts');
    writeFileSync(src, 'export {};\n');
    const env = { PATH: process.env.PATH };
    const k1 = serverKey(env, code);
    expect(serverKey(env, code)).toBe(k1);
    utimesSync(src, new Date(), new Date(Date.now() + 5000));
    expect(serverKey(env, code)).not.toBe(k1);
    writeFileSync(path.join(code, 'packages', 'cli', 'src', 'new.ts'), '');
    const k2 = serverKey(env, code);
    expect(serverKey({ ...env, GOGC: '100' }, code)).not.toBe(k2);
    expect(serverKey({ ...env, NX_TASK_HASH: 'x' }, code)).toBe(k2); // per-task noise names no new server
  }, 120_000);

  it('replaces a killed server: its socket file, left behind, is removed and a new server starts', async () => {
    await cli({}, 'validate', '--env', 'dev-x86');
    const { pid } = await serverUp();
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(sockets()).toHaveLength(1); // SIGKILL: nobody removed it
    const r = await cli({}, 'validate', '--env', 'dev-x86');
    expect(r.code).toBe(0);
    const next = await serverUp();
    expect(next.pid).not.toBe(pid);
    expect(sockets()).toHaveLength(1);
  }, 60_000);

  it('exits when idle and removes its socket', async () => {
    const env = { REDIS_GITOPS_SERVER_IDLE_SECONDS: '3' };
    await cli(env, 'validate', '--env', 'dev-x86');
    const log = () => {
      const f = existsSync(socketDir()) ? readdirSync(socketDir()).find((n) => n.endsWith('.log')) : undefined;
      return f ? readFileSync(path.join(socketDir(), f), 'utf8') : '';
    };
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      pid = Number(/server (\d+): listening/.exec(log())?.[1] ?? 0);
      if (!pid) await new Promise((r) => setTimeout(r, 100));
    }
    expect(pid).toBeGreaterThan(0);
    pids.add(pid);
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    expect(sockets()).toEqual([]);
    expect(log()).toMatch(/stopping: idle for 3 s/);
  }, 60_000);

  it('is off under CI, refuses a socket folder others may open, and says when TMPDIR is too deep for a socket', async () => {
    expect(serverSetting({ CI: 'true' })).toBe('off');
    expect(serverSetting({ CI: 'true', REDIS_GITOPS_SERVER: 'on' })).toBe('on');
    expect(serverSetting({})).toBe('on');
    expect(serverSetting({ REDIS_GITOPS_SERVER: 'off' })).toBe('off');
    const ci = await cli({ CI: 'true', REDIS_GITOPS_SERVER: '' }, 'validate', '--env', 'dev-x86');
    expect(ci.code).toBe(0);
    expect(sockets()).toEqual([]);
    // A shared folder: the run says why it does not use a server, and still validates.
    mkdirSync(socketDir(), { recursive: true });
    chmodSync(socketDir(), 0o777);
    const r = await cli({}, 'validate', '--env', 'dev-x86');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/not using a server: .*is not a private folder of this user \(mode 777\)/);
    expect(sockets()).toEqual([]);
    // A TMPDIR too deep for a Unix socket path: said, and the run is made in-process.
    const deep = path.join(tmp, 'd'.repeat(60), 'e'.repeat(40));
    mkdirSync(deep, { recursive: true });
    const d = await cli({ TMPDIR: deep }, 'validate', '--env', 'dev-x86');
    expect(d.code).toBe(0);
    expect(d.stderr).toMatch(/not using a server: the socket path .* is longer than the 107 bytes a Unix socket takes; set TMPDIR to a shorter folder/);
  }, 60_000);
});
