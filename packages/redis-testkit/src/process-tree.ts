import { readdirSync, readFileSync } from 'node:fs';

/** State letter and process group of a live process from /proc/<pid>/stat, or undefined when gone. */
function statOf(pid: number): { state: string; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses: split after the last ")".
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', pgrp: Number(rest[2]) };
}

/**
 * True while the process exists and is not a zombie. Orphans of a killed pod (a background
 * helper whose parent exec'ed into redis-server) are reparented to PID 1, which may never reap
 * them here, so a zombie counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

/** PIDs of the live (non-zombie) members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = statOf(pid);
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(pid);
  }
  return members;
}

/** SIGKILL a whole process group (the pod's "container"); ignores a group that is already gone. */
export function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits until no live member of group `pgid` is left; throws naming the survivors after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = groupMembers(pgid);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`redis-testkit: processes ${left.join(', ')} of group ${pgid} still alive ${timeoutMs}ms after SIGKILL`);
    killGroup(pgid);
    await sleep(20);
  }
}

/** Synchronous variant for process 'exit' handlers: SIGKILL and spin briefly. */
export function killGroupSync(pgid: number, timeoutMs = 2000): void {
  killGroup(pgid);
  const deadline = Date.now() + timeoutMs;
  while (groupMembers(pgid).length > 0 && Date.now() < deadline) {
    killGroup(pgid);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}
