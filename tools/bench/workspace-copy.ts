/**
 * A throwaway copy of the workspace with N synthetic environments, committed to a fresh git repo
 * so `nx affected` has a base. node_modules and .tools (helm) are linked, not copied. Remove it with `dispose()`.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the issue asks to copy; node_modules is linked instead. */
const ENTRIES = ['nx.json', '.env', 'package.json', 'tsconfig.base.json', 'jest.preset.js', 'packages', 'charts', 'environments', 'policies', 'argocd', 'tools'];

export const GIT_ENV = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid' };

export interface BenchWorkspace {
  readonly root: string;
  /** Environment names, in creation order (templates rotate: prod, dev, edge, sentinel, ...). */
  readonly environments: readonly string[];
  /** The commit holding the generated environments: the base for `nx affected`. */
  readonly base: string;
  git(...args: string[]): string;
  dispose(): void;
}

/** The example environments in environments/, used as templates in rotation. */
export function templateEnvironments(repo: string): string[] {
  const dir = path.join(repo, 'environments');
  return readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, 'environment.yaml')))
    .sort();
}

/**
 * environment.yaml of synthetic environment `name` from a template: only metadata.name (which must
 * equal the folder) and spec.namespace change, so every synthetic environment is as valid as its template.
 */
export function synthesize(template: string, templateName: string, name: string): string {
  let out = template.replace(new RegExp(`^(  name: )${templateName}\\s*$`, 'm'), `$1${name}`);
  out = out.replace(/^( {2}namespace: )(\S+)\s*$/m, (_m, key: string, ns: string) => `${key}${ns}-${name.slice(name.lastIndexOf('-') + 1)}`);
  if (!out.includes(`  name: ${name}`)) throw new Error(`template ${templateName}: could not set metadata.name`);
  return `# Synthetic benchmark environment (tools/bench), from environments/${templateName}.\n${out}`;
}

export function createBenchWorkspace(repo: string, count: number, log: (line: string) => void): BenchWorkspace {
  const root = mkdtempSync(path.join(os.tmpdir(), `redis-gitops-bench-${count}-`));
  const env = { ...process.env, ...GIT_ENV };
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
  const dispose = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const entry of ENTRIES) {
      if (!existsSync(path.join(repo, entry))) continue;
      cpSync(path.join(repo, entry), path.join(root, entry), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
    }
    // Linked, not copied: the npm packages and the pinned helm (.tools/bin/helm) that `npm ci` installed.
    for (const link of ['node_modules', '.tools']) symlinkSync(path.join(repo, link), path.join(root, link));
    writeFileSync(path.join(root, '.gitignore'), 'node_modules\n.tools\n.nx\n');

    const templates = templateEnvironments(repo);
    const texts = templates.map((t) => readFileSync(path.join(repo, 'environments', t, 'environment.yaml'), 'utf8'));
    for (const t of templates) rmSync(path.join(root, 'environments', t), { recursive: true, force: true });
    const names: string[] = [];
    const width = String(count).length;
    for (let i = 0; i < count; i++) {
      const t = i % templates.length;
      const name = `${templates[t]}-${String(i + 1).padStart(width, '0')}`;
      mkdirSync(path.join(root, 'environments', name), { recursive: true });
      writeFileSync(path.join(root, 'environments', name, 'environment.yaml'), synthesize(texts[t]!, templates[t]!, name));
      names.push(name);
    }
    log(`workspace: ${count} environment(s) from ${templates.length} template(s) in ${root}; generating (not timed)`);
    execFileSync(process.execPath, ['packages/cli/bin/redis-gitops.js', 'generate'], { cwd: root, env: { ...process.env, REDIS_GITOPS_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', `bench: ${count} synthetic environments`);
    return { root, environments: names, base: git('rev-parse', 'HEAD'), git, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}
