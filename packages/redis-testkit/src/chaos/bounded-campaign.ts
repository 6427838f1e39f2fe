/**
 * The bounded campaign a chart's test command runs: fixed history seeds side by side, every target
 * tracked so a test that times out still gets its processes killed (call cleanup() in afterAll),
 * failing histories printed with the command that replays them. Shared by the charts'
 * tests/chaos/campaign.test.ts so they differ only in their adapter and seeds.
 */
import { runCampaign, summaryText, type CampaignSummary } from './campaign.ts';
import type { ChaosTarget, ChaosTargetFactory } from './chaos-target.ts';
import type { GeneratorSpec } from './history-generator.ts';
import { failureReport } from './history-runner.ts';

export interface BoundedCampaignOptions {
  /** `redis-cluster` or `redis-sentinel`: the `--chart` of the replay command. */
  readonly chart: string;
  readonly factory: ChaosTargetFactory;
  readonly spec: GeneratorSpec;
  readonly seeds: readonly number[];
  /** @default 120000 */
  readonly recoveryBoundMs?: number;
  readonly log?: (line: string) => void;
}

export interface BoundedCampaign {
  /** Runs every seed side by side; resolves with the summary and one line per failing history. */
  run(): Promise<{ summary: CampaignSummary; failures: string[] }>;
  /** Cleans up every target still alive (for afterAll). */
  cleanup(): Promise<void>;
}

export function boundedCampaign(o: BoundedCampaignOptions): BoundedCampaign {
  const live = new Set<ChaosTarget>();
  const log = o.log ?? ((l: string) => console.log(l));
  const replay = (seed: number | string) => `npm run chaos -- --chart ${o.chart} --history ${seed} --faults 2-2 --max-dns-delay 8000`;
  const factory: ChaosTargetFactory = async (h) => {
    const t = await o.factory(h);
    live.add(t);
    return {
      ...t,
      cleanup: async () => {
        live.delete(t);
        await t.cleanup();
      },
    };
  };
  return {
    async run() {
      log(`${o.chart} chaos campaign, history seeds ${o.seeds.join(', ')} (replay one: ${replay('<seed>')})`);
      const summary = await runCampaign({ factory, spec: o.spec, seeds: o.seeds, concurrency: o.seeds.length, recoveryBoundMs: o.recoveryBoundMs ?? 120_000, progress: log });
      const failed = summary.results.filter((r) => !r.verdict.pass);
      for (const r of failed) log(failureReport(r, replay(r.history.seed)));
      log(summaryText(summary));
      return { summary, failures: failed.map((r) => `seed ${r.history.seed}: ${r.verdict.reasons.join(' | ')}`) };
    },
    async cleanup() {
      for (const t of [...live]) await t.cleanup();
    },
  };
}
