/**
 * The policy package is pure: callers pass text and objects in. Its src/ imports no module that
 * touches the disk, the network or processes, and no workspace package but manifests and the two helper packages (diagnostics, quantity).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './helpers.ts';

const SRC = path.join(REPO, 'packages/policy/src');
const IO = /^(node:)?(fs|fs\/promises|child_process|net|http|https|os|worker_threads|dgram|dns|tls|cluster)$/;

function imports(): { file: string; spec: string }[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(path.join(SRC, f), 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ file: f, spec: m[1]! })));
}

describe('packages/policy purity', () => {
  it('imports no I/O modules in src/', () => {
    const found = imports();
    expect(found.length).toBeGreaterThan(20);
    expect(found.filter((i) => IO.test(i.spec))).toEqual([]);
  });

  it('depends only on the manifests, diagnostics and quantity workspace packages', () => {
    const workspace = new Set(
      imports()
        .filter((i) => i.spec.startsWith('@redis-gitops/'))
        .map((i) => i.spec),
    );
    expect([...workspace].sort()).toEqual(['@redis-gitops/diagnostics', '@redis-gitops/manifests', '@redis-gitops/quantity']);
  });

  it('uses no process, Buffer or global I/O in src/', () => {
    const offenders = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /\b(process\.|Buffer\.|fetch\(|require\()/.test(readFileSync(path.join(SRC, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
