/**
 * `nx affected -t validate` must select only what a change touches: one environment for a spec
 * change, every environment using a chart for a chart change. Runs the real Nx on a git copy of
 * the workspace (node_modules linked, not copied).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './workspace-fixture.ts';

let root: string;
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
};
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, env, stdio: 'pipe' }).toString();

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'redis-gitops-nx-'));
  for (const entry of ['nx.json', 'package.json', 'tsconfig.base.json', 'jest.preset.js', 'packages', 'charts', 'environments', 'policies', 'argocd', 'tools']) {
    cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.includes('node_modules') });
  }
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'));
  writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.nx\n');
  sh('git', ['init', '-q', '-b', 'main']);
  sh('git', ['add', '-A']);
  sh('git', ['commit', '-qm', 'base']);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function affected(): string[] {
  const out = sh(path.join(REPO, 'node_modules/.bin/nx'), ['show', 'projects', '--affected', '--base=HEAD', '-t', 'validate', '--json']);
  return (JSON.parse(out) as string[]).sort();
}

function touch(rel: string, text: string): () => void {
  const file = path.join(root, rel);
  const before = readFileSync(file, 'utf8');
  appendFileSync(file, text);
  return () => writeFileSync(file, before);
}

const ALL = ['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel'];
const CLUSTER_MODE = ['env-dev-x86', 'env-edge-pi4', 'env-prod-x86'];

describe('nx affected -t validate', () => {
  // [what changed, file touched, text appended, the environments whose validate must run]
  it.each([
    ["only the environment's own spec", 'environments/edge-pi4/environment.yaml', '# a comment\n', ['env-edge-pi4']],
    ['a chart: every environment that uses it', 'charts/redis-cluster/templates/redis/service.yaml', '# touched\n', CLUSTER_MODE],
    ['the netpol chart: sentinel environments too', 'charts/redis-netpol/templates/NOTES.txt', '# touched\n', ALL],
    ['the shared redis-common library, though no chart file changed', 'charts/redis-common/templates/_labels.tpl', '{{/* touched */}}\n', ALL],
    ['a policy (validate evaluates every policy bound to the tier)', 'policies/resource-limits/resource-limits.yaml', '# touched\n', ALL],
    ['clusters.yaml (arch and resource profile come from it)', 'environments/clusters.yaml', '# touched\n', ALL],
    ['a codegen input: the chart values types', 'packages/generator/src/values/common-values.ts', '// touched\n', ALL],
    ['a codegen input: the codegen renderer', 'tools/codegen/render.ts', '// touched\n', ALL],
  ])('a change to %s', (_what, file, text, expected) => {
    const undo = touch(file, text);
    try {
      expect(affected()).toEqual(expected);
    } finally {
      undo();
    }
  });

  it('selects nothing when nothing changed', () => {
    expect(affected()).toEqual([]);
  });
});
