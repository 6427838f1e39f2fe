/**
 * `redis-gitops diff --env E --base REF`: what the change does to the environment's objects. A
 * summary (added, changed, removed), then each changed object by kind and namespace/name with the
 * fields that differ and the updates Kubernetes would refuse (with the RUNBOOK procedure), then a
 * unified diff per object.
 */
import { createTwoFilesPatch } from 'diff';
import YAML from 'yaml';
import { diffManifests, summarizeChanges, type ObjectChange } from '@redis-gitops/manifests';
import { renderAtRef } from '../io/base-render.ts';
import { findRoot, loadWorkspace } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { plan, renderPlans } from '../pipeline.ts';

export interface DiffOptions {
  readonly env: string;
  readonly base: string;
  readonly exitCode: boolean;
}

/** One object as YAML, for its diff hunk (keys as rendered). */
function objectText(c: ObjectChange, side: 'before' | 'after'): string {
  const o = c[side];
  return o ? YAML.stringify(o.object, { lineWidth: 0 }) : '';
}

/** The summary and per-object lines of a diff (also used in the validate report). */
export function formatChanges(env: string, base: string, changes: readonly ObjectChange[]): string {
  const s = summarizeChanges(changes);
  const lines = [`diff ${env} against ${base}: ${s.added} added, ${s.changed} changed, ${s.removed} removed${s.refused ? `; ${s.refused} update(s) Kubernetes will refuse` : ''}`];
  for (const c of changes) {
    lines.push(`  ${c.change.padEnd(7)}  ${c.id}${c.fields.length ? `: ${c.fields.join(', ')}` : ''}`);
    for (const r of c.refused) lines.push(`    ! refused update of ${r.field}: ${r.why}. Do instead: ${r.procedure}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function runDiff(opts: DiffOptions, out: Output): Promise<number> {
  const root = findRoot();
  const plans = plan(loadWorkspace(root, [opts.env]));
  const [current] = await renderPlans(root, plans, { concurrency: 2, check: false });
  const base = await renderAtRef(root, opts.env, opts.base);
  const namespace = plans[0]!.env.resolved.namespace;
  const changes = diffManifests(
    base.objects,
    current!.charts.flatMap((c) => c.objects),
    namespace,
  );
  out.stdout(formatChanges(opts.env, opts.base, changes));
  for (const c of changes) {
    out.stdout('\n');
    out.stdout(createTwoFilesPatch(`${opts.base}: ${c.id}`, `working tree: ${c.id}`, objectText(c, 'before'), objectText(c, 'after'), undefined, undefined, { context: 3 }));
  }
  if (!changes.length) out.stderr(`diff: no manifest changes in ${opts.env} against ${opts.base}\n`);
  return changes.length && opts.exitCode ? 1 : 0;
}
