/**
 * The two servers an environment can run, their pinned default images, and the version lines the
 * behaviour suite runs (tools/setup.sh installs them: Debian's Redis 7.0 and Valkey 8.0). The chart
 * default images (charts/redis-common/templates/_images.tpl) and the testkit's binaries are checked
 * against these by tests. Pure.
 */
import type { ParsedEnvironment } from './environment.ts';
import type { TierFinding } from './tier-safety.ts';
import type { Engine } from './types.ts';
import { formatPath, type PathSegment } from './yaml-source.ts';

/** The official multi-arch image and the pinned version of each engine, when the spec names none. */
export const ENGINE_DEFAULTS: Readonly<Record<Engine, { readonly image: string; readonly version: string }>> = {
  redis: { image: 'redis', version: '7.4.2' },
  valkey: { image: 'valkey/valkey', version: '8.0.1' },
};

/**
 * The major.minor line of each engine that every behaviour suite runs on real processes, and what
 * exactly ran. Redis: the Redis 7.4 image is the default for its security fixes, but only Debian's
 * Redis 7.0 runs here; Valkey: the default image is the tested line.
 */
export const TESTED_LINES: Readonly<Record<Engine, { readonly line: string; readonly ran: string }>> = {
  redis: { line: '7.0', ran: "Debian's redis-server 7.0.15" },
  valkey: { line: '8.0', ran: "Debian's valkey-server 8.0.1 (bookworm-backports)" },
};

/** The major.minor of a version such as `7.4.2` or `8.0.1-alpine`; "" when it has none. */
export function versionLine(version: string): string {
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m ? `${m[1]}.${m[2]}` : '';
}

/** A finding of the spec, shaped as the tier rules' (file position, field, message, hint). */
export type EngineFinding = Omit<TierFinding, 'severity' | 'rule'> & { readonly severity: 'warning'; readonly rule: 'untested-version' };

/**
 * A warning when the environment runs a major.minor line the behaviour suite never ran (a patch
 * release of a tested line is fine: patches carry the security fixes). It points at
 * spec.redis.version, or at spec.engine (or spec) when the version is the engine's default.
 */
export function checkTestedVersion(env: ParsedEnvironment): EngineFinding[] {
  const { engine, redis } = env.resolved;
  const tested = TESTED_LINES[engine];
  const line = versionLine(redis.version);
  if (line === tested.line) return [];
  const explicit = env.spec.spec.redis?.version !== undefined;
  const at: PathSegment[] = explicit ? ['spec', 'redis', 'version'] : env.spec.spec.engine !== undefined ? ['spec', 'engine'] : ['spec'];
  const pos = env.source.keyPositionOf(at);
  const other = (Object.keys(TESTED_LINES) as Engine[]).filter((e) => e !== engine && versionLine(ENGINE_DEFAULTS[e].version) === TESTED_LINES[e].line);
  return [
    {
      severity: 'warning',
      rule: 'untested-version',
      file: env.file,
      line: pos.line,
      col: pos.col,
      path: formatPath(explicit ? at : ['spec', 'redis', 'version']),
      message: `${engine} ${redis.version}${explicit ? '' : ' (the default)'} is a ${line || 'non-numbered'} line the behaviour suite never ran: it ran ${tested.ran}, so failover, restarts and backups are proven on ${engine} ${tested.line} only`,
      hint: `run a ${engine} ${tested.line}.x version${other.length ? `, or engine: ${other.join(', ')} (its default, ${ENGINE_DEFAULTS[other[0]!].version}, is the line the suite runs)` : ''}; or accept the risk knowingly`,
    },
  ];
}
