/**
 * Nx plugin that makes every environment and every chart an Nx project, with no project.json to
 * keep in sync: adding environments/<name>/environment.yaml is all it takes.
 *
 * - environments/<name>/environment.yaml -> project `env-<name>` with a cached `validate` target.
 *   It depends on the charts its topology uses and on the CLI package, so a change to a chart,
 *   the spec/generator code or the environment itself marks it affected (and nothing else does).
 * - charts/<chart>/Chart.yaml -> project `<chart>` with `lint` (helm lint --strict on every
 *   ci/ scenario, then shellcheck on its scripts/) and `test` (jest tests in charts/<chart>/tests) targets,
 *   plus `test-valkey` (the suites of tests/jest.valkey.config.js again on Valkey) where that file exists.
 *   It depends on the charts its Chart.yaml lists (the redis-common library).
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

/** The chart's type and the charts it depends on (its Chart.yaml `dependencies`: the redis-common library). */
function chartMeta(file: string, ctx: Context): { library: boolean; dependencies: string[] } {
  try {
    const meta = parse(readFileSync(path.join(ctx.workspaceRoot, file), 'utf8')) as { type?: string; dependencies?: { name?: string }[] } | null;
    const dependencies = (meta?.dependencies ?? []).map((d) => d.name).filter((n): n is string => typeof n === 'string');
    return { library: meta?.type === 'library', dependencies };
  } catch {
    return { library: false, dependencies: [] }; // helm lint reports a broken Chart.yaml with its position
  }
}

function chartProject(file: string, ctx: Context): CreateNodesResult {
  const root = path.dirname(file);
  const name = path.basename(root);
  const { library, dependencies } = chartMeta(file, ctx);
  // The Valkey leg of the engine matrix, for the charts that have one (tests/jest.valkey.config.js).
  const valkey = existsSync(path.join(ctx.workspaceRoot, root, 'tests', 'jest.valkey.config.js'))
    ? {
        'test-valkey': {
          command: `REDIS_TESTKIT_ENGINE=valkey NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' jest --config ${root}/tests/jest.valkey.config.js`,
        },
      }
    : {};
  return {
    projects: {
      [root]: {
        name,
        root,
        projectType: 'library',
        tags: [library ? 'type:chart-library' : 'type:chart'],
        // A change to the library (its templates or its shared scripts) affects every chart that
        // links it in, and through them every environment.
        implicitDependencies: dependencies,
        targets: {
          lint: { command: `node packages/cli/bin/redis-gitops.js lint-chart ${name} && bash tools/lint/shellcheck.sh ${root}` },
          test: { command: `NODE_OPTIONS='--experimental-vm-modules --disable-warning=ExperimentalWarning' jest --config ${root}/tests/jest.config.js` },
          ...valkey,
        },
      },
    },
  };
}

export const createNodes = [
  '{environments/*/environment.yaml,charts/*/Chart.yaml}',
  (files: readonly string[], _options: unknown, ctx: Context) => files.map((f) => [f, f.startsWith('charts/') ? chartProject(f, ctx) : environmentProject(f, ctx)] as const),
] as const;
