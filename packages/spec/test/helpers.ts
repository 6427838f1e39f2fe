import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import { parseClusters, parseEnvironment, type ParsedEnvironment } from '../src/index.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLUSTERS = parseClusters(readFileSync(path.join(ROOT, 'environments/clusters.yaml'), 'utf8'), 'environments/clusters.yaml');
export const FILE = 'environments/test-env/environment.yaml';

/** A valid minimal spec; tests change one thing at a time. */
export const VALID = `apiVersion: redis-gitops.dev/v1alpha1
kind: RedisEnvironment
metadata:
  name: test-env
spec:
  cluster: x86-dev
  namespace: redis-test
  tier: dev
  topology:
    shards: 3
  auth:
    existingSecret: redis-auth
`;

export function parse(text: string, file = FILE): ParsedEnvironment {
  return parseEnvironment(text, file, CLUSTERS);
}

/** The diagnostics parsing `text` throws; fails the test when it parses cleanly. */
export function problems(text: string, file = FILE): Diagnostic[] {
  try {
    parse(text, file);
  } catch (e) {
    if (e instanceof InputError) return [...e.diagnostics];
    throw e;
  }
  throw new Error('expected the spec to be rejected, but it parsed');
}

/** 1-based line and column of the first occurrence of `marker` in `text` (plus `offset` characters). */
export function positionIn(text: string, marker: string, offset = 0): { line: number; col: number } {
  const i = text.indexOf(marker);
  if (i < 0) throw new Error(`marker ${JSON.stringify(marker)} not in the text`);
  const before = text.slice(0, i + offset);
  return { line: before.split('\n').length, col: before.length - before.lastIndexOf('\n') };
}
