/**
 * `redis-gitops publish [--out DIR]`: package every chart and build index.yaml, ready for GitHub
 * Pages. DIR may already hold the published repository (e.g. a gh-pages checkout): a chart whose
 * version is already there with different content is refused (bump the version), and an identical
 * one is left untouched, so publishing is idempotent.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chartDigest } from '../publish/chart-digest.ts';
import { loadChart } from '../io/charts.ts';
import { runHelm } from '../io/helm.ts';
import { findRoot } from '../io/workspace.ts';
import type { Output } from '../output.ts';
import { listCharts } from '../io/charts.ts';

export interface PublishOptions {
  readonly out: string;
  readonly json: boolean;
}

export interface PublishedChart {
  readonly chart: string;
  readonly file: string;
  readonly status: 'added' | 'unchanged' | 'refused';
  readonly reason?: string;
}

export async function runPublish(opts: PublishOptions, out: Output): Promise<number> {
  const root = findRoot();
  const dest = path.resolve(root, opts.out);
  mkdirSync(dest, { recursive: true });
  const staging = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-publish-'));
  const results: PublishedChart[] = [];
  try {
    for (const chart of listCharts(root)) {
      const r = await runHelm(['package', path.join(root, 'charts', chart), '--destination', staging]);
      if (r.code !== 0) throw new Error(`helm package ${chart} failed: ${r.stderr.trim()}`);
      const file = `${chart}-${loadChart(root, chart).version}.tgz`;
      const fresh = readFileSync(path.join(staging, file));
      const published = path.join(dest, file);
      if (existsSync(published)) {
        const same = chartDigest(readFileSync(published)) === chartDigest(fresh);
        results.push(
          same ? { chart, file, status: 'unchanged' } : { chart, file, status: 'refused', reason: `${file} is already published with different content: bump version in charts/${chart}/Chart.yaml` },
        );
      } else results.push({ chart, file, status: 'added' });
      out.progress(`publish: ${chart}: ${results.at(-1)!.status}`);
    }
    const refused = results.filter((r) => r.status === 'refused');
    if (!refused.length) {
      for (const r of results.filter((x) => x.status === 'added')) renameSync(path.join(staging, r.file), path.join(dest, r.file));
      // No --url: index entries stay relative, so the folder works on any host and port.
      const idx = await runHelm(['repo', 'index', dest]);
      if (idx.code !== 0) throw new Error(`helm repo index failed: ${idx.stderr.trim()}`);
    }
    const shown = path.relative(root, dest).startsWith('..') ? dest : path.relative(root, dest) || '.';
    if (opts.json) out.stdout(`${JSON.stringify({ ok: !refused.length, out: shown, charts: results }, null, 2)}\n`);
    else {
      for (const r of results) out.stdout(`${r.status.padEnd(9)} ${r.file}${r.reason ? ` — ${r.reason}` : ''}\n`);
      out.stdout(
        refused.length
          ? `publish: refused ${refused.length} chart(s); nothing was written to ${shown}\n`
          : `publish: ${results.filter((r) => r.status === 'added').length} added, ${results.filter((r) => r.status === 'unchanged').length} unchanged; index.yaml written to ${shown}\n`,
      );
    }
    return refused.length ? 1 : 0;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
