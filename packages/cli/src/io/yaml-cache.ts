/**
 * YAML files the CLI reads on every run and that hold plain data (charts' Chart.yaml and
 * values.yaml), parsed once per content: the parsed value is kept as JSON in the CLI's cache
 * (io/cache-dir.ts), keyed by a digest of the text, and JSON.parse is an order of magnitude faster
 * than a YAML parse of the same values.yaml. A value JSON cannot carry exactly (NaN, Infinity,
 * `undefined`...) is never cached; a missing or unreadable entry is parsed again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import YAML from 'yaml';
import { cacheDir, writeCacheEntry } from './cache-dir.ts';

let dir: string | undefined | null = null;

/** YAML.parse(text), through the cache. Parse errors are YAML's own (nothing is cached for them). */
export function parseYamlCached(text: string): unknown {
  if (dir === null) dir = cacheDir() && path.join(cacheDir()!, 'yaml');
  if (!dir) return YAML.parse(text);
  const file = path.join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 32)}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    // not cached yet
  }
  const value = YAML.parse(text) as unknown;
  const json = JSON.stringify(value);
  if (json !== undefined && isDeepStrictEqual(JSON.parse(json), value)) writeCacheEntry(file, json);
  return value;
}
