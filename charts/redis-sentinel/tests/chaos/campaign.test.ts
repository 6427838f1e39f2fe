/**
 * Bounded chaos campaign for the redis-sentinel chart (issue 10): a few short seeded histories run
 * against the chart's own scripts, Jobs and probes on real redis-server and redis-sentinel processes, each judged by the checker
 * of @redis-gitops/redis-testkit (chaos/). The seeds are fixed so CI replays exactly the same
 * faults; every one is printed with its replay command. Long campaigns:
 * `npm run chaos -- --chart redis-sentinel --minutes N`. Figures are printed, never asserted.
 */
import { afterAll, expect, it } from '@jest/globals';
import { boundedCampaign } from '@redis-gitops/redis-testkit';
import { createSentinelTarget, sentinelSpec } from './sentinel-target.ts';

/**
 * seed 1: persistence off, down-after 3000: every Sentinel deleted (emptyDir wiped), then a replica back with late DNS;
 * seed 6: the master's data files lost, then the new master killed and back on its own IP within down-after;
 * seed 10: down-after 5000: a quick master container restart, then a full restart with staggered starts.
 */
const SEEDS = [1, 6, 10];
const campaign = boundedCampaign({ chart: 'redis-sentinel', factory: createSentinelTarget, spec: sentinelSpec(true, [2, 2]), seeds: SEEDS });
afterAll(() => campaign.cleanup());

it(`bounded chaos campaign, seeds ${SEEDS.join(', ')}: no acknowledged write lost, never two masters, healthy or waiting safely after the faults, no temp files`, async () => {
  const { summary, failures } = await campaign.run();
  expect(summary.histories).toBe(SEEDS.length);
  expect(failures).toEqual([]);
}, 900_000);
