/**
 * Charts as the chart repository holds them: `helm package` of each chart, compared with the
 * package of the same version already in a repository folder (a gh-pages checkout). `publish`
 * uses it to refuse overwriting a published version, and `validate` to fail a pull request that
 * changes a chart without bumping its version: Argo CD installs the published package of the
 * version the generated Application pins, so such a change would never reach a cluster.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartDigest } from '../publish/chart-digest.ts';
import { loadChart } from './charts.ts';
import { runHelm } from './helm.ts';

export interface PackagedChart {
  readonly chart: string;
  readonly version: string;
  /** `<chart>-<version>.tgz` */
  readonly file: string;
  /** Where the fresh package is (inside the staging folder). */
  readonly path: string;
  /**
   * new: the repository has no package of this version; published: it has this very content;
   * changed: it has this version with other content (the chart changed without a version bump).
   */
  readonly status: 'new' | 'published' | 'changed';
}

/** `helm package` every chart into `staging` and compare each with `repository` (a folder, may not exist). */
export async function packageCharts(root: string, charts: readonly string[], staging: string, repository: string): Promise<PackagedChart[]> {
  const out: PackagedChart[] = [];
  for (const chart of charts) {
    const r = await runHelm(['package', path.join(root, 'charts', chart), '--destination', staging]);
    if (r.code !== 0) throw new Error(`helm package ${chart} failed: ${r.stderr.trim()}`);
    const version = loadChart(root, chart).version;
    const file = `${chart}-${version}.tgz`;
    const fresh = path.join(staging, file);
    const published = path.join(repository, file);
    const status = !existsSync(published) ? 'new' : chartDigest(readFileSync(published)) === chartDigest(readFileSync(fresh)) ? 'published' : 'changed';
    out.push({ chart, version, file, path: fresh, status });
  }
  return out;
}

/** packageCharts into a temporary folder that is removed again: for checks that keep nothing. */
export async function compareWithRepository(root: string, charts: readonly string[], repository: string): Promise<PackagedChart[]> {
  const staging = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-package-'));
  try {
    return (await packageCharts(root, charts, staging, repository)).map((p) => ({ ...p, path: '' }));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
