/** `redis-gitops generate`: write (or --check) environments/<env>/generated/. */
import { createTwoFilesPatch } from 'diff';
import { writeFilesAtomically } from '../io/atomic-write.ts';
import { findRoot, loadWorkspace } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { driftToChanges, findDrift, findWorkspaceDrift, plan, workspaceFiles } from '../pipeline.ts';

export interface GenerateOptions {
  readonly envs: readonly string[];
  readonly check: boolean;
  readonly json: boolean;
}

export async function runGenerate(opts: GenerateOptions, out: Output): Promise<number> {
  const root = findRoot();
  const ws = loadWorkspace(root, opts.envs);
  const plans = plan(ws);
  const drift = [...findDrift(root, plans), ...findWorkspaceDrift(ws)];
  // Every file generate owns: each environment's generated/ files and the workspace's argocd/generated/.
  const files = plans.reduce((n, p) => n + p.generated.files.length, 0) + workspaceFiles(ws).size;
  if (opts.check) {
    if (opts.json) out.stdout(`${JSON.stringify({ ok: drift.length === 0, stale: drift.map((d) => d.file) }, null, 2)}\n`);
    else if (drift.length) {
      for (const d of drift) out.stdout(createTwoFilesPatch(`a/${d.file}`, `b/${d.file}`, d.actual ?? '', d.expected ?? '', 'committed', 'generated'));
      out.stderr(`\n${drift.length} generated file(s) are stale. Run \`npx redis-gitops generate\` and commit the result.\n`);
    } else out.stdout(`generate --check: ${files} generated file(s) in ${plans.length} environment(s) are up to date\n`);
    return drift.length ? 1 : 0;
  }
  writeFilesAtomically(driftToChanges(root, drift));
  if (opts.json)
    out.stdout(
      `${JSON.stringify({ ok: true, written: drift.filter((d) => d.expected !== null).map((d) => d.file), removed: drift.filter((d) => d.expected === null).map((d) => d.file) }, null, 2)}\n`,
    );
  else {
    for (const d of drift) out.stdout(`${d.expected === null ? 'removed' : d.actual === null ? 'created' : 'updated'} ${d.file}\n`);
    const created = drift.filter((d) => d.actual === null).length;
    const removed = drift.filter((d) => d.expected === null).length;
    const updated = drift.length - created - removed;
    out.stdout(`generate: ${plans.length} environment(s): ${created} created, ${updated} updated, ${removed} removed, ${files - created - updated} unchanged\n`);
  }
  return 0;
}
