import { checkPolicyExamples, expectedMessages, type PolicyFolder } from '../src/index.ts';
import { binding, vap } from './helpers.ts';
import { policyFolder, policyFolderNames, readme } from './policy-folders.ts';

const POLICY = `${vap(
  'tiny',
  `validations:
  - expression: "object.spec.replicas <= 3"
    messageExpression: "'StatefulSet ' + object.metadata.name + ' has too many replicas'"`,
  {
    annotations:
      'redis-gitops.dev/title: Tiny\nredis-gitops.dev/severity: low\nredis-gitops.dev/category: test\nredis-gitops.dev/description: At most 3 replicas.\nredis-gitops.dev/remediation: Scale down.',
  },
)}---\n${binding('tiny-deny', 'tiny', ['Deny'])}`;
const sts = (replicas: number): string => `apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec: {replicas: ${replicas}}\n`;
const folder = (over: Partial<PolicyFolder> = {}): PolicyFolder => ({
  name: 'tiny',
  policy: { path: 'policies/tiny/tiny.yaml', text: POLICY },
  allowed: [{ path: 'policies/tiny/allowed/three.yaml', text: sts(3) }],
  denied: [{ path: 'policies/tiny/denied/six.yaml', text: `# expect: StatefulSet s has too many replicas\n${sts(6)}` }],
  ...over,
});

describe('policy folders', () => {
  it.each(policyFolderNames())('policies/%s: allowed examples pass, denied ones fail with the expected message, conventions hold', (name) => {
    expect(checkPolicyExamples([policyFolder(name)], { readme: readme() })).toEqual([]);
  });

  it('every folder has at least one allowed and one denied example', () => {
    for (const name of policyFolderNames()) {
      const f = policyFolder(name);
      expect([name, f.allowed.length > 0, f.denied.length > 0]).toEqual([name, true, true]);
    }
  });
});

describe('checkPolicyExamples', () => {
  it('accepts a folder whose examples hold', () => {
    expect(checkPolicyExamples([folder()])).toEqual([]);
  });

  it('fails a folder without examples or without its policy file', () => {
    expect(checkPolicyExamples([folder({ allowed: [], denied: [] })])).toEqual([
      { file: 'policies/tiny', message: 'has no allowed example (allowed/*.yaml)' },
      { file: 'policies/tiny', message: 'has no denied example (denied/*.yaml)' },
    ]);
    expect(checkPolicyExamples([{ name: 'gone', allowed: [], denied: [] }])).toEqual([{ file: 'policies/gone', message: 'has no policy file policies/gone/gone.yaml' }]);
  });

  it('fails an allowed example that is rejected and a denied one that is admitted or says something else', () => {
    const problems = checkPolicyExamples([
      folder({
        allowed: [{ path: 'a.yaml', text: sts(9) }],
        denied: [
          { path: 'd1.yaml', text: `# expect: too many\n${sts(1)}` },
          { path: 'd2.yaml', text: `# expect: too few replicas\n${sts(9)}` },
          { path: 'd3.yaml', text: sts(9) },
        ],
      }),
    ]);
    expect(problems).toEqual([
      { file: 'a.yaml', message: 'allowed example is rejected: StatefulSet s has too many replicas' },
      { file: 'd1.yaml', message: 'denied example is admitted: no validation failed' },
      { file: 'd2.yaml', message: 'no message contains "too few replicas"; got: StatefulSet s has too many replicas' },
      { file: 'd3.yaml', message: 'denied example must start with a "# expect: <part of the message>" line' },
    ]);
  });

  it('enforces the folder conventions: names, annotations, bindings, README row', () => {
    const text = POLICY.replace('redis-gitops.dev/severity: low', 'redis-gitops.dev/severity: urgent')
      .replace(/^ *redis-gitops.dev\/remediation:.*\n/m, '')
      .replace('name: tiny-deny', 'name: tiny-enforce');
    expect(checkPolicyExamples([folder({ policy: { path: 'policies/tiny/tiny.yaml', text } })], { readme: '| policy | severity |\n|---|---|\n| other | low |\n' })).toEqual([
      { file: 'policies/tiny/tiny.yaml', message: 'policy tiny has no annotation redis-gitops.dev/remediation' },
      { file: 'policies/tiny/tiny.yaml', message: 'policy tiny: redis-gitops.dev/severity must be one of high, medium, low (got "urgent")' },
      { file: 'policies/tiny/tiny.yaml', message: 'binding tiny-enforce must be named tiny-deny or tiny-warn or tiny-audit' },
      { file: 'policies/README.md', message: 'has no table row for policy tiny' },
    ]);
  });

  it('reports a policy that does not load, with its diagnostics', () => {
    const text = POLICY.replace('object.spec.replicas <= 3', 'objet.spec.replicas <= 3');
    expect(checkPolicyExamples([folder({ policy: { path: 'policies/tiny/tiny.yaml', text } })])).toEqual([
      { file: 'policies/tiny/tiny.yaml', message: "policies/tiny/tiny.yaml:19:20 policy tiny validations[0].expression: undeclared reference to 'objet' — did you mean 'object'?" },
    ]);
  });

  it('reads every leading # expect: line', () => {
    expect(expectedMessages('# expect: one\n# expect:  two \n# a note\napiVersion: v1\n# expect: not this')).toEqual(['one', 'two']);
  });
});
