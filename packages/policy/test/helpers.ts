import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifests, type RenderedObject } from '@redis-gitops/manifests';
import { InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import { loadPolicies, type PolicySet } from '../src/index.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const PRODUCTION = { 'kubernetes.io/metadata.name': 'redis-prod', 'redis-gitops.dev/tier': 'production' };
export const DEV = { 'kubernetes.io/metadata.name': 'redis-dev', 'redis-gitops.dev/tier': 'dev' };

const indent = (text: string, by: number): string =>
  text
    .trim()
    .split('\n')
    .map((l) => ' '.repeat(by) + l)
    .join('\n');

/** A ValidatingAdmissionPolicy document; `spec` is YAML for the spec body (without matchConstraints unless given). */
export function vap(name: string, spec: string, opts: { annotations?: string; rules?: string } = {}): string {
  const rules =
    opts.rules ??
    `resourceRules:
  - apiGroups: ["apps"]
    apiVersions: ["v1"]
    resources: ["statefulsets"]
    operations: ["CREATE", "UPDATE"]`;
  const hasConstraints = /^matchConstraints:/m.test(spec);
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ${name}
${opts.annotations ? `  annotations:\n${indent(opts.annotations, 4)}\n` : ''}spec:
${hasConstraints ? '' : `  matchConstraints:\n${indent(rules, 4)}\n`}${indent(spec, 2)}
`;
}

/** A ValidatingAdmissionPolicyBinding document. */
export function binding(name: string, policyName: string, actions: string[], matchResources?: string): string {
  return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ${name}
spec:
  policyName: ${policyName}
  validationActions: [${actions.join(', ')}]
${matchResources ? `  matchResources:\n${indent(matchResources, 4)}\n` : ''}`;
}

export const FILE = 'policies/test/test.yaml';

export function load(...documents: string[]): PolicySet {
  return loadPolicies([{ path: FILE, text: documents.join('---\n') }]);
}

/** The diagnostics loading the documents throws; fails the test when they load cleanly. */
export function loadProblems(...documents: string[]): Diagnostic[] {
  try {
    load(...documents);
  } catch (error) {
    if (error instanceof InputError) return [...error.diagnostics];
    throw error;
  }
  throw new Error('expected the policy file to be rejected');
}

export function objects(yaml: string): RenderedObject[] {
  const { objects: out, problems } = parseManifests(yaml, { environment: 'prod-x86', chart: 'redis-cluster' });
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  return out;
}

/** A StatefulSet with one container; `container` is extra YAML for the container, `podSpec` for the pod spec. */
export function statefulSet(
  opts: { name?: string; namespace?: string; labels?: Record<string, string>; replicas?: number; container?: string; podSpec?: string; podLabels?: Record<string, string> } = {},
): string {
  const labels = opts.labels ?? { 'app.kubernetes.io/name': 'redis-cluster' };
  const podLabels = opts.podLabels ?? labels;
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ${opts.name ?? 'prod-redis-cluster'}
${opts.namespace ? `  namespace: ${opts.namespace}\n` : ''}  labels: ${JSON.stringify(labels)}
spec:
  replicas: ${opts.replicas ?? 6}
  serviceName: x
  selector:
    matchLabels: ${JSON.stringify(podLabels)}
  template:
    metadata:
      labels: ${JSON.stringify(podLabels)}
    spec:
${opts.podSpec ? `${indent(opts.podSpec, 6)}\n` : ''}      containers:
        - name: redis
          image: redis:7.4.2
${opts.container ? `${indent(opts.container, 10)}\n` : ''}`;
}
