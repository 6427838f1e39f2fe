/**
 * The generated RUNBOOK.md must point at objects that really exist: every label selector it uses
 * selects pods of the rendered environment, and every container it execs into exists in them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RenderedObject } from '@redis-gitops/manifests';
import { labelSelectorFromString, matchesLabelSelector } from '@redis-gitops/policy';
import { makeFixture, REPO, type Fixture } from './workspace-fixture.ts';
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

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes; repeats get -1, -2, ... */
function anchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const ENVIRONMENTS = readdirSync(path.join(REPO, 'environments')).filter((e) => statSync(path.join(REPO, 'environments', e)).isDirectory());

describe.each(ENVIRONMENTS)('RUNBOOK.md of %s and its alerts', (env) => {
  it('has a section (#<alert name in lower case>) for every alert the rendered PrometheusRule contains', async () => {
    process.env.REDIS_GITOPS_ROOT = fx.root;
    try {
      const root = findRoot();
      const plans = plan(loadWorkspace(root, [env]));
      const [render] = await renderPlans(root, plans, { concurrency: 2, check: false });
      const rules = render!.charts.flatMap((c) => c.objects).filter((o) => o.kind === 'PrometheusRule');
      const alerts = rules.flatMap((o) => (o.object as Obj).spec.groups.flatMap((g: Obj) => g.rules.map((r: Obj) => r.alert as string)));
      const runbook = readFileSync(fx.file(`environments/${env}/generated/RUNBOOK.md`), 'utf8');
      const found = new Set(anchors(runbook));
      if (rules.length === 0) return; // alerts off for this environment
      expect(alerts.length).toBeGreaterThan(5);
      expect(alerts.filter((a) => !found.has(a.toLowerCase()))).toEqual([]);
      // Each section says what to run: a shell block right after its heading.
      for (const a of alerts) expect(runbook).toMatch(new RegExp(`### ${a}\\n\\n[^\\n]+\\n\\n\`\`\`sh\\n[^\`]+\`\`\``));
    } finally {
      delete process.env.REDIS_GITOPS_ROOT;
    }
  });
});
