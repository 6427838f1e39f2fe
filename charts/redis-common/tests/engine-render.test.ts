/**
 * The engine value (redis | valkey) of both Redis charts, rendered by the real helm: the server
 * image follows the engine unless one is given, every container that runs a chart script gets
 * Valkey's binary names with valkey (and nothing with redis, so no existing release rolls), and the
 * charts' pinned defaults are the spec's (packages/spec ENGINE_DEFAULTS), one source of truth.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { renderChart } from '@redis-gitops/redis-testkit';
import { ENGINE_DEFAULTS } from '@redis-gitops/spec';

const CHARTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARIES = ['REDIS_SERVER', 'REDIS_CLI', 'REDIS_SENTINEL', 'REDIS_CHECK_RDB'];

type Obj = Record<string, any>;

/** Every container (init ones too) of every workload, with the workload's kind/name. */
function containers(objs: Awaited<ReturnType<typeof renderChart>>): Array<{ at: string; c: Obj }> {
  return objs.flatMap((o) => {
    const obj = o.object as Obj;
    const pod = o.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : ['StatefulSet', 'Deployment', 'Job'].includes(o.kind) ? obj.spec.template.spec : undefined;
    if (!pod) return [];
    return [...(pod.initContainers ?? []), ...pod.containers].map((c: Obj) => ({ at: `${o.kind}/${o.name} ${c.name}`, c }));
  });
}
const engineEnv = (c: Obj) => Object.fromEntries((c.env ?? []).filter((e: Obj) => BINARIES.includes(e.name)).map((e: Obj) => [e.name, e.value]));

describe.each(['cluster', 'sentinel'] as const)('redis-%s engine value', (mode) => {
  const chart = path.join(CHARTS, `redis-${mode}`);
  const render = (args: string[]) => renderChart(chart, { release: 'rc', namespace: 'redis', args: ['--set', 'backup.enabled=true', '--set', 'backup.drill.enabled=true', ...args] });
  const scripted = (objs: Awaited<ReturnType<typeof renderChart>>) =>
    containers(objs).filter(({ c }) => String(c.command?.[0] ?? '').startsWith('/scripts/') && c.name !== 'upload' && c.name !== 'fetch');

  it('engine redis (the default): the pinned redis image, and no engine env anywhere (an upgrade rolls nothing)', async () => {
    const objs = await render([]);
    const servers = scripted(objs);
    expect(servers.length).toBeGreaterThanOrEqual(3);
    for (const { at, c } of servers) {
      expect({ at, image: c.image }).toEqual({ at, image: `${ENGINE_DEFAULTS.redis.image}:${ENGINE_DEFAULTS.redis.version}` });
      expect({ at, env: engineEnv(c) }).toEqual({ at, env: {} });
    }
  });

  it("engine valkey: the pinned valkey/valkey image, and Valkey's binary names in every container that runs a chart script", async () => {
    const objs = await render(['--set', 'engine=valkey']);
    const servers = scripted(objs);
    expect(servers.map(({ c }) => c.name)).toEqual(expect.arrayContaining(mode === 'cluster' ? ['redis', 'backup', 'drill'] : ['redis', 'sentinel', 'backup', 'drill']));
    for (const { at, c } of servers) {
      expect({ at, image: c.image }).toEqual({ at, image: `${ENGINE_DEFAULTS.valkey.image}:${ENGINE_DEFAULTS.valkey.version}` });
      expect({ at, env: engineEnv(c) }).toEqual({ at, env: { REDIS_SERVER: 'valkey-server', REDIS_CLI: 'valkey-cli', REDIS_SENTINEL: 'valkey-sentinel', REDIS_CHECK_RDB: 'valkey-check-rdb' } });
    }
    // The exporter sidecar keeps its own image.
    expect(containers(objs).find(({ c }) => c.name === 'metrics')?.c.image).toMatch(/^oliver006\/redis_exporter:/);
  });

  it('an explicit image wins over the engine default (a mirror, a newer patch release); the tag alone keeps the engine repository', async () => {
    const mirror = scripted(await render(['--set', 'engine=valkey', '--set', 'image.repository=registry.local:5000/valkey/valkey', '--set', 'image.tag=8.0.6']));
    for (const { at, c } of mirror) expect({ at, image: c.image }).toEqual({ at, image: 'registry.local:5000/valkey/valkey:8.0.6' });
    const patch = scripted(await render(['--set', 'engine=valkey', '--set', 'image.tag=8.0.6']));
    for (const { at, c } of patch) expect({ at, image: c.image }).toEqual({ at, image: 'valkey/valkey:8.0.6' });
  });
});
