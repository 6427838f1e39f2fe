/** Command-line options of `npm run bench -- [options]`. */

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly redisRuns: number;
  readonly redisRequests: number;
  readonly pipeline: boolean;
  readonly incremental: boolean;
  readonly redis: boolean;
  readonly behaviour: boolean;
  readonly yamlReaders: boolean;
  readonly keep: boolean;
  readonly json: string | undefined;
  /** The doc whose generated region gets the results (--write-doc), relative to the repo root. */
  readonly writeDoc: string | undefined;
}

export const DEFAULT_DOC = 'docs/benchmarks.md';

export const USAGE = `usage: npm run bench -- [options]

Measures the validate pipeline against the helm floor, nx affected, the Redis data path, the
YAML readers and the charts' failover and convergence (behaviour harnesses).
Progress goes to stderr; the results (Markdown tables) to stdout.

  --sizes 10,50,200     numbers of synthetic environments (default 10,50,200); the largest
                        is also the N of the YAML reader comparison
  --runs 3              runs per figure; medians are reported (default 3); also the
                        --rounds of the YAML reader comparison and the behaviour harnesses
  --redis-runs 5        redis-benchmark runs per server (default 5)
  --redis-requests N    requests per redis-benchmark test (default 100000)
  --skip-pipeline       skip validate / floor / nx affected
  --skip-incremental    skip the nx affected figures
  --skip-redis          skip the redis-benchmark comparison
  --skip-yaml-readers   skip the YAML reader comparison (tools/bench/yaml-readers.ts)
  --skip-behaviour      skip the behaviour harnesses (the section then says so)
  --keep                keep the temporary folder (workspace copies, logs); its path is printed
  --json FILE           also write every raw figure to FILE
  --write-doc[=FILE]    also replace the generated region of FILE (default docs/benchmarks.md,
                        between its "npm run bench: begin/end" markers) with the stdout of this
                        run; only when every step succeeded; the markers are checked first
  -h, --help            this text`;

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const o = {
    sizes: [10, 50, 200] as number[],
    runs: 3,
    redisRuns: 5,
    redisRequests: 100_000,
    pipeline: true,
    incremental: true,
    redis: true,
    behaviour: true,
    yamlReaders: true,
    keep: false,
    json: undefined as string | undefined,
    writeDoc: undefined as string | undefined,
  };
  const positive = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--sizes':
        o.sizes = (value() ?? '').split(',').map((s) => positive('--sizes', s.trim()));
        break;
      case '--runs':
        o.runs = positive(flag, value());
        break;
      case '--redis-runs':
        o.redisRuns = positive(flag, value());
        break;
      case '--redis-requests':
        o.redisRequests = positive(flag, value());
        break;
      case '--skip-pipeline':
        o.pipeline = false;
        break;
      case '--skip-incremental':
        o.incremental = false;
        break;
      case '--skip-redis':
        o.redis = false;
        break;
      case '--skip-behaviour':
        o.behaviour = false;
        break;
      case '--skip-yaml-readers':
        o.yamlReaders = false;
        break;
      case '--write-doc':
        // The file only inline (--write-doc=FILE), so a following option is never taken for it.
        o.writeDoc = inline ?? DEFAULT_DOC;
        if (!o.writeDoc) throw new UsageError('--write-doc= needs a file name');
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--json':
        o.json = value();
        if (!o.json) throw new UsageError('--json needs a file name');
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  return o;
}
