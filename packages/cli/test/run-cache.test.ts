/**
 * The CLI's cache (io/cache-dir.ts): compiled JSON-schema validators and parsed chart YAML kept
 * between runs. The real bin in a real process, against a copy of the workspace: a run from the
 * cache says exactly what a run without it says, an edited schema gets a validator of its own, and
 * a damaged cache entry is ignored.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeFixture, REPO, type Fixture } from './workspace-fixture.ts';

const BIN = path.join(REPO, 'packages', 'cli', 'bin', 'redis-gitops.js');
let fx: Fixture;
let cache: string;

/** One CLI process: exit code and output, the timing figures of the report taken out. */
function cli(cacheSetting: string, ...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...argv], {
    env: { ...process.env, REDIS_GITOPS_ROOT: fx.root, REDIS_GITOPS_CACHE: cacheSetting, FORCE_COLOR: '0', NO_COLOR: '1' },
    encoding: 'utf8',
  });
  const untimed = (s: string) => s.replace(/\d+(\.\d+)?m?s\b/g, '<t>');
  return { code: r.status, stdout: untimed(r.stdout), stderr: untimed(r.stderr) };
}
const files = (sub: string) => {
  try {
    return readdirSync(path.join(cache, sub)).sort();
  } catch {
    return [];
  }
};

beforeAll(() => {
  fx = makeFixture();
  cache = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-cache-'));
});
afterAll(() => {
  fx?.cleanup();
  rmSync(cache, { recursive: true, force: true });
});

describe('the CLI cache between runs', () => {
  it('validates from the cache exactly as without it, and fills it on the first run', () => {
    const off = cli('off', 'validate', '--env', 'dev-x86');
    const first = cli(cache, 'validate', '--env', 'dev-x86');
    expect(files('validators').length).toBeGreaterThanOrEqual(3); // environment, clusters and the charts dev-x86 uses
    expect(files('yaml').length).toBeGreaterThanOrEqual(3);
    expect(readFileSync(path.join(cache, 'helm-version.json'), 'utf8')).toMatch(/"version":"v4\./);
    const second = cli(cache, 'validate', '--env', 'dev-x86');
    expect(off.code).toBe(0);
    expect(first).toEqual(off);
    expect(second).toEqual(off);
  });

  it('reports a schema error the same from a cached validator as from a freshly compiled one', () => {
    const file = path.join(fx.root, 'environments', 'dev-x86', 'environment.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('replicasPerShard: 1', 'replicasPerShard: "two"'));
    try {
      const off = cli('off', 'validate', '--env', 'dev-x86');
      const cached = cli(cache, 'validate', '--env', 'dev-x86');
      expect(off.code).toBe(2);
      expect(off.stderr).toMatch(/environment\.yaml:\d+:\d+.*replicasPerShard/);
      expect(cached).toEqual(off);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('compiles an edited schema afresh (a new entry), and ignores a damaged entry', () => {
    const before = files('validators');
    const schemaFile = path.join(fx.root, 'charts', 'redis-netpol', 'values.schema.json');
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { description?: string };
    writeFileSync(schemaFile, JSON.stringify({ ...schema, description: 'edited in a test' }, null, 2));
    const edited = cli(cache, 'validate', '--env', 'dev-x86');
    expect(edited.code).toBe(0);
    const after = files('validators');
    expect(after.filter((f) => !before.includes(f))).toHaveLength(1);

    for (const f of after) writeFileSync(path.join(cache, 'validators', f), 'module.exports = {'); // not even JavaScript
    for (const f of files('yaml')) writeFileSync(path.join(cache, 'yaml', f), '{"truncated":');
    const damaged = cli(cache, 'validate', '--env', 'dev-x86');
    expect(damaged).toEqual(edited);
  });
});
