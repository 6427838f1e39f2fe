import type { Pod } from './pod.ts';
import { waitFor } from './wait-for.ts';

/**
 * Waits until every running replica among `pods` has applied everything its master (also among
 * `pods`, found by address) wrote: slave_repl_offset == the master's master_repl_offset. Plain
 * writes are replicated asynchronously, so a test that writes keys and then kills a master must
 * wait for this, or it measures Redis's async-replication window instead of the charts' scripts.
 */
export async function waitReplicasCaughtUp(pods: readonly Pod[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'every replica to apply everything its master wrote',
    async () => {
      const running = pods.filter((p) => p.running);
      const infos = await Promise.all(running.map(async (p) => ({ p, i: await p.info('replication').catch(() => ({}) as Record<string, string>) })));
      const behind: string[] = [];
      for (const { p, i } of infos.filter((x) => x.i.role === 'slave')) {
        const master = infos.find((x) => x.p.ip === i.master_host && String(x.p.port) === i.master_port);
        if (!master) continue; // its master is not among the pods (or not running): nothing to wait for
        if (i.slave_repl_offset !== master.i.master_repl_offset) behind.push(`${p.name} ${i.slave_repl_offset}/${master.i.master_repl_offset}`);
      }
      return { done: behind.length === 0, state: behind.join(', ') || 'caught up' };
    },
    { timeoutMs, intervalMs: 100 },
  );
}
