/**
 * Failover and convergence figures of the charts. They come from the behaviour harness, which
 * runs the charts' own scripts against real Redis processes:
 * - charts/redis-cluster/tests/bench/behaviour.bench.ts, when it exists, is run and its output shown;
 * - otherwise the figures the chart READMEs record are quoted (with file:line), and the bench says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './measure.ts';

export const HARNESS = 'charts/redis-cluster/tests/bench/behaviour.bench.ts';
const READMES = ['charts/redis-cluster/README.md', 'charts/redis-sentinel/README.md'];

export interface BehaviourFigures {
  /** `harness` when the bench ran it, `readme` when the figures are quotes. */
  readonly source: 'harness' | 'readme';
  readonly text: string;
  readonly ok: boolean;
}

/** A README's "## Measured figures" section, else its lines that state a measured time. */
function quote(repo: string, rel: string): string[] {
  const file = path.join(repo, rel);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^## Measured figures/i.test(l));
  if (start >= 0) {
    const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    return [`${rel}:${start + 1}`, ...lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '')];
  }
  const timed = /(measured|about \d+(\.\d+)? s\b|\d+(\.\d+)?(-\d+(\.\d+)?)? s (after|later)\b|Ready \d+ s)/i;
  return lines.flatMap((l, i) => (timed.test(l) ? [`${rel}:${i + 1}: ${l.trim()}`] : []));
}

export async function behaviourFigures(repo: string, log: (line: string) => void, runHarness: boolean, rounds: number): Promise<BehaviourFigures> {
  if (runHarness && existsSync(path.join(repo, HARNESS))) {
    log(`behaviour: node ${HARNESS} --rounds ${rounds} (real redis processes; about 4 minutes)`);
    const r = await run(process.execPath, [HARNESS, '--rounds', String(rounds)], { cwd: repo, timeoutMs: 20 * 60_000, onStdoutLine: (l) => log(`behaviour: ${l}`) });
    const ok = r.code === 0;
    return { source: 'harness', ok, text: `${r.stdout}${ok ? '' : `\n(the harness exited ${r.code}: ${r.stderr.trim().slice(-1000)})`}` };
  }
  const why = existsSync(path.join(repo, HARNESS)) ? `${HARNESS} skipped (--skip-behaviour)` : `${HARNESS} does not exist yet`;
  const quoted = READMES.flatMap((rel) => quote(repo, rel));
  return { source: 'readme', ok: true, text: [`${why}: quoting the figures the chart READMEs record (not re-measured by this bench).`, '', ...quoted].join('\n') };
}
