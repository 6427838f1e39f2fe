/**
 * Failover and convergence figures of the Redis charts, from their behaviour benches: each runs the
 * chart's own scripts, Jobs and probes against real Redis processes and prints its figures with the
 * issue-10 recovery targets. Nothing is quoted from a README: a figure here is printed by this run.
 */
import { run } from './measure.ts';

export const HARNESSES = ['charts/redis-cluster/tests/bench/behaviour.bench.ts', 'charts/redis-sentinel/tests/bench/behaviour.bench.ts'] as const;

export interface BehaviourFigures {
  /** `harness` when the benches ran, `skipped` with --skip-behaviour. */
  readonly source: 'harness' | 'skipped';
  /** One block per bench: its command, then its output. */
  readonly text: string;
  readonly ok: boolean;
}

/** Runs each harness once per engine (REDIS_TESTKIT_ENGINE: the server its pods run). */
export async function behaviourFigures(repo: string, log: (line: string) => void, runHarness: boolean, rounds: number, engines: readonly string[] = ['redis']): Promise<BehaviourFigures> {
  if (!runHarness) return { source: 'skipped', ok: true, text: `skipped (--skip-behaviour): run ${HARNESSES.map((h) => `\`node ${h} --rounds ${rounds}\``).join(' and ')}` };
  const blocks: string[] = [];
  let ok = true;
  for (const engine of engines) {
    for (const harness of HARNESSES) {
      const cmd = `REDIS_TESTKIT_ENGINE=${engine} node ${harness} --rounds ${rounds}`;
      log(`behaviour: ${cmd} (real ${engine} processes; several minutes)`);
      const r = await run(process.execPath, [harness, '--rounds', String(rounds)], {
        cwd: repo,
        env: { ...process.env, REDIS_TESTKIT_ENGINE: engine },
        timeoutMs: 30 * 60_000,
        onStdoutLine: (l) => log(`behaviour ${engine}: ${l}`),
      });
      if (r.code !== 0) ok = false;
      blocks.push(`$ ${cmd}\n${r.stdout.trim()}${r.code === 0 ? '' : `\n(exited ${r.code}: ${r.stderr.trim().slice(-1000)})`}`);
    }
  }
  return { source: 'harness', ok, text: blocks.join('\n\n') };
}
