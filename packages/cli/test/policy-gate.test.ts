/**
 * A pull request that would ship Redis without memory limits, network isolation or backups, on a
 * floating image or with an inline password, must fail with a message that says what to fix.
 * Spec-level mistakes are caught as bad input (exit 2) or policy violations (exit 1); mistakes
 * that can only appear in rendered objects (a chart bug, a hand edit) are caught by the policies,
 * shown here on deliberately broken variants of the real production render.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { RenderedObject } from '@redis-gitops/manifests';
import { MAXMEMORY_LIMIT_RATIO } from '@redis-gitops/policy';
import { environmentSchema } from '@redis-gitops/spec';
import { loadPolicySet } from '../src/io/policies.ts';
import { loadWorkspace } from '../src/io/workspace.ts';
import { checkPolicies, plan, renderPlans, type EnvironmentRender, type Plan } from '../src/pipeline.ts';
import { makeFixture, type Fixture } from './workspace-fixture.ts';

type Obj = Record<string, any>;
const PROD = 'environments/prod-x86/environment.yaml';

let fx: Fixture;
let base: { plan: Plan; render: EnvironmentRender };
beforeAll(async () => {
  fx = makeFixture();
  const ws = loadWorkspace(fx.root, ['prod-x86']);
  const plans = plan(ws);
  const [render] = await renderPlans(fx.root, plans, { concurrency: 2, check: false });
  base = { plan: plans[0]!, render: render! };
});
afterAll(() => fx.cleanup());

/**
 * Policy findings for the production render after `mutate` broke it. The objects are copied with
 * JSON (not structuredClone, whose arrays come from another realm under jest's VM and which the CEL
 * library then refuses).
 */
function violations(mutate: (objects: RenderedObject[]) => RenderedObject[]): string[] {
  const policies = loadPolicySet(fx.root);
  const objects = mutate(base.render.charts.flatMap((c) => c.objects).map((o) => ({ ...o, object: JSON.parse(JSON.stringify(o.object)) as Obj })));
  const render: EnvironmentRender = { environment: 'prod-x86', charts: [{ ...base.render.charts[0]!, objects }] };
  const all = checkPolicies(policies, base.plan, render);
  return all.filter((f) => f.severity === 'error').map((f) => f.message);
}

const redisContainer = (objects: RenderedObject[]): Obj => (objects.find((o) => o.kind === 'StatefulSet')!.object as Obj).spec.template.spec.containers.find((c: Obj) => c.name === 'redis');

describe('production policy gate', () => {
  it('passes the real production render', () => {
    expect(violations((o) => o)).toEqual([]);
  });

  it('rejects a Redis container without a memory limit', () => {
    const found = violations((objects) => {
      delete redisContainer(objects).resources.limits.memory;
      return objects;
    });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/container "redis" in StatefulSet redis-prod\/prod-x86-redis-cluster .*memory limit/)]));
  });

  it('rejects Redis pods that no NetworkPolicy selects', () => {
    const found = violations((objects) => objects.filter((o) => o.kind !== 'NetworkPolicy'));
    expect(found.join('\n')).toMatch(/NetworkPolicy/);
    expect(found.join('\n')).toMatch(/prod-x86-redis-cluster/);
  });

  it('rejects a production StatefulSet without its backup CronJob', () => {
    const found = violations((objects) => objects.filter((o) => o.kind !== 'CronJob'));
    expect(found.join('\n')).toMatch(/backup CronJob/);
  });

  it('rejects an image on latest', () => {
    const found = violations((objects) => {
      redisContainer(objects).image = 'redis:latest';
      return objects;
    });
    expect(found.join('\n')).toMatch(/container "redis" in StatefulSet redis-prod\/prod-x86-redis-cluster.*redis:latest/);
  });

  it('rejects an inline password', () => {
    const found = violations((objects) => {
      const env = redisContainer(objects).env as Obj[];
      const pw = env.find((e) => e.name === 'REDIS_PASSWORD')!;
      delete pw.valueFrom;
      pw.value = 'hunter2';
      return objects;
    });
    expect(found.join('\n')).toMatch(/REDIS_PASSWORD/);
    expect(found.join('\n')).not.toMatch(/hunter2/);
  });
});

describe('the same mistakes in the spec', () => {
  const edit = (change: (t: string) => string) => {
    const before = readFileSync(fx.file(PROD), 'utf8');
    writeFileSync(fx.file(PROD), change(before));
    return () => writeFileSync(fx.file(PROD), before);
  };

  it('backups switched off in production: validate exits 1 naming the missing CronJob', async () => {
    const undo = edit((t) => t.replace('  backup:\n', '  backup:\n    enabled: false\n'));
    try {
      await fx.run('generate', '--env', 'prod-x86');
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ .*names no backup CronJob/);
    } finally {
      undo();
      await fx.run('generate', '--env', 'prod-x86');
    }
  });

  it('a maxmemory ratio the headroom policy refuses is bad input at its line (exit 2), and the spec, chart and policy limits agree', async () => {
    const specMax = (environmentSchema as Obj).properties.spec.properties.redis.properties.maxmemoryRatio.maximum;
    const chartMax = (JSON.parse(readFileSync(fx.file('charts/redis-cluster/values.schema.json'), 'utf8')) as Obj).properties.redis.properties.maxmemoryRatio.maximum;
    expect({ specMax, chartMax }).toEqual({ specMax: MAXMEMORY_LIMIT_RATIO, chartMax: MAXMEMORY_LIMIT_RATIO });
    const undo = edit((t) => t.replace(/^(\s*)version: 7\.4\.2$/m, '$1version: 7.4.2\n$1maxmemoryRatio: 0.85'));
    try {
      const line =
        readFileSync(fx.file(PROD), 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('maxmemoryRatio: 0.85')) + 1;
      expect(line).toBeGreaterThan(0);
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${PROD}:${line}:`);
      expect(r.stderr).toMatch(/spec\.redis\.maxmemoryRatio: must be <= 0\.8/);
    } finally {
      undo();
    }
  });

  it('an inline password or a floating version is bad input (exit 2) with a hint', async () => {
    const undo = edit((t) => t.replace('    passwordKey: password', '    passwordKey: password\n    password: hunter2').replace('version: 7.4.2', 'version: latest'));
    try {
      const r = await fx.run('validate', '--env', 'prod-x86');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/spec\.auth\.password: unknown field "password" — passwords never go in git/);
      expect(r.stderr).toMatch(/spec\.redis\.version: must look like "[^"]+".* \(got "latest"\)/);
    } finally {
      undo();
    }
  });
});
