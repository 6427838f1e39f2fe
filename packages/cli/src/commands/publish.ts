/**
 * `redis-gitops publish [--out DIR]`: package every chart and build index.yaml, ready for GitHub
 * Pages. DIR may already hold the published repository (e.g. a gh-pages checkout): a chart whose
 * version is already there with different content is refused (bump the version), and an identical
 * one is left untouched, so publishing is idempotent.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageCharts } from '../io/chart-packages.ts';
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
    for (const p of await packageCharts(root, listCharts(root), staging, dest)) {
      results.push(
        p.status === 'new'
          ? { chart: p.chart, file: p.file, status: 'added' }
          : p.status === 'published'
            ? { chart: p.chart, file: p.file, status: 'unchanged' }
            : { chart: p.chart, file: p.file, status: 'refused', reason: `${p.file} is already published with different content: bump version in charts/${p.chart}/Chart.yaml` },
      );
      out.progress(`publish: ${p.chart}: ${results.at(-1)!.status}`);
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
