/**
 * Nx plugin that makes every environment and every chart an Nx project, with no project.json to
 * keep in sync: adding environments/<name>/environment.yaml is all it takes.
 *
 * - environments/<name>/environment.yaml -> project `env-<name>` with a cached `validate` target.
 *   It depends on the charts its topology uses and on the CLI package, so a change to a chart,
 *   the spec/generator code or the environment itself marks it affected (and nothing else does).
 * - charts/<chart>/Chart.yaml -> project `<chart>` with `lint` (helm lint --strict on every
 *   ci/ scenario, then shellcheck on its scripts/) and `test` (jest tests in charts/<chart>/tests) targets.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

type TargetConfiguration = { command: string; options?: Record<string, unknown>; cache?: boolean; inputs?: unknown[] };
type ProjectConfiguration = { name: string; root: string; projectType?: string; tags?: string[]; implicitDependencies?: string[]; targets?: Record<string, TargetConfiguration> };
type CreateNodesResult = { projects?: Record<string, ProjectConfiguration> };
type Context = { workspaceRoot: string };

/** Charts each topology mode deploys (only those that exist in charts/ become dependencies). */
const CHARTS_BY_MODE: Record<string, string[]> = {
  cluster: ['redis-cluster', 'redis-monitoring', 'redis-netpol'],
  sentinel: ['redis-sentinel', 'redis-monitoring', 'redis-netpol'],
};

function environmentProject(file: string, ctx: Context): CreateNodesResult {
  const root = path.dirname(file);
  const name = path.basename(root);
  let mode = 'cluster';
  try {
    const doc = parse(readFileSync(path.join(ctx.workspaceRoot, file), 'utf8')) as { spec?: { topology?: { mode?: string } } };
    mode = doc?.spec?.topology?.mode ?? 'cluster';
  } catch {
    // A broken spec still becomes a project: its validate target reports the error with a position.
  }
  const charts = (CHARTS_BY_MODE[mode] ?? CHARTS_BY_MODE.cluster!).filter((c) => existsSync(path.join(ctx.workspaceRoot, 'charts', c, 'Chart.yaml')));
  return {
    projects: {
      [root]: {
        name: `env-${name}`,
        root,
        projectType: 'application',
        tags: ['type:environment'],
        implicitDependencies: [...charts, 'redis-gitops'],
        targets: {
          validate: { command: `node packages/cli/bin/redis-gitops.js validate --env ${name}` },
        },
      },
    },
  };
}

function chartProject(file: string): CreateNodesResult {
  const root = path.dirname(file);
  const name = path.basename(root);
  return {
    projects: {
      [root]: {
        name,
        root,
        projectType: 'library',
        tags: ['type:chart'],
        targets: {
          lint: { command: `node packages/cli/bin/redis-gitops.js lint-chart ${name} && bash tools/lint/shellcheck.sh ${root}` },
          test: { command: `NODE_OPTIONS=--experimental-vm-modules jest --config ${root}/tests/jest.config.js` },
        },
      },
    },
  };
}

export const createNodes = [
  '{environments/*/environment.yaml,charts/*/Chart.yaml}',
  (files: readonly string[], _options: unknown, ctx: Context) => files.map((f) => [f, f.startsWith('charts/') ? chartProject(f) : environmentProject(f, ctx)] as const),
] as const;
