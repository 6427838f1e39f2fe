/** Reads the policy set from policies/<name>/<name>.yaml (one VAP + bindings per folder). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPolicies, type PolicySet } from '@redis-gitops/policy';

export function loadPolicySet(root: string): PolicySet {
  const dir = path.join(root, 'policies');
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const files = names
    .map((name) => `policies/${name}/${name}.yaml`)
    .filter((rel) => existsSync(path.join(root, rel)))
    .map((rel) => ({ path: rel, text: readFileSync(path.join(root, rel), 'utf8') }));
  return loadPolicies(files);
}
