/**
 * The generated RUNBOOK.md must point at objects that really exist: every label selector it uses
 * selects pods of the rendered environment, and every container it execs into exists in them.
 */
import { readFileSync } from 'node:fs';
import type { RenderedObject } from '@redis-gitops/manifests';
import { labelSelectorFromString, matchesLabelSelector } from '@redis-gitops/policy';
import { makeFixture, type Fixture } from './workspace-fixture.ts';
import { findRoot, loadWorkspace } from '../src/io/workspace.ts';
import { plan, renderPlans } from '../src/pipeline.ts';

let fx: Fixture;
beforeAll(() => (fx = makeFixture()));
afterAll(() => fx.cleanup());

type Obj = Record<string, any>;

function podTemplates(objects: readonly RenderedObject[]): Obj[] {
  return objects.flatMap((o) => {
    const obj = o.object as Obj;
    if (o.kind === 'StatefulSet') return [obj.spec.template];
    if (o.kind === 'CronJob') return [obj.spec.jobTemplate.spec.template];
    return [];
  });
}

function selects(selector: string, labels: Record<string, string>): boolean {
  return matchesLabelSelector(labelSelectorFromString(selector), labels);
}

describe.each(['prod-x86', 'sessions-sentinel'])('RUNBOOK.md of %s', (env) => {
  it('uses selectors and containers that exist in the rendered objects', async () => {
    process.env.REDIS_GITOPS_ROOT = fx.root;
    try {
      const root = findRoot();
      const plans = plan(loadWorkspace(root, [env]));
      const [render] = await renderPlans(root, plans, { concurrency: 2, check: false });
      const pods = podTemplates(render!.charts.flatMap((c) => c.objects));
      const runbook = plans[0]!.generated.files.find((f) => f.path.endsWith('RUNBOOK.md'))!.content;
      expect(runbook).toBe(readFileSync(fx.file(`environments/${env}/generated/RUNBOOK.md`), 'utf8'));
      const selectors = new Set<string>();
      for (const m of runbook.matchAll(/(?:SEL=|-l )'?"?(app\.kubernetes\.io\/instance=[^'"\s]+)/g)) selectors.add(m[1]!);
      expect(selectors.size).toBeGreaterThanOrEqual(1);
      for (const sel of selectors) {
        if (sel.includes('component=backup') && !runbook.includes('Backups run')) continue;
        const matched = pods.filter((p) => selects(sel, p.metadata.labels));
        expect({ sel, matched: matched.length > 0 }).toEqual({ sel, matched: true });
      }
      for (const m of runbook.matchAll(/exec "\$(\w+)" -c (\w+)/g)) {
        const container = m[2]!;
        expect({ container, exists: pods.some((p) => p.spec.containers.some((c: Obj) => c.name === container)) }).toEqual({ container, exists: true });
      }
    } finally {
      delete process.env.REDIS_GITOPS_ROOT;
    }
  });
});
