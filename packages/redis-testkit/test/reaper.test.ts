import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { isAlive, processStartTime, Reaper, waitFor } from '../src/index.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(HERE, 'fixtures', 'crashing-test-process.ts');
/** The workspace's Node 24 (the fixture is TypeScript, run by type stripping); jest itself may run on another node. */
const NODE = [path.resolve(HERE, '../../../node_modules/.bin/node')].find(existsSync) ?? process.execPath;

describe('Reaper (the crash safety net)', () => {
  it('kills the pods and jobs of a test process that died by SIGKILL, and removes its sandbox', async () => {
    const child = spawn(NODE, [FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]!);
      });
      child.once('exit', (code) => reject(new Error(`fixture exited early (${code}): ${out}`)));
    });
    const { root, pids } = JSON.parse(line) as { root: string; pids: number[] };
    for (const pid of pids) expect(isAlive(pid)).toBe(true);

    child.kill('SIGKILL');
    await waitFor(
      'the reaper to kill the orphans and remove the sandbox',
      () => {
        const alive = pids.filter(isAlive);
        return { done: alive.length === 0 && !existsSync(root), state: `alive: ${alive.join(',') || 'none'}; ${root} exists: ${existsSync(root)}` };
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });
});

describe('Reaper and reused process numbers', () => {
  it('kills a recorded group only while its leader is the process recorded: a stale number now used by another process is left alone', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'reaper-test-'));
    const spawned: ChildProcess[] = [];
    const sleeper = () => {
      const c = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
      spawned.push(c);
      return c.pid!;
    };
    try {
      const parent = sleeper(); // stands in for the test process
      const tracked = sleeper();
      const other = sleeper(); // "another run's" process, whose number the file holds with another start time
      const reaper = new Reaper(path.join(tmp, 'process-groups'), [], parent);
      reaper.track(tracked);
      const otherStart = processStartTime(other);
      expect(otherStart).toMatch(/^\d+$/);
      appendFileSync(path.join(tmp, 'process-groups'), `${other} ${Number(otherStart) - 1}\n`);
      process.kill(parent, 'SIGKILL');
      await waitFor('the reaper to kill the tracked group', () => ({ done: !isAlive(tracked), state: `tracked ${tracked} alive` }), { timeoutMs: 10_000, intervalMs: 100 });
      expect(isAlive(other)).toBe(true);
    } finally {
      for (const c of spawned) c.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
