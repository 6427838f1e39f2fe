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

describe('nx affected -t validate', () => {
  it('selects only the environment whose spec changed', () => {
    const undo = touch('environments/edge-pi4/environment.yaml', '# a comment\n');
    try {
      expect(affected()).toEqual(['env-edge-pi4']);
    } finally {
      undo();
    }
  });

  it('selects every environment that uses a changed chart', () => {
    const undo = touch('charts/redis-cluster/templates/redis/service.yaml', '# touched\n');
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86']);
    } finally {
      undo();
    }
  });

  it('selects every environment, sentinel ones included, when the netpol chart changes', () => {
    const undo = touch('charts/redis-netpol/templates/NOTES.txt', '# touched\n');
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel']);
    } finally {
      undo();
    }
  });

  it('selects every environment when the shared redis-common library changes, though no chart file did', () => {
    const undo = touch('charts/redis-common/templates/_labels.tpl', '{{/* touched */}}\n');
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel']);
    } finally {
      undo();
    }
  });

  it('selects every environment when a policy changes (validate evaluates every policy bound to its tier)', () => {
    const undo = touch('policies/resource-limits/resource-limits.yaml', '# touched\n');
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel']);
    } finally {
      undo();
    }
  });

  it('selects every environment when clusters.yaml changes (arch and resource profile come from it)', () => {
    const undo = touch('environments/clusters.yaml', '# touched\n');
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel']);
    } finally {
      undo();
    }
  });

  it.each([
    ['the chart values types', 'packages/generator/src/values/common-values.ts', '// touched\n'],
    ['the codegen renderer', 'tools/codegen/render.ts', '// touched\n'],
  ])('selects every environment when a codegen input changes: %s', (_what, file, text) => {
    const undo = touch(file, text);
    try {
      expect(affected()).toEqual(['env-dev-x86', 'env-edge-pi4', 'env-prod-x86', 'env-sessions-sentinel']);
    } finally {
      undo();
    }
  });

  it('selects nothing when nothing changed', () => {
    expect(affected()).toEqual([]);
  });
});
