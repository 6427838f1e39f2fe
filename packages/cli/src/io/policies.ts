/**
 * Reads the policy set from policies/<name>/<name>.yaml (one VAP + bindings per folder). The files
 * are read on every call; the compiled set (CEL parsed and checked) is kept for the same texts, so
 * a long-lived process (the CLI server, tests) compiles a policy again only when it changed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPolicies, type PolicySet } from '@redis-gitops/policy';

let last: { key: string; set: PolicySet } | undefined;

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
  const key = JSON.stringify(files);
  if (last?.key === key) return last.set;
  const set = loadPolicies(files);
  last = { key, set };
  return set;
}
