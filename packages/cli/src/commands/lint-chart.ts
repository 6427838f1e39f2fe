/** `redis-gitops lint-chart [CHART...]`: helm lint --strict with default values and every ci/ scenario. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { closestMatch } from '@redis-gitops/diagnostics';
import { listCharts } from '../io/charts.ts';
import { pool, defaultConcurrency, runHelm } from '../io/helm.ts';
import { findRoot, UsageError } from '../io/workspace.ts';
import type { Output } from '../output.ts';

export async function runLintChart(opts: { charts: readonly string[] }, out: Output): Promise<number> {
  const root = findRoot();
  const all = listCharts(root, { type: 'all' });
  for (const c of opts.charts) {
    if (!all.includes(c)) {
      const guess = closestMatch(c, all);
      throw new UsageError(`unknown chart "${c}"${guess ? ` — did you mean "${guess}"?` : ''} (known: ${all.join(', ')})`);
    }
  }
  const charts = opts.charts.length ? opts.charts : all;
  const jobs = charts.flatMap((chart) => {
    const dir = path.join(root, 'charts', chart);
    const ciDir = path.join(dir, 'ci');
    const scenarios = existsSync(ciDir)
      ? readdirSync(ciDir)
          .filter((f) => f.endsWith('-values.yaml'))
          .sort()
      : [];
    return [undefined, ...scenarios].map((s) => ({ chart, dir, scenario: s }));
  });
  const results = await pool(
    defaultConcurrency(),
    jobs.map((j) => async () => {
      const args = ['lint', '--strict', j.dir, ...(j.scenario ? ['-f', path.join(j.dir, 'ci', j.scenario)] : [])];
      const r = await runHelm(args);
      out.progress(`lint ${j.chart} ${j.scenario ?? 'default values'}: ${r.code === 0 ? 'ok' : 'FAILED'}`);
      return { ...j, r };
    }),
  );
  let failed = 0;
  for (const { chart, scenario, r } of results) {
    const label = `${chart} (${scenario ? `ci/${scenario}` : 'default values'})`;
    if (r.code === 0) out.stdout(`ok      ${label}\n`);
    else {
      failed++;
      out.stdout(`FAILED  ${label}\n${(r.stdout + r.stderr).trim().replace(/^/gm, '        ')}\n`);
    }
  }
  out.stdout(`lint-chart: ${results.length - failed} passed, ${failed} failed (helm lint --strict)\n`);
  return failed ? 1 : 0;
}
