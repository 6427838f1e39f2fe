/**
 * `npm run chaos -- --chart redis-cluster|redis-sentinel --minutes N [--seed S]`: a long
 * randomized, seeded fault campaign against the chart's own scripts, Jobs and probes on real
 * redis-server / redis-sentinel processes (see docs/reliability.md). Exit 0 when every history
 * passes, 1 on a failing history, 2 on bad usage.
 */
import {
  generateHistory,
  historyText,
  parseSeed,
  randomSeed,
  runCampaign,
  runHistory,
  failureReport,
  summarize,
  summaryText,
  type ChaosTargetFactory,
  type GeneratorSpec,
} from '@redis-gitops/redis-testkit';

const USAGE = `usage: npm run chaos -- --chart <redis-cluster|redis-sentinel> --minutes <N> [options]

Runs seeded random fault histories against the chart's own scripts, Jobs and probes (real
redis-server / redis-sentinel processes on 127.x loopback addresses) and judges each one:
  (a) no WAIT-acknowledged write lost (plain acknowledged writes lost are counted);
  (b) never two writable masters for the same slots / master set (sampled every <= 100 ms);
  (c) healthy again (full definition, every WAIT-acked key present) within the bound after each
      fault, or the documented "not ready: waiting safely:" state; never healthy with data missing;
  (d) no temp files left in any data dir.

options:
  --chart <name>        redis-cluster or redis-sentinel (required)
  --minutes <N>         start new histories for N minutes (required unless --history); a running
                        history always finishes
  --seed <S>            campaign seed (decimal or 0x-hex); replays exactly the same histories.
                        Printed at start; random when omitted
  --history <H>         run exactly one history with this history seed (as printed per history)
  --faults <a-b>        faults per history (default 3-6)
  --max-dns-delay <ms>  upper bound of late DNS (default 120000)
  --recovery-bound <ms> recovery bound per fault, on top of its DNS delay (default 120000)
  --concurrency <n>     histories side by side, each in its own sandbox (default 1); history seeds
                        are drawn in the same order at any concurrency
  --stop-on-failure     stop at the first failing history
  --dry-run             print the generated histories and exit (no Redis)
  --verbose             print every operation-log line as it happens
  --engine <e>          redis (default, Debian's Redis 7.0) or valkey (Valkey 8.0 from .tools/valkey):
                        the server every pod runs, as the chart's engine value
  -h, --help            this help

exit status: 0 every history passed, 1 a history failed, 2 bad usage.`;

class UsageError extends Error {}

interface Options {
  chart: 'redis-cluster' | 'redis-sentinel';
  minutes?: number;
  seed: number;
  seedGiven: boolean;
  history?: number;
  faults: [number, number];
  maxDnsDelayMs: number;
  recoveryBoundMs: number;
  stopOnFailure: boolean;
  concurrency: number;
  dryRun: boolean;
  verbose: boolean;
  engine: 'redis' | 'valkey';
}

function parse(argv: readonly string[]): Options | 'help' {
  const o: Partial<Options> = {
    faults: [3, 6],
    maxDnsDelayMs: 120_000,
    recoveryBoundMs: 120_000,
    stopOnFailure: false,
    concurrency: 1,
    dryRun: false,
    verbose: false,
    seedGiven: false,
    engine: 'redis',
  };
  const num = (flag: string, v: string | undefined) => {
    if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) throw new UsageError(`${flag} needs a number, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => argv[++i];
    try {
      switch (a) {
        case '-h':
        case '--help':
          return 'help';
        case '--chart': {
          const c = v();
          if (c !== 'redis-cluster' && c !== 'redis-sentinel') throw new UsageError(`--chart must be redis-cluster or redis-sentinel, got ${c ?? 'nothing'}`);
          o.chart = c;
          break;
        }
        case '--minutes':
          o.minutes = num(a, v());
          break;
        case '--seed':
          o.seed = parseSeed(v() ?? '');
          o.seedGiven = true;
          break;
        case '--history':
          o.history = parseSeed(v() ?? '');
          break;
        case '--faults': {
          const m = /^(\d+)-(\d+)$/.exec(v() ?? '');
          if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError('--faults needs a range like 3-6');
          o.faults = [Number(m[1]), Number(m[2])];
          break;
        }
        case '--max-dns-delay':
          o.maxDnsDelayMs = num(a, v());
          break;
        case '--recovery-bound':
          o.recoveryBoundMs = num(a, v());
          break;
        case '--concurrency':
          o.concurrency = num(a, v());
          if (o.concurrency < 1 || !Number.isInteger(o.concurrency)) throw new UsageError('--concurrency needs a whole number >= 1');
          break;
        case '--stop-on-failure':
          o.stopOnFailure = true;
          break;
        case '--dry-run':
          o.dryRun = true;
          break;
        case '--verbose':
          o.verbose = true;
          break;
        case '--engine': {
          const e = v();
          if (e !== 'redis' && e !== 'valkey') throw new UsageError(`--engine must be redis or valkey, got ${e ?? 'nothing'}`);
          o.engine = e;
          break;
        }
        default:
          throw new UsageError(`unknown argument ${a}`);
      }
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message);
    }
  }
  if (!o.chart) throw new UsageError('--chart is required');
  if (o.minutes === undefined && o.history === undefined) throw new UsageError('--minutes is required (or --history)');
  return { ...o, seed: o.seed ?? randomSeed() } as Options;
}

async function adapter(chart: Options['chart'], o: Options): Promise<{ factory: ChaosTargetFactory; spec: GeneratorSpec }> {
  if (chart === 'redis-cluster') {
    const m = await import('../../charts/redis-cluster/tests/chaos/cluster-target.ts');
    return { factory: m.createClusterTarget, spec: { ...m.clusterSpec(false, o.faults), maxDnsDelayMs: o.maxDnsDelayMs } };
  }
  const m = await import('../../charts/redis-sentinel/tests/chaos/sentinel-target.ts');
  return { factory: m.createSentinelTarget, spec: { ...m.sentinelSpec(false, o.faults), maxDnsDelayMs: o.maxDnsDelayMs } };
}

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`chaos: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const opts = o;
  // The harnesses render the chart with the testkit's engine and start that server.
  process.env.REDIS_TESTKIT_ENGINE = opts.engine;
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`[chaos ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
  const { factory, spec } = await adapter(opts.chart, opts);
  const cmd = `npm run chaos -- --chart ${opts.chart}${opts.engine === 'redis' ? '' : ` --engine ${opts.engine}`}`;
  const echo = opts.verbose ? (l: string) => say(`  ${l}`) : undefined;

  if (opts.history !== undefined) {
    const h = generateHistory(opts.history, spec);
    say(historyText(h));
    if (opts.dryRun) return 0;
    const r = await runHistory(factory, h, { recoveryBoundMs: opts.recoveryBoundMs, echo });
    const s = summarize(opts.chart, [r], Date.now() - t0);
    if (!r.verdict.pass) process.stdout.write(`${failureReport(r, `${cmd} --history ${h.seed}`)}\n`);
    process.stdout.write(`${summaryText(s)}\n`);
    return r.verdict.pass ? 0 : 1;
  }

  say(
    `campaign seed ${opts.seed}${opts.seedGiven ? '' : ' (random; replay with --seed)'}; chart ${opts.chart}; ${opts.minutes} minute(s); faults ${opts.faults.join('-')} per history; late DNS up to ${opts.maxDnsDelayMs} ms; concurrency ${opts.concurrency}; engine ${opts.engine}`,
  );
  if (opts.dryRun) {
    const { historySeeds } = await import('@redis-gitops/redis-testkit');
    let n = 0;
    for (const seed of historySeeds(opts.seed)) {
      process.stdout.write(`${historyText(generateHistory(seed, spec))}\n`);
      if (++n >= 5) break;
    }
    return 0;
  }
  const summary = await runCampaign({
    factory,
    spec,
    campaignSeed: opts.seed,
    deadline: t0 + (opts.minutes ?? 0) * 60_000,
    stopOnFailure: opts.stopOnFailure,
    concurrency: opts.concurrency,
    recoveryBoundMs: opts.recoveryBoundMs,
    echo,
    progress: say,
  });
  for (const r of summary.results.filter((x) => !x.verdict.pass)) process.stdout.write(`\n${failureReport(r, `${cmd} --history ${r.history.seed}`)}\n`);
  process.stdout.write(`\n${summaryText(summary)}\ncommand: ${cmd} --minutes ${opts.minutes} --seed ${opts.seed}${opts.concurrency > 1 ? ` --concurrency ${opts.concurrency}` : ''}\n`);
  return summary.failed === 0 ? 0 : 1;
}

// Ctrl-C / SIGTERM: exit through process.exit so every sandbox's exit hook kills its pods and removes its dirs.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(sig === 'SIGINT' ? 130 : 143));

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`chaos: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
