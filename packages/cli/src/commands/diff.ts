/** `redis-gitops diff --env E --base REF`: rendered manifests at REF vs now, as a unified diff. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import YAML from 'yaml';
import { releaseName, valuesFileName } from '@redis-gitops/generator';
import { checkoutPaths } from '../io/git.ts';
import { helmTemplate } from '../io/helm.ts';
import { findRoot, loadWorkspace, UsageError } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { plan, renderPlans } from '../pipeline.ts';

export interface DiffOptions {
  readonly env: string;
  readonly base: string;
  readonly exitCode: boolean;
}

/** Renders the environment as committed at the base ref: its generated values with the charts of that ref. */
async function renderBase(root: string, env: string, ref: string): Promise<Map<string, string>> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-diff-'));
  try {
    await checkoutPaths(root, ref, ['charts', `environments/${env}`], tmp).catch((e: Error) => {
      throw new UsageError(e.message);
    });
    const out = new Map<string, string>();
    const gen = path.join(tmp, 'environments', env, 'generated');
    if (!existsSync(gen)) return out;
    const spec = YAML.parse(readFileSync(path.join(tmp, 'environments', env, 'environment.yaml'), 'utf8')) as { spec?: { namespace?: string } };
    for (const f of readdirSync(gen)
      .filter((n) => n.endsWith('.values.yaml'))
      .sort()) {
      const chart = f.slice(0, -'.values.yaml'.length);
      const r = await helmTemplate({
        release: releaseName(env, chart),
        namespace: spec.spec?.namespace ?? 'default',
        chartDir: path.join(tmp, 'charts', chart),
        values: readFileSync(path.join(gen, f), 'utf8'),
      });
      out.set(chart, r.code === 0 ? r.stdout : `# helm template failed at ${ref}: ${r.stderr.trim()}\n`);
    }
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function runDiff(opts: DiffOptions, out: Output): Promise<number> {
  const root = findRoot();
  const plans = plan(loadWorkspace(root, [opts.env]));
  const [current] = await renderPlans(root, plans, { concurrency: 2, check: false });
  const base = await renderBase(root, opts.env, opts.base);
  const charts = [...new Set([...base.keys(), ...current!.charts.map((c) => c.chart)])].sort();
  let changed = 0;
  for (const chart of charts) {
    const before = base.get(chart) ?? '';
    const after = current!.charts.find((c) => c.chart === chart)?.manifest ?? '';
    if (before === after) continue;
    changed++;
    const label = `environments/${opts.env} ${chart} (${valuesFileName(chart)})`;
    out.stdout(createTwoFilesPatch(`${opts.base}:${label}`, `working tree:${label}`, before, after, undefined, undefined, { context: 3 }));
  }
  if (!changed) out.stderr(`diff: no manifest changes in ${opts.env} against ${opts.base}\n`);
  return changed && opts.exitCode ? 1 : 0;
}
