/** Reads policies/<name>/ folders from disk for the tests (src stays pure). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PolicyFile, PolicyFolder } from '../src/index.ts';
import { REPO } from './helpers.ts';

function read(rel: string): PolicyFile {
  return { path: rel, text: readFileSync(path.join(REPO, rel), 'utf8') };
}

function yamlFiles(rel: string): PolicyFile[] {
  const dir = path.join(REPO, rel);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => read(`${rel}/${f}`));
}

export function policyFolder(name: string, root = 'policies'): PolicyFolder {
  const policy = `${root}/${name}/${name}.yaml`;
  return {
    name,
    ...(existsSync(path.join(REPO, policy)) ? { policy: read(policy) } : {}),
    allowed: yamlFiles(`${root}/${name}/allowed`),
    denied: yamlFiles(`${root}/${name}/denied`),
  };
}

export function policyFolderNames(root = 'policies'): string[] {
  return readdirSync(path.join(REPO, root), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Every policy file of the repository (policies/<name>/<name>.yaml). */
export function policyFiles(except: readonly string[] = []): PolicyFile[] {
  return policyFolderNames()
    .filter((n) => !except.includes(n))
    .map((n) => read(`policies/${n}/${n}.yaml`));
}

export function readme(): string {
  return readFileSync(path.join(REPO, 'policies/README.md'), 'utf8');
}
