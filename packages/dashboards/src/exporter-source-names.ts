/**
 * The metric names a redis_exporter release can serve, read from its Go source text (the
 * non-test `.go` files of `exporter/`): names only, no code. Pure; the command
 * `bin/exporter-versions.ts --extract` feeds it the files of each pinned tag and writes the result
 * to `src/generated/redis-exporter-metric-names.ts`.
 *
 * How a name is found (every name gets the exporter's default namespace `redis_`):
 * - the values of the `metricMapGauges` / `metricMapCounters` maps (INFO field -> metric name), and
 *   names assigned into them (`e.metricMapGauges["x"] = "y"`, e.g. with --include-system-metrics);
 * - the keys of the metric description map (`"name": {txt: ..., lbls: ...}`);
 * - the literal name of every `registerConstMetric*`, `registerConstSummary`,
 *   `registerConstHistogram` call, every `Name: "..."` of a client_golang collector, every
 *   `metricName = "..."` / `fieldKey = "..."` rename;
 * - `fmt.Sprintf("config_%s", strKey)` over the `map[string]bool{...}[strKey]` of CONFIG keys just
 *   before it (`-` becomes `_`);
 * - families named after a Redis field at scrape time: the prefixes `includeMetric` passes
 *   (`cluster_`: every numeric INFO cluster / CLUSTER INFO field keeps Redis' own name).
 */

export interface MetricFamily {
  /** Full name prefix, e.g. `redis_cluster_`. */
  readonly prefix: string;
  readonly from: string;
}

export interface SourceNames {
  /** Full metric names (namespace prefix included), sorted. */
  readonly names: readonly string[];
  readonly families: readonly MetricFamily[];
}

export const EXPORTER_NAMESPACE = 'redis';

/** What `includeMetric`'s prefixes stand for; `db` and `cmdstat_` lines are parsed into db_* / commands_* instead. */
const FAMILY_FROM: Record<string, string> = {
  cluster_: 'includeMetric prefix "cluster_": every numeric field of INFO cluster and CLUSTER INFO, under its Redis name',
};

/** includeMetric prefixes whose INFO lines are parsed into fixed names (`db0:keys=...` -> db_keys, `cmdstat_get:` -> commands_total). */
const HANDLED_PREFIXES = new Set(['db', 'cmdstat_']);

/** The text between `open` (its `{`) and the matching `}`. */
function block(text: string, open: number): string {
  const start = text.indexOf('{', open);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + 1, i);
  }
  throw new Error(`unbalanced braces after offset ${open}`);
}

/** Strips Go line comments (a `//` outside a string literal). */
const uncomment = (go: string): string =>
  go
    .split('\n')
    .map((l) => l.replace(/^((?:[^"`/]|"(?:[^"\\]|\\.)*"|`[^`]*`|\/(?!\/))*)\/\/.*$/, '$1'))
    .join('\n');

/** Names from the Go files of `exporter/` (path -> text; test files are ignored). */
export function sourceMetricNames(files: Readonly<Record<string, string>>): SourceNames {
  const bare = new Set<string>();
  const prefixes = new Set<string>();
  const add = (name: string) => bare.add(name.replaceAll('-', '_'));
  for (const [file, raw] of Object.entries(files)) {
    if (!file.endsWith('.go') || file.endsWith('_test.go')) continue;
    const go = uncomment(raw);
    for (const mapName of ['metricMapGauges', 'metricMapCounters']) {
      for (const m of go.matchAll(new RegExp(`\\b${mapName}:\\s*map\\[string\\]string\\s*\\{`, 'g'))) {
        for (const pair of block(go, m.index).matchAll(/"[^"]+"\s*:\s*"([a-zA-Z0-9_]+)"/g)) add(pair[1]!);
      }
      for (const m of go.matchAll(new RegExp(`\\b${mapName}\\["[^"]+"\\]\\s*=\\s*"([a-zA-Z0-9_]+)"`, 'g'))) add(m[1]!);
    }
    // The description map: `"name": {txt: "...", lbls: []string{...}},`.
    for (const m of go.matchAll(/^\s*"([a-z0-9_]+)"\s*:\s*\{\s*txt\s*:/gm)) add(m[1]!);
    for (const m of go.matchAll(/\bregisterConst(?:MetricGauge|Metric|Summary|Histogram)\(\s*\w+\s*,\s*"([a-z0-9_]+)"/g)) add(m[1]!);
    for (const m of go.matchAll(/\bName:\s*"([a-z0-9_]+)"/g)) add(m[1]!);
    // A rename to a literal (`fieldKey = "master_last_io_seconds_ago"`), not a prefix (`"tile38_" + fieldKey`).
    for (const m of go.matchAll(/\b(?:metricName|fieldKey)\s*=\s*"([a-z0-9_]+)"\s*$/gm)) add(m[1]!);
    for (const m of go.matchAll(/fmt\.Sprintf\("config_%s",\s*strKey\)/g)) {
      const before = go.slice(0, m.index);
      const keys = [...before.matchAll(/map\[string\]bool\{([^}]*)\}\[strKey\]/g)].at(-1);
      if (!keys) throw new Error(`${file}: fmt.Sprintf("config_%s", strKey) without a map[string]bool{...}[strKey] of CONFIG keys before it`);
      for (const k of keys[1]!.matchAll(/"([a-z0-9-]+)"\s*:\s*true/g)) add(`config_${k[1]!}`);
    }
    const include = /func \(e \*Exporter\) includeMetric\(s string\) bool \{/.exec(go);
    if (include) for (const p of block(go, include.index).matchAll(/strings\.HasPrefix\(s,\s*"([^"]+)"\)/g)) prefixes.add(p[1]!);
  }
  if (bare.size === 0) throw new Error('no metric name found: is this the exporter/ folder of redis_exporter?');
  const full = (n: string) => `${EXPORTER_NAMESPACE}_${n}`;
  return {
    names: [...bare].map(full).sort(),
    families: [...prefixes]
      .filter((p) => {
        if (FAMILY_FROM[p]) return true;
        if (HANDLED_PREFIXES.has(p)) return false;
        throw new Error(`includeMetric passes the prefix "${p}", which this extractor does not know: describe it in FAMILY_FROM`);
      })
      .sort()
      .map((p) => ({ prefix: full(p), from: FAMILY_FROM[p]! })),
  };
}
