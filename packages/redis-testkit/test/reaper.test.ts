import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { isAlive, waitFor } from '../src/index.ts';

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
