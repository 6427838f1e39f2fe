/**
 * The contract of a policy folder (policies/<name>/): the policy file is named after the folder and
 * declares a ValidatingAdmissionPolicy of that name with the annotations the report reads, its
 * bindings are named <name>-deny / -warn / -audit, and its examples prove it: every allowed example
 * passes every validation, every denied example fails with each message its `# expect:` lines name.
 * A folder without an allowed and a denied example fails. Pure: the caller reads the files.
 */
import { parseManifests } from '@redis-gitops/manifests';
import { formatDiagnostic, InputError } from '@redis-gitops/diagnostics';
import { evaluate } from './evaluate.ts';
import { loadPolicies, type PolicyFile } from './load-policies.ts';
import { ANNOTATIONS, type PolicySet } from './policy-set.ts';

export interface PolicyFolder {
  /** Folder name, which is also the policy name. */
  readonly name: string;
  /** `policies/<name>/<name>.yaml`; undefined when the folder has none. */
  readonly policy?: PolicyFile;
  readonly allowed: readonly PolicyFile[];
  readonly denied: readonly PolicyFile[];
}

export interface ExampleProblem {
  /** The file at fault (or the folder). */
  readonly file: string;
  readonly message: string;
}

export interface ExampleCheckOptions {
  /** Text of policies/README.md: each policy must have a row in its table. */
  readonly readme?: string;
  /** Namespace labels the examples are admitted with; default: a production namespace `redis-prod`. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
}

export const EXAMPLE_NAMESPACE_LABELS: Readonly<Record<string, string>> = {
  'kubernetes.io/metadata.name': 'redis-prod',
  'redis-gitops.dev/tier': 'production',
};

const SEVERITIES = ['high', 'medium', 'low'];
const BINDING_SUFFIXES = ['-deny', '-warn', '-audit'];

/** `# expect: <substring>` lines at the top of a denied example (the first line must be one). */
export function expectedMessages(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^#\s*expect:\s*(.+?)\s*$/.exec(line);
    if (m) out.push(m[1]!);
    else if (!line.startsWith('#')) break;
  }
  return out;
}

function conventions(folder: PolicyFolder, set: PolicySet, readme: string | undefined): ExampleProblem[] {
  const file = folder.policy!.path;
  const problems: ExampleProblem[] = [];
  const policy = set.policies.find((p) => p.name === folder.name);
  if (!policy || set.policies.length !== 1) {
    problems.push({ file, message: `must declare exactly one ValidatingAdmissionPolicy, named "${folder.name}" like its folder (found: ${set.policies.map((p) => p.name).join(', ') || 'none'})` });
    return problems;
  }
  for (const key of Object.values(ANNOTATIONS)) {
    if (!policy.annotations[key]?.trim()) problems.push({ file, message: `policy ${policy.name} has no annotation ${key}` });
  }
  const severity = policy.annotations[ANNOTATIONS.severity];
  if (severity && !SEVERITIES.includes(severity)) problems.push({ file, message: `policy ${policy.name}: ${ANNOTATIONS.severity} must be one of ${SEVERITIES.join(', ')} (got "${severity}")` });
  if (set.bindings.length === 0) problems.push({ file, message: `policy ${policy.name} has no binding, so it checks nothing in a cluster` });
  for (const b of set.bindings) {
    if (!BINDING_SUFFIXES.some((s) => b.name === `${policy.name}${s}`)) {
      problems.push({ file, message: `binding ${b.name} must be named ${BINDING_SUFFIXES.map((s) => `${policy.name}${s}`).join(' or ')}` });
    }
  }
  if (readme !== undefined && !new RegExp(`^\\|\\s*\\[?\`?${folder.name}\`?`, 'm').test(readme)) {
    problems.push({ file: 'policies/README.md', message: `has no table row for policy ${folder.name}` });
  }
  return problems;
}

/** Every problem with the given policy folders; empty when all of them hold. */
export function checkPolicyExamples(folders: readonly PolicyFolder[], options: ExampleCheckOptions = {}): ExampleProblem[] {
  const problems: ExampleProblem[] = [];
  const namespaceLabels = options.namespaceLabels ?? EXAMPLE_NAMESPACE_LABELS;
  for (const folder of folders) {
    const dir = `policies/${folder.name}`;
    if (!folder.policy) {
      problems.push({ file: dir, message: `has no policy file ${dir}/${folder.name}.yaml` });
      continue;
    }
    if (folder.allowed.length === 0) problems.push({ file: dir, message: 'has no allowed example (allowed/*.yaml)' });
    if (folder.denied.length === 0) problems.push({ file: dir, message: 'has no denied example (denied/*.yaml)' });
    let set: PolicySet;
    try {
      set = loadPolicies([folder.policy]);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      for (const d of error.diagnostics) problems.push({ file: d.file, message: formatDiagnostic(d) });
      continue;
    }
    problems.push(...conventions(folder, set, options.readme));
    // Examples are checked by the policy itself, whatever its bindings select: one Deny binding matching everything.
    const probe: PolicySet = { policies: set.policies, bindings: set.policies.map((p) => ({ name: 'example', policyName: p.name, validationActions: ['Deny'] as const, file: '', line: 0 })) };

    const run = (example: PolicyFile): string[] | undefined => {
      const { objects, problems: parseProblems } = parseManifests(example.text);
      if (parseProblems.length > 0 || objects.length === 0) {
        problems.push({ file: example.path, message: `is not a Kubernetes object: ${parseProblems.map((p) => p.message).join('; ') || 'empty'}` });
        return undefined;
      }
      return evaluate(probe, objects, { namespaceLabels }).map((r) => (r.code === 'policy-error' ? `error: ${r.message}` : r.message));
    };
    for (const example of folder.allowed) {
      const messages = run(example);
      if (messages && messages.length > 0) problems.push({ file: example.path, message: `allowed example is rejected: ${messages.join(' | ')}` });
    }
    for (const example of folder.denied) {
      const expected = expectedMessages(example.text);
      if (expected.length === 0 || !/^#\s*expect:/.test(example.text)) {
        problems.push({ file: example.path, message: 'denied example must start with a "# expect: <part of the message>" line' });
      }
      const messages = run(example);
      if (!messages) continue;
      if (messages.length === 0) {
        problems.push({ file: example.path, message: 'denied example is admitted: no validation failed' });
        continue;
      }
      for (const want of expected) {
        if (!messages.some((m) => m.includes(want))) problems.push({ file: example.path, message: `no message contains "${want}"; got: ${messages.join(' | ')}` });
      }
    }
  }
  return problems;
}
