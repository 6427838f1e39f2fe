/**
 * Bounded chaos campaign for the redis-cluster chart (issue 10): a few short seeded histories run
 * against the chart's own scripts, Jobs and probes on real redis-server processes, each judged by the checker
 * of @redis-gitops/redis-testkit (chaos/). The seeds are fixed so CI replays exactly the same
 * faults; every one is printed with its replay command. Long campaigns:
 * `npm run chaos -- --chart redis-cluster --minutes N`. Figures are printed, never asserted.
 */
import { afterAll, expect, it } from '@jest/globals';
import { boundedCampaign } from '@redis-gitops/redis-testkit';
import { clusterSpec, createClusterTarget } from './cluster-target.ts';

/**
 * seed 2: persistence off, node timeout 3000: bootstrap Job killed mid-run and rerun, then a replica back with late DNS;
 * seed 8: a replica's nodes.conf lost, then a master deleted (new IP);
 * seed 10: node timeout 5000: a master's data files lost, then a full restart with staggered starts.
 */
const SEEDS = [2, 8, 10];
const campaign = boundedCampaign({ chart: 'redis-cluster', factory: createClusterTarget, spec: clusterSpec(true, [2, 2]), seeds: SEEDS });
afterAll(() => campaign.cleanup());

it(`bounded chaos campaign, seeds ${SEEDS.join(', ')}: no acknowledged write lost, never two masters, healthy or waiting safely after the faults, no temp files`, async () => {
  const { summary, failures } = await campaign.run();
  expect(summary.histories).toBe(SEEDS.length);
  expect(failures).toEqual([]);
}, 900_000);
