/**
 * Reads a chart's metadata, default values and values schema from charts/<name>/. Cached, keyed by
 * the files' modification times, so a long-lived process (tests, watch) never sees stale content;
 * the YAML parses are also kept between runs, keyed by content (io/yaml-cache.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseYamlCached } from './yaml-cache.ts';

export interface ChartInfo {
  readonly name: string;
  readonly dir: string;
  readonly version: string;
  readonly defaults: unknown;
  readonly schema: object;
}

const cache = new Map<string, ChartInfo>();

export function loadChart(root: string, name: string): ChartInfo {
  const dir = path.join(root, 'charts', name);
  const files = ['Chart.yaml', 'values.yaml', 'values.schema.json'].map((f) => path.join(dir, f));
  const key = `${dir}|${files.map((f) => statSync(f).mtimeMs).join('|')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const meta = parseYamlCached(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as { version: string };
  const info: ChartInfo = {
    name,
    dir,
    version: meta.version,
    defaults: parseYamlCached(readFileSync(path.join(dir, 'values.yaml'), 'utf8')),
    schema: JSON.parse(readFileSync(path.join(dir, 'values.schema.json'), 'utf8')) as object,
  };
  cache.set(key, info);
  return info;
}

/** What helm calls the chart's type: an application renders objects, a library only shares named templates. */
export type ChartType = 'application' | 'library';

/** The chart's `type` from its Chart.yaml (helm's default is application). */
export function chartType(root: string, name: string): ChartType {
  const meta = parseYamlCached(readFileSync(path.join(root, 'charts', name, 'Chart.yaml'), 'utf8')) as { type?: string } | null;
  return meta?.type === 'library' ? 'library' : 'application';
}

/**
 * The charts of the workspace at root: every charts/<name>/ with a Chart.yaml, sorted. By default
 * the application charts only (the ones helm can render, publish and Argo CD deploys); the library
 * chart (redis-common) travels inside each of them. `{ type: 'all' }` lists the library too.
 */
export function listCharts(root: string, opts: { type?: ChartType | 'all' } = {}): string[] {
  const dir = path.join(root, 'charts');
  const want = opts.type ?? 'application';
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((c) => existsSync(path.join(dir, c, 'Chart.yaml')))
        .filter((c) => want === 'all' || chartType(root, c) === want)
        .sort()
    : [];
}
