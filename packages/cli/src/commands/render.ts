/** `redis-gitops render --env E`: print the rendered manifests. */
import { findRoot, loadWorkspace } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { plan, renderPlans } from '../pipeline.ts';

export async function runRender(opts: { env: string }, out: Output): Promise<number> {
  const root = findRoot();
  const plans = plan(loadWorkspace(root, [opts.env]));
  const [render] = await renderPlans(root, plans, { concurrency: 1, check: false });
  let failed = false;
  for (const c of render!.charts) {
    if (c.findings.length) {
      failed = true;
      for (const f of c.findings) out.stderr(`${f.message}\n`);
    } else out.stdout(c.manifest.startsWith('---') ? c.manifest : `---\n${c.manifest}`);
  }
  return failed ? 1 : 0;
}
