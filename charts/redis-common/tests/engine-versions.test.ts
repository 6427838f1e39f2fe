/**
 * The versions the docs, `validate` and the chart defaults claim the behaviour suite runs
 * (packages/spec TESTED_LINES, ENGINE_DEFAULTS) are the versions the installed binaries report:
 * Debian's Redis (the machine's) and Valkey (.tools/valkey, tools/setup.sh). A setup that installs
 * another version fails here, before any claim goes stale. Never skipped: a missing binary fails,
 * naming tools/setup.sh.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { redisBinary, valkeyBinary } from '@redis-gitops/redis-testkit';
import { ENGINE_DEFAULTS, TESTED_LINES, versionLine } from '@redis-gitops/spec';

const versionOf = (binary: string) => /v=(\S+)/.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1] ?? '';

describe('the tested engine versions are the installed ones', () => {
  it.each([
    ['redis', () => redisBinary('redis-server')],
    ['valkey', () => valkeyBinary('redis-server')],
  ] as const)('%s: the suite runs the line TESTED_LINES names, and its text names the exact version', (engine, binary) => {
    const version = versionOf(binary());
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versionLine(version)).toBe(TESTED_LINES[engine].line);
    expect(TESTED_LINES[engine].ran).toContain(version);
  });

  it('the Valkey default image is the tested line; the Redis default is newer than the tested line (the documented trade-off)', () => {
    expect(versionLine(ENGINE_DEFAULTS.valkey.version)).toBe(TESTED_LINES.valkey.line);
    expect(versionOf(valkeyBinary('redis-server'))).toBe(ENGINE_DEFAULTS.valkey.version);
    expect(versionLine(ENGINE_DEFAULTS.redis.version)).not.toBe(TESTED_LINES.redis.line);
  });
});
