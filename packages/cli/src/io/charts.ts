/**
 * Reads a chart's metadata, default values and values schema from charts/<name>/. Cached, keyed by
 * the files' modification times, so a long-lived process (tests, watch) never sees stale content.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

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
  const meta = YAML.parse(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as { version: string };
  const info: ChartInfo = {
    name,
    dir,
    version: meta.version,
    defaults: YAML.parse(readFileSync(path.join(dir, 'values.yaml'), 'utf8')),
    schema: JSON.parse(readFileSync(path.join(dir, 'values.schema.json'), 'utf8')) as object,
  };
  cache.set(key, info);
  return info;
}

/** The charts of the workspace at root: every charts/<name>/ with a Chart.yaml, sorted. */
export function listCharts(root: string): string[] {
  const dir = path.join(root, 'charts');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((c) => existsSync(path.join(dir, c, 'Chart.yaml')))
        .sort()
    : [];
}
