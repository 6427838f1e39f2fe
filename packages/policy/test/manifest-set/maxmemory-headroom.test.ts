import { checkManifestSet, maxmemoryOf, parseRedisMemory } from '../../src/index.ts';
import { objects } from '../helpers.ts';
import { docs, redisConfig, redisStatefulSet } from './fixtures.ts';

const ctx = { tier: 'production' as const, namespace: 'redis-prod' };
const rule = (yaml: string) => checkManifestSet(objects(yaml), ctx).filter((f) => f.code === 'maxmemory-headroom');

describe('manifest set: maxmemory headroom', () => {
  it('reads Redis memory units', () => {
    expect([parseRedisMemory('1610612736'), parseRedisMemory('100mb'), parseRedisMemory('1g'), parseRedisMemory('2GB'), parseRedisMemory('1k'), parseRedisMemory('2Gi')]).toEqual([
      1610612736,
      100 * 1024 ** 2,
      1e9,
      2 * 1024 ** 3,
      1000,
      undefined,
    ]);
    expect(maxmemoryOf('maxmemory 1gb\n# maxmemory 5gb\nmaxmemory-policy noeviction\nmaxmemory 2gb\n')).toBe('2gb');
  });

  it('passes maxmemory at 75% of the limit (what the chart renders)', () => {
    expect(rule(docs(redisStatefulSet({ memory: '2Gi' }), redisConfig('maxmemory 1610612736\nmaxmemory-policy noeviction')))).toEqual([]);
  });

  it('reports maxmemory above 80% of the limit, naming both objects', () => {
    const [f] = rule(docs(redisStatefulSet({ memory: '2Gi' }), redisConfig('maxmemory 2gb')));
    expect(f).toMatchObject({
      severity: 'error',
      kind: 'StatefulSet',
      name: 'prod-redis-cluster',
      path: 'data.redis.conf',
      message:
        'StatefulSet redis-prod/prod-redis-cluster sets maxmemory 2gb (2.00 GiB, 100% of the 2Gi memory limit) in ConfigMap redis-prod/prod-redis-cluster-config (redis.conf): more than 80% leaves no room for fork and buffers',
      hint: 'set maxmemory to at most 80% of the memory limit (1717986918 bytes for 2Gi); the charts derive it from spec.redis.maxmemoryRatio',
    });
  });

  it('reports Redis without maxmemory', () => {
    const [f] = rule(docs(redisStatefulSet(), redisConfig('appendonly yes')));
    expect(f!.message).toBe(
      'StatefulSet redis-prod/prod-redis-cluster runs Redis without maxmemory (ConfigMap redis-prod/prod-redis-cluster-config (redis.conf)), so it grows until the kernel OOM-kills it at the 2Gi limit',
    );
  });

  it('a --maxmemory argument wins over the file', () => {
    const sts = redisStatefulSet({ args: ['--maxmemory', '1900mb'] });
    const [f] = rule(docs(sts, redisConfig('maxmemory 100mb')));
    expect(f!.message).toContain('sets maxmemory 1900mb (1.86 GiB, 93% of the 2Gi memory limit) in the --maxmemory argument of container "redis"');
  });

  it('skips sentinels, which mount the same redis.conf but ignore maxmemory', () => {
    const sentinel = redisStatefulSet({ component: 'sentinel', memory: '64Mi' }).replace('- name: redis', '- name: sentinel');
    expect(rule(docs(sentinel, redisConfig('maxmemory 1610612736')))).toEqual([]);
  });

  it('skips pods without a memory limit or without a mounted redis.conf', () => {
    expect(rule(redisStatefulSet())).toEqual([]);
    expect(rule(docs(redisStatefulSet().replace('limits: {memory: 2Gi}', 'limits: {}'), redisConfig('maxmemory 5gb')))).toEqual([]);
  });
});
