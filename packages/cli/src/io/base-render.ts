/**
 * The environment as committed at a git ref: its generated values rendered with the charts of that
 * ref (`git archive` into a temporary folder, helm there). `diff` and `validate --base` compare it
 * with the working tree.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { releaseName } from '@redis-gitops/generator';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { checkoutPaths } from './git.ts';
import { helmTemplate } from './helm.ts';
import { UsageError } from './workspace.ts';

export interface BaseRender {
  /** chart -> the rendered stream at the ref (or a comment saying why it failed). */
  readonly manifests: ReadonlyMap<string, string>;
  /** Every object of every chart at the ref. */
  readonly objects: readonly RenderedObject[];
  /** False when the environment did not exist at the ref (every object is then new). */
  readonly existed: boolean;
}

export async function renderAtRef(root: string, env: string, ref: string): Promise<BaseRender> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-base-'));
  try {
    await checkoutPaths(root, ref, ['charts', `environments/${env}`], tmp).catch((e: Error) => {
      throw new UsageError(e.message);
    });
    const manifests = new Map<string, string>();
    const objects: RenderedObject[] = [];
    const gen = path.join(tmp, 'environments', env, 'generated');
    if (!existsSync(gen)) return { manifests, objects, existed: false };
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
      manifests.set(chart, r.code === 0 ? r.stdout : `# helm template failed at ${ref}: ${r.stderr.trim()}\n`);
      if (r.code === 0) objects.push(...parseManifests(r.stdout, { environment: env, chart }).objects);
    }
    return { manifests, objects, existed: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
