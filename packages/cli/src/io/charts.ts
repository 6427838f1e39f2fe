/** Reads a chart's metadata, default values and values schema from charts/<name>/ (cached per process). */
import { readFileSync } from 'node:fs';
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
  const hit = cache.get(dir);
  if (hit) return hit;
  const meta = YAML.parse(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as { version: string };
  const info: ChartInfo = {
    name,
    dir,
    version: meta.version,
    defaults: YAML.parse(readFileSync(path.join(dir, 'values.yaml'), 'utf8')),
    schema: JSON.parse(readFileSync(path.join(dir, 'values.schema.json'), 'utf8')) as object,
  };
  cache.set(dir, info);
  return info;
}
