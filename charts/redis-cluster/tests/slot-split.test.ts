/**
 * The even slot split exists once in shell (lib.sh even_layout, used by the bootstrap Job and the
 * backup/restore scripts) and once in TypeScript (evenSlotSplit, which the generator and the docs
 * use). They must agree for every shard count the chart allows, or the bootstrap would build a
 * different layout than the one the spec documents and the restore checks.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evenSlotSplit } from '@redis-gitops/spec';

const LIB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/lib.sh');

/** even_layout N for every N in `counts`, from one bash process: N -> ["first-last", ...]. */
function shellSplits(counts: readonly number[]): Map<number, string[]> {
  const out = execFileSync('bash', ['-c', '. "$1"; shift; for n in "$@"; do echo "$n $(even_layout "$n" | paste -sd" " -)"; done', 'slot-split', LIB, ...counts.map(String)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SHARDS: '3', REPLICAS_PER_SHARD: '1', TOPOLOGY_DIR: '/nonexistent', POD_NAME: 'rc-0' },
  });
  return new Map(
    out
      .trim()
      .split('\n')
      .map((l) => {
        const [n, ...ranges] = l.split(' ');
        return [Number(n), ranges] as [number, string[]];
      }),
  );
}

describe('the even slot split', () => {
  it('is the same in lib.sh and in evenSlotSplit for 1 to 100 shards', () => {
    const counts = Array.from({ length: 100 }, (_, i) => i + 1);
    const shell = shellSplits(counts);
    expect(shell.size).toBe(100);
    for (const n of counts) expect({ n, split: shell.get(n) }).toEqual({ n, split: evenSlotSplit(n).map((r) => `${r.start}-${r.end}`) });
  });

  it('is the split redis-cli --cluster create makes for 3 shards', () => {
    expect(shellSplits([3]).get(3)).toEqual(['0-5460', '5461-10922', '10923-16383']);
  });
});
