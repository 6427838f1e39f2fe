/**
 * `npm run bench`: how much the pipeline costs next to helm, how the generated production Redis
 * config performs next to a stock redis-server, how fast the YAML readers are (yaml-readers.ts),
 * and how fast the charts fail over and converge (their behaviour harnesses, behaviour-figures.ts).
 * A benchmark, not a test: it prints honest figures (medians of several runs) and which targets
 * they meet; it fails only when a step breaks.
 * See docs/benchmarks.md for the method; its results section is this program's stdout, put there by
 * `npm run bench -- --write-doc` (tools/bench/doc-region.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { behaviourFigures, HARNESSES, type BehaviourFigures } from './behaviour-figures.ts';
import { atCleanup, cleanUp, cleanUpOnSignals } from './cleanup.ts';
import { checkRegion, writeRegion } from './doc-region.ts';
import { describeMachine, loadAverage, type Machine } from './machine.ts';
import { hasGnuTime, run } from './measure.ts';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.ts';
import { benchSize, type AffectedRun, type SizeResult } from './pipeline-bench.ts';
import { benchRedis, type Engine, missingRedisTools, type RedisResult } from './redis-bench.ts';

/** The servers the charts run (their `engine` value): each gets the data-path and behaviour figures. */
const ENGINES: readonly Engine[] = ['redis', 'valkey'];
import { median, mib, secondsRange, table } from './stats.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TARGETS = { ratio: 1.3, fullMs: 40_000, fullAt: 200, growth: 1.1, changedMs: 3_000, unchangedMs: 2_000, singleRatio: 2, redis: 0.9 };

const benchStarted = performance.now();
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const mark = (ok: boolean) => (ok ? 'met' : '**missed**');
const ms = (xs: readonly { ms: number }[]) => median(xs.map((x) => x.ms));

const skips = (o: BenchOptions): string =>
  [!o.pipeline && ' --skip-pipeline', !o.incremental && ' --skip-incremental', !o.redis && ' --skip-redis', !o.yamlReaders && ' --skip-yaml-readers', !o.behaviour && ' --skip-behaviour']
    .filter(Boolean)
    .join('');

function machineSection(m: Machine, o: BenchOptions, loadAfter: string): string {
  return [
    '### Machine',
    '',
    table(
      ['', ''],
      [
        ['date', m.date],
        ['cores (nproc)', String(m.nproc)],
        ['memory', m.memory],
        ['CPU', m.cpu],
        ['OS / kernel', `${m.os} / ${m.kernel}`],
        ['Node / helm / redis', `${m.node} / ${m.helm} / ${m.redis}`],
        ['load average (1/5/15 min) before → after', `${m.load} → ${loadAfter}`],
        ['command', `npm run bench -- --sizes ${o.sizes.join(',')} --runs ${o.runs} --redis-runs ${o.redisRuns} --redis-requests ${o.redisRequests}${skips(o)}`],
      ],
    ),
  ].join('\n');
}

function pipelineSection(results: readonly SizeResult[]): string {
  const memoryNote = hasGnuTime()
    ? 'peak RSS: "node" is GNU time\'s Maximum resident set size (the largest process of the tree, the CLI itself); "tree" sums VmRSS over the CLI and its helm children, sampled from /proc every 100 ms'
    : 'peak RSS: /usr/bin/time is missing (apt package `time`), so only the sampled tree figure (VmRSS summed over the process tree every 100 ms) is shown';
  const rows = results.map((r) => {
    const v = ms(r.validate);
    const f = ms(r.floor);
    const last = r.validate.at(-1);
    return [
      String(r.n),
      `${last?.charts ?? '?'} / ${last?.objects ?? '?'}`,
      secondsRange(r.validate.map((x) => x.ms)),
      secondsRange(r.floor.map((x) => x.ms)),
      (v / f).toFixed(2),
      `${(v / r.n).toFixed(0)} ms`,
      `${mib(median(r.validate.map((x) => x.maxRssKb ?? Number.NaN)))} / ${mib(median(r.validate.map((x) => x.treePeakKb ?? Number.NaN)))}`,
      r.validate.every((x) => x.code === 0) ? `0 (${last?.errors ?? 0} errors, ${last?.warnings ?? 0} warnings)` : r.validate.map((x) => x.code).join(','),
    ];
  });
  const out = [
    '### validate against the helm floor',
    '',
    `Medians of ${results[0]?.validate.length ?? 0} run(s), range in brackets. validate: the whole CLI process (\`node packages/cli/bin/redis-gitops.js validate --json\`). ` +
      `Floor: only the same \`helm template\` calls (same values on stdin, same pool size), timed around the renders (tools/bench/helm-floor.ts).`,
    '',
    table(['N', 'renders / objects', 'validate', 'helm floor', 'validate/floor', 'validate per env', 'peak RSS node / tree', 'exit'], rows),
    '',
    memoryNote,
  ];
  if (results.length > 1) {
    const growth = results.slice(1).map((r, i) => {
      const a = results[i]!;
      const t = ms(r.validate) / ms(a.validate);
      const n = r.n / a.n;
      return [`${a.n} → ${r.n}`, `× ${n.toFixed(1)}`, `× ${t.toFixed(2)}`, (t / n).toFixed(2)];
    });
    out.push('', 'Growth of the validate time (the target: time grows at most 1.1 × as fast as N):', '', table(['N', 'N grows', 'time grows', 'time growth / N growth'], growth));
  }
  const singles = results.filter((r) => r.single.length > 0);
  if (singles.length) {
    const med = (xs: readonly number[]) => median(xs);
    out.push(
      '',
      '### One environment',
      '',
      `\`node packages/cli/bin/redis-gitops.js validate --env <one> --json\` (the whole CLI process: start, parse every spec of the workspace, generate, render, check) against the floor of that environment's own \`helm template\` calls (\`node tools/bench/helm-floor.ts --env <one>\`). Medians of ${singles[0]!.single.length} run(s). "Without cache": the same with \`REDIS_GITOPS_CACHE=off\` (every JSON schema compiled, every chart's YAML parsed, helm asked its version: what the first run after a change to the charts or schemas pays). "Served": the same command answered by a warm CLI server (\`redis-gitops server --help\`; the default on a developer machine, off under CI), the client process included; "validate --env" is one process per run (REDIS_GITOPS_SERVER=off, as in CI).`,
      '',
      table(
        ['N', 'renders', 'validate --env', 'without cache', 'served', 'its helm floor', 'validate/floor', 'served/floor'],
        singles.map((r) => {
          const v = med(r.single.map((s) => s.validateMs));
          const u = med(r.single.map((s) => s.uncachedMs));
          const sv = med(r.single.map((s) => s.servedMs));
          const f = med(r.single.map((s) => s.floorMs));
          return [
            String(r.n),
            String(r.single[0]!.renders),
            `${(v / 1000).toFixed(2)} s`,
            `${(u / 1000).toFixed(2)} s`,
            `${(sv / 1000).toFixed(2)} s`,
            `${(f / 1000).toFixed(2)} s`,
            (v / f).toFixed(2),
            (sv / f).toFixed(2),
          ];
        }),
      ),
    );
  }
  const inc = results.filter((r) => r.changed.length > 0);
  if (inc.length) {
    const cached = (xs: readonly AffectedRun[]) => `${xs.at(-1)?.cached ?? '?'}/${xs.at(-1)?.tasks ?? '?'}`;
    out.push(
      '',
      '### nx affected -t validate',
      '',
      "One environment's spec changed and regenerated, then `npx nx affected -t validate --base=<commit> --outputStyle=static` " +
        '(NX_DAEMON=false, NX_NO_CLOUD=true, cache inside the copy, `.nx/` removed first as on a fresh CI checkout); then the same command again with nothing changed since. ' +
        "Nx runs its project-graph plugins in-process (NX_ISOLATE_PLUGINS=false, from the repository's .env). Right (largest N only): the same with NX_ISOLATE_PLUGINS=true, Nx's own default, one worker process per plugin; " +
        'and "1 changed, CLI server" with REDIS_GITOPS_SERVER=on (the default on a developer machine; every other column runs with it off, as CI does), a first change having started the server.',
      '',
      table(
        ['N', '1 spec changed', 'tasks', 'nothing changed since', 'from cache', '1 changed, isolated plugins', 'nothing changed, isolated plugins', '1 changed, CLI server'],
        inc.map((r) => [
          String(r.n),
          secondsRange(r.changed.map((x) => x.ms)),
          String(r.changed.at(-1)?.tasks ?? '?'),
          secondsRange(r.unchanged.map((x) => x.ms)),
          cached(r.unchanged),
          r.changedIsolated.length ? secondsRange(r.changedIsolated.map((x) => x.ms)) : '–',
          r.unchangedIsolated.length ? secondsRange(r.unchangedIsolated.map((x) => x.ms)) : '–',
          r.changedServed.length ? secondsRange(r.changedServed.map((x) => x.ms)) : '–',
        ]),
      ),
    );
  }
  return out.join('\n');
}

function redisSection(r: RedisResult): string {
  const server = r.engine === 'valkey' ? 'valkey-server' : 'redis-server';
  const tool = r.engine === 'valkey' ? 'valkey-benchmark' : 'redis-benchmark';
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const lat = (f: { p50: number; p99: number }) => `${f.p50.toFixed(3)} / ${f.p99.toFixed(3)}`;
  const rows = ['SET', 'GET'].map((t) => {
    const m = r.median;
    return [
      t,
      m.stock[t]!.rps.toFixed(0),
      m.generated[t]!.rps.toFixed(0),
      pct(r.share.generated[t]!),
      lat(m.stock[t]!),
      lat(m.generated[t]!),
      `${m.generatedNoAof[t]!.rps.toFixed(0)} (${pct(r.share.generatedNoAof[t]!)})`,
    ];
  });
  return [
    `### Data path: ${r.engine} ${r.redisVersion}`,
    '',
    `${r.engine} ${r.redisVersion} (the chart's \`engine: ${r.engine}\`), \`${tool} -t set,get -n ${r.requests} -c ${r.clients} -r 100000 -d ${r.dataSize} --csv\` on loopback, ${r.runs} runs per server in rotating order. ` +
      `Generated: the redis.conf the redis-cluster chart renders for environments/${r.env} (${r.persistence.join('; ')}), included unchanged by a runtime config like the one start-node.sh writes ` +
      `(127.x address, password, temp data dir on disk), as a one-node cluster that owns all 16384 slots. Stock: ${server} with its built-in defaults (RDB snapshots, no AOF). ` +
      'rps and latencies are medians over the runs; generated/stock is the median of the per-run ratios (each run measures every server back to back). ' +
      'The last column is a diagnostic: the generated config with `appendonly no` added.',
    '',
    table(['test', 'stock rps', 'generated rps', 'generated/stock', 'stock p50 / p99 ms', 'generated p50 / p99 ms', 'generated, AOF off: rps (/stock)'], rows),
  ].join('\n');
}

function targetsSection(results: readonly SizeResult[], redisResults: readonly RedisResult[]): string {
  const rows: string[][] = [];
  const big = results.find((r) => r.n === TARGETS.fullAt) ?? results.at(-1);
  if (big?.single.length) {
    const v = median(big.single.map((s) => s.validateMs));
    const f = median(big.single.map((s) => s.floorMs));
    const sv = median(big.single.map((s) => s.servedMs));
    rows.push([
      `one environment: validate --env ≤ ${TARGETS.singleRatio} × its helm floor (N=${big.n}), served by the CLI server (developer machine)`,
      `${(sv / f).toFixed(2)} (${(sv / 1000).toFixed(2)} s / ${(f / 1000).toFixed(2)} s)`,
      mark(sv / f <= TARGETS.singleRatio),
    ]);
    rows.push([
      `one environment: validate --env ≤ ${TARGETS.singleRatio} × its helm floor (N=${big.n}), one process (CI, REDIS_GITOPS_SERVER=off)`,
      `${(v / f).toFixed(2)} (${(v / 1000).toFixed(2)} s / ${(f / 1000).toFixed(2)} s)`,
      mark(v / f <= TARGETS.singleRatio),
    ]);
  }
  if (big) {
    const ratio = ms(big.validate) / ms(big.floor);
    const atTarget = big.n === TARGETS.fullAt;
    rows.push([`validate/floor ≤ ${TARGETS.ratio} (N=${big.n})`, ratio.toFixed(2), atTarget ? mark(ratio <= TARGETS.ratio) : `(the target is for N=${TARGETS.fullAt})`]);
    if (atTarget) rows.push([`full validate ≤ ${TARGETS.fullMs / 1000} s (N=${big.n})`, `${(ms(big.validate) / 1000).toFixed(1)} s`, mark(ms(big.validate) <= TARGETS.fullMs)]);
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1]!;
      const b = results[i]!;
      const g = ms(b.validate) / ms(a.validate) / (b.n / a.n);
      rows.push([`time grows ≤ ${TARGETS.growth} × N (${a.n} → ${b.n})`, g.toFixed(2), mark(g <= TARGETS.growth)]);
    }
    if (big.changed.length) {
      rows.push([`1 spec changed: affected validate ≤ ${TARGETS.changedMs / 1000} s (N=${big.n})`, `${(ms(big.changed) / 1000).toFixed(1)} s`, mark(ms(big.changed) <= TARGETS.changedMs)]);
      rows.push([`nothing changed ≤ ${TARGETS.unchangedMs / 1000} s (N=${big.n})`, `${(ms(big.unchanged) / 1000).toFixed(1)} s`, mark(ms(big.unchanged) <= TARGETS.unchangedMs)]);
      if (big.changedIsolated.length)
        rows.push([
          `… the same two with NX_ISOLATE_PLUGINS=true (Nx's default, not this repository's)`,
          `${(ms(big.changedIsolated) / 1000).toFixed(1)} s / ${(ms(big.unchangedIsolated) / 1000).toFixed(1)} s`,
          '(for comparison)',
        ]);
      if (big.changedServed.length)
        rows.push([`… 1 spec changed, with the CLI server (developer machine)`, `${(ms(big.changedServed) / 1000).toFixed(1)} s`, mark(ms(big.changedServed) <= TARGETS.changedMs)]);
    }
  }
  for (const redis of redisResults) {
    for (const t of ['SET', 'GET']) {
      const share = redis.share.generated[t]!;
      rows.push([`${redis.engine}: generated config ≥ ${TARGETS.redis * 100} % of stock throughput (${t})`, `${(share * 100).toFixed(1)} %`, mark(share >= TARGETS.redis)]);
    }
  }
  return ['### Targets', '', table(['target', 'measured (median)', ''], rows)].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (opts.writeDoc) {
    try {
      checkRegion(path.resolve(REPO, opts.writeDoc)); // Before the run, not after it.
    } catch (error) {
      process.stderr.write(`bench: --write-doc: ${(error as Error).message}\n`);
      return 2;
    }
  }
  // Every temporary file of the run lives under one folder, removed at the end: the workspace copies,
  // the Redis data dirs, and the helm homes the CLI processes create (they follow TMPDIR).
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-bench-'));
  process.env.TMPDIR = tmp;
  // Every CLI process the bench starts runs alone (as in CI) unless a figure says it is served: no
  // background CLI server is started by the workspace set-up, and none outlives the run.
  process.env.REDIS_GITOPS_SERVER = 'off';
  atCleanup(() => {
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  });
  cleanUpOnSignals();
  try {
    return await measureAll(opts);
  } finally {
    await cleanUp();
  }
}

async function measureAll(opts: BenchOptions): Promise<number> {
  const machine = await describeMachine();
  log(`${machine.nproc} cores, ${machine.memory}, ${machine.cpu}, load ${machine.load}; node ${machine.node}, helm ${machine.helm}`);
  const results: SizeResult[] = [];
  if (opts.pipeline) {
    const largest = Math.max(...opts.sizes);
    for (const n of opts.sizes) results.push(await benchSize(n, { repo: REPO, runs: opts.runs, incremental: opts.incremental, nxVariant: n === largest, keep: opts.keep, log }));
  }
  // The generated production config against the stock server, for each engine the charts run.
  const redis: RedisResult[] = [];
  for (const engine of ENGINES) {
    const missing = missingRedisTools(engine);
    if (opts.redis && missing.length) log(`${engine}: skipped, ${missing.join(', ')} missing (run \`npm run setup\`, i.e. tools/setup.sh)`);
    else if (opts.redis) redis.push(await benchRedis({ repo: REPO, env: 'prod-x86', runs: opts.redisRuns, requests: opts.redisRequests, clients: 50, dataSize: 128, engine, log }));
  }
  const yaml = await yamlReaderFigures(opts);
  const behaviour: BehaviourFigures = await behaviourFigures(REPO, log, opts.behaviour, opts.runs, ENGINES);
  const sections = [
    '## Results',
    '',
    'Everything from here to the end of the results is the stdout of one run of the command in the Machine table; nothing in it is edited by hand.',
    '',
    machineSection(machine, opts, loadAverage()),
    ...(results.length ? ['', pipelineSection(results)] : []),
    ...redis.flatMap((r) => ['', redisSection(r)]),
    '',
    yamlSection(yaml),
    '',
    '### Failover and convergence (behaviour harness)',
    '',
    ...(behaviour.source === 'harness'
      ? [
          `Output of ${HARNESSES.map((h) => `\`node ${h} --rounds ${opts.runs}\``).join(' and ')} in this run, once per engine (\`REDIS_TESTKIT_ENGINE=${ENGINES.join('|')}\`: the charts' own scripts, Jobs and probes on real redis-server and redis-sentinel, or valkey-server and valkey-sentinel, processes on 127.x addresses), with the issue-10 recovery targets:`,
          '',
          '```text',
          behaviour.text.trim(),
          '```',
        ]
      : [behaviour.text.trim()]),
    '',
    targetsSection(results, redis),
    '',
  ];
  const report = sections.join('\n');
  process.stdout.write(report);
  if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ machine, options: opts, results, redis, yaml, behaviour }, null, 2)}\n`);
  const ok = behaviour.ok && yaml.ok;
  if (opts.writeDoc && ok) {
    writeRegion(path.resolve(REPO, opts.writeDoc), report);
    log(`wrote the results into ${opts.writeDoc}`);
  } else if (opts.writeDoc) log(`${opts.writeDoc} left unchanged: a step failed (see above)`);
  log(`done in ${((performance.now() - benchStarted) / 60_000).toFixed(1)} min`);
  return ok ? 0 : 1;
}

interface ScriptFigures {
  /** The command, as a reader would type it from the repo root; undefined when skipped. */
  readonly command: string | undefined;
  readonly text: string;
  readonly ok: boolean;
}

/** The YAML reader comparison of issue 11 at the largest N, printed by tools/bench/yaml-readers.ts. */
async function yamlReaderFigures(opts: BenchOptions): Promise<ScriptFigures> {
  const args = ['tools/bench/yaml-readers.ts', '--n', String(Math.max(...opts.sizes)), '--rounds', String(opts.runs)];
  const command = `node ${args.join(' ')}`;
  if (!opts.yamlReaders) return { command: undefined, ok: true, text: `skipped (--skip-yaml-readers): run \`${command}\`` };
  log(`yaml readers: ${command}`);
  const r = await run(process.execPath, args, { cwd: REPO, timeoutMs: 30 * 60_000, onStdoutLine: (l) => log(`yaml readers: ${l}`) });
  return { command, ok: r.code === 0, text: `${r.stdout.trim()}${r.code === 0 ? '' : `\n(exited ${r.code}: ${r.stderr.trim().slice(-1000)})`}` };
}

function yamlSection(y: ScriptFigures): string {
  return [
    '### YAML readers',
    '',
    ...(y.command
      ? [
          `Output of \`${y.command}\` in this run: CPU time (user + system) of parsing the helm output of N environments with the repo's fast reader, the \`yaml\` library and js-yaml, with issue 11's rule:`,
          '',
          '```text',
          y.text,
          '```',
        ]
      : [y.text]),
  ].join('\n');
}

process.exitCode = await main(process.argv.slice(2));
