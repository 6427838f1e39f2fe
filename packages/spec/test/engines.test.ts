import { describe, expect, it } from '@jest/globals';
import { checkTestedVersion, ENGINE_DEFAULTS, versionLine } from '../src/index.ts';
import { parse, positionIn, VALID } from './helpers.ts';

const withSpec = (lines: string) => VALID.replace(/^spec:\n/m, `spec:\n${lines}`);

describe('spec.engine and the tested version lines', () => {
  it('resolves the engine and its pinned default image and version', () => {
    expect(parse(VALID).resolved).toMatchObject({ engine: 'redis', redis: { image: 'redis', version: ENGINE_DEFAULTS.redis.version } });
    expect(parse(withSpec('  engine: valkey\n')).resolved).toMatchObject({ engine: 'valkey', redis: { image: 'valkey/valkey', version: ENGINE_DEFAULTS.valkey.version } });
    // An explicit image and version win.
    expect(parse(withSpec('  engine: valkey\n  redis:\n    version: 8.0.6\n    image: mirror.local/valkey\n')).resolved.redis).toMatchObject({ image: 'mirror.local/valkey', version: '8.0.6' });
  });

  it('warns about a line the suite never ran, at the field to change, and not about a patch of a tested line', () => {
    const [byDefault, ...none] = checkTestedVersion(parse(VALID));
    expect(none).toEqual([]);
    expect(byDefault).toMatchObject({ severity: 'warning', rule: 'untested-version', path: 'spec.redis.version', ...positionIn(VALID, 'spec:') });
    expect(byDefault!.message).toMatch(/^redis 7\.4\.2 \(the default\) is a 7\.4 line the behaviour suite never ran: it ran Debian's redis-server 7\.0\.15/);
    expect(byDefault!.hint).toMatch(/engine: valkey \(its default, 8\.0\.1, is the line the suite runs\)/);
    const pinned = withSpec('  redis:\n    version: 7.2.7\n');
    expect(checkTestedVersion(parse(pinned))[0]).toMatchObject({ path: 'spec.redis.version', ...positionIn(pinned, 'version: 7.2.7') });
    expect(checkTestedVersion(parse(withSpec('  redis:\n    version: 7.0.15\n')))).toEqual([]);
    expect(checkTestedVersion(parse(withSpec('  engine: valkey\n')))).toEqual([]);
    expect(checkTestedVersion(parse(withSpec('  engine: valkey\n  redis:\n    version: 8.0.6\n')))).toEqual([]);
    const newer = withSpec('  engine: valkey\n  redis:\n    version: 8.1.1\n');
    expect(checkTestedVersion(parse(newer))[0]!.message).toMatch(/^valkey 8\.1\.1 is a 8\.1 line the behaviour suite never ran/);
  });

  it('reads the major.minor of a version', () => {
    expect([versionLine('7.4.2'), versionLine('8.0.1-alpine'), versionLine('latest')]).toEqual(['7.4', '8.0', '']);
  });
});
