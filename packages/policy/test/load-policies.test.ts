import { formatDiagnostic } from '@redis-gitops/diagnostics';
import { loadPolicies } from '../src/index.ts';
import { binding, FILE, load, loadProblems, vap } from './helpers.ts';

const ok = (expression: string): string => vap('p', `validations:\n  - expression: "${expression}"\n    message: denied`);
const lines = (...docs: string[]): string[] => loadProblems(...docs).map(formatDiagnostic);

describe('loadPolicies', () => {
  it('compiles policies and bindings from several documents and files', () => {
    const set = loadPolicies([
      { path: 'policies/a/a.yaml', text: `${vap('a', 'validations:\n  - expression: "true"')}---\n${binding('a-deny', 'a', ['Deny'])}` },
      { path: 'policies/b/b.yaml', text: `${vap('b', 'validations:\n  - expression: "object.spec.replicas > 1"')}---\n${binding('b-warn', 'b', ['Warn', 'Audit'])}` },
    ]);
    expect(set.policies.map((p) => [p.name, p.file, p.validations.length])).toEqual([
      ['a', 'policies/a/a.yaml', 1],
      ['b', 'policies/b/b.yaml', 1],
    ]);
    expect(set.bindings.map((b) => [b.name, b.policyName, b.validationActions])).toEqual([
      ['a-deny', 'a', ['Deny']],
      ['b-warn', 'b', ['Warn', 'Audit']],
    ]);
  });

  it('rejects a misspelt function with file, line, policy, validation index and a suggestion', () => {
    const policy = vap(
      'resource-limits',
      `validations:
  - expression: "true"
  - expression: |-
      object.spec.template.spec.containers.all(c,
        quantiy(c.resources.limits.memory).isGreaterThan(quantity('1Mi')))`,
    );
    expect(lines(policy)).toEqual([`${FILE}:16:11 policy resource-limits validations[1].expression: undeclared reference to 'quantiy' — did you mean 'quantity'?`]);
  });

  it('rejects a misspelt top-level variable', () => {
    expect(lines(ok('objct.spec.replicas > 1'))).toEqual([`${FILE}:13:20 policy p validations[0].expression: undeclared reference to 'objct' — did you mean 'object'?`]);
  });

  it('rejects syntax errors at their position', () => {
    expect(lines(ok('object.spec.replicas >'))).toEqual([`${FILE}:13:42 policy p validations[0].expression: syntax error: Unexpected token: EOF`]);
  });

  it('collects every problem of every expression at once', () => {
    const policy = vap(
      'p',
      `variables:
  - name: a
    expression: "objecct.metadata"
validations:
  - expression: "sise(object.spec) > 0"
    messageExpression: "object.metadata.name.lowerAsci()"`,
    );
    expect(lines(policy)).toEqual([
      `${FILE}:14:20 policy p variables[0].expression: undeclared reference to 'objecct' — did you mean 'object'?`,
      `${FILE}:16:20 policy p validations[0].expression: undeclared reference to 'sise' — did you mean 'size'?`,
      `${FILE}:17:27 policy p validations[0].messageExpression: undeclared reference to 'lowerAsci' — did you mean 'lowerAscii'?`,
    ]);
  });

  it('rejects functions the evaluator has but the Kubernetes CEL environment lacks', () => {
    const [bind] = lines(ok('cel.bind(x, 1, x > 0)'));
    expect(bind).toContain("undeclared reference to 'cel.bind' — cel.bind is not in the Kubernetes CEL environment: declare the value once in spec.variables");
    expect(lines(ok("b'{}'.json().size() == 0"))[0]).toContain("undeclared reference to 'json'");
    expect(lines(ok('math.greatest(1, 2) == 2'))[0]).toContain("undeclared reference to 'math.greatest'");
  });

  it('rejects libraries newer than the targeted Kubernetes version', () => {
    expect(lines(ok("isCIDR('10.0.0.0/8')"))[0]).toContain("function 'isCIDR' (CIDR) is only accepted by API servers from Kubernetes 1.31 — this repository's policies must work on Kubernetes 1.30");
    expect(lines(ok("object.spec.containers.all(i, c, c.name != '')"))[0]).toContain('two-variable all(k, v, ...) is only accepted by API servers from Kubernetes 1.33');
  });

  it('rejects what cannot be evaluated offline: authorizer and params', () => {
    expect(lines(ok("authorizer.group('').resource('pods').check('create').allowed()"))[0]).toContain("undeclared reference to 'authorizer'");
    const params = lines(vap('p', 'paramKind:\n  apiVersion: v1\n  kind: ConfigMap\nvalidations:\n  - expression: "params.data.x == \'1\'"'));
    expect(params).toEqual([
      expect.stringMatching(/policy p paramKind: is not supported — this repository's policies take no parameters/),
      expect.stringMatching(/validations\[0\]\.expression: undeclared reference to 'params' — this repository's policies take no parameters/),
    ]);
    expect(lines(vap('p', 'validations:\n  - expression: "true"'), binding('p-deny', 'p', ['Deny']).replace('  validationActions', '  paramRef: {name: x}\n  validationActions'))).toEqual([
      expect.stringMatching(/binding p-deny paramRef: is not supported/),
    ]);
  });

  it('type-checks request, variables and argument types', () => {
    expect(lines(ok("request.namex == 'x'"))[0]).toContain("undefined field 'namex' — did you mean 'name'?");
    const vars = vap('p', 'variables:\n  - name: replicas\n    expression: "object.spec.replicas"\nvalidations:\n  - expression: "variables.replica > 1"');
    expect(lines(vars)[0]).toContain("validations[0].expression: undefined field 'replica' — did you mean 'replicas'?");
    expect(lines(ok("'redis'.startsWith(1)"))[0]).toContain("found no matching overload for 'string.startsWith(int)'");
    expect(lines(ok('quantity(1).sign() == 1'))[0]).toContain("found no matching overload for 'quantity(int)'");
    expect(lines(ok("size([1, 'a']) == 2"))[0]).toContain('List elements must have the same type');
  });

  it('lets a variable use only the variables declared before it', () => {
    const policy = vap('p', 'variables:\n  - name: a\n    expression: "variables.b"\n  - name: b\n    expression: "1"\nvalidations:\n  - expression: "variables.a == 1"');
    expect(lines(policy)[0]).toContain("variables[0].expression: undefined field 'b'");
  });

  it('checks result types: validations bool, messageExpression string', () => {
    expect(lines(ok("object.metadata.name + 'x'"))[0]).toContain('validations[0].expression: must evaluate to bool, but its type is string');
    const msg = vap('p', 'validations:\n  - expression: "true"\n    messageExpression: "size(object.metadata.name) > 1"');
    expect(lines(msg)[0]).toContain('validations[0].messageExpression: must evaluate to string, but its type is bool');
  });

  it('validates regex literals with RE2, as the API server does', () => {
    expect(lines(ok("object.metadata.name.matches('^(?!kube-)')"))[0]).toContain("invalid regular expression '^(?!kube-)': error parsing regexp: invalid or unsupported Perl syntax");
    expect(() => load(ok("object.metadata.name.find('(?i)redis') != ''"))).not.toThrow();
  });

  it('rejects unknown and wrong fields of the policy and its bindings, with suggestions', () => {
    const policy = vap('p', 'validation:\n  - expression: "true"\nfailurePolicy: Sometimes', {
      rules: 'resourceRules:\n  - apiGroups: ["apps"]\n    apiVersions: ["v1"]\n    resources: ["StatefulSet"]\n    operations: ["CREATE", "PATCH"]',
    });
    expect(lines(policy)).toEqual([
      `${FILE}:6:3 policy p spec: needs at least one of validations or auditAnnotations`,
      `${FILE}:10:20 policy p matchConstraints.resourceRules[0].resources: resource "StatefulSet" must be the plural lower-case resource name — e.g. "statefulsets" ("statefulsets", "networkpolicies"), not the kind`,
      `${FILE}:11:21 policy p matchConstraints.resourceRules[0].operations: unknown operation "PATCH" — use CREATE, UPDATE, DELETE, CONNECT, *`,
      `${FILE}:13:5 policy p validation: unknown field "validation" — did you mean "validations"?`,
      `${FILE}:14:18 policy p failurePolicy: must be "Fail" or "Ignore" (got "Sometimes")`,
    ]);
    const bad = binding('p-deny', 'pp', ['Deny', 'Warn', 'Block']);
    expect(lines(vap('p', 'validations:\n  - expression: "true"'), bad)).toEqual([
      `${FILE}:20:15 binding p-deny policyName: no policy named "pp" is loaded — did you mean "p"?`,
      `${FILE}:21:22 binding p-deny validationActions: unknown action "Block" — use Deny, Warn, Audit`,
      `${FILE}:21:22 binding p-deny validationActions: Deny and Warn may not be used together — Deny already reports the message to the client`,
    ]);
  });

  it('reads YAML 1.1 like the API server: an unquoted n or no is a boolean', () => {
    const policy = vap('p', 'variables:\n  - name: n\n    expression: "1"\nvalidations:\n  - expression: "true"\n    message: no');
    expect(lines(policy)).toEqual([
      `${FILE}:13:13 policy p variables[0].name: must be a CEL identifier (letters, digits, "_"), got false — quote it: Kubernetes reads YAML 1.1, where unquoted y, n, yes, no, on and off are booleans`,
      `${FILE}:17:16 policy p validations[0].message: must be a string (got false) — quote it: Kubernetes reads YAML 1.1, where unquoted y, n, yes, no, on and off are booleans`,
    ]);
  });

  it('reports YAML syntax errors and foreign objects', () => {
    expect(lines('kind: [unclosed')[0]).toMatch(/^policies\/test\/test\.yaml:1:\d+ invalid YAML/);
    expect(lines('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n')).toEqual([
      `${FILE}:2:7 document 1 kind: a policy file holds ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects, not "ConfigMap"`,
    ]);
    expect(lines(vap('p', 'validations:\n  - expression: "true"').replace('admissionregistration.k8s.io/v1', 'admissionregistration.k8s.io/v1beta1'))[0]).toContain(
      'policy p apiVersion: must be admissionregistration.k8s.io/v1 (got "admissionregistration.k8s.io/v1beta1")',
    );
  });

  it('compiles every expression once, at load time', () => {
    const set = load(
      vap('p', 'variables:\n  - name: nm\n    expression: "object.metadata.name"\nvalidations:\n  - expression: "variables.nm != \'\'"\n    messageExpression: "\'bad \' + variables.nm"'),
    );
    const [policy] = set.policies;
    expect(policy!.variables[0]!.expression.type).toBe('dyn');
    expect(policy!.validations[0]!.expression.type).toBe('bool');
    expect(policy!.validations[0]!.messageExpression!.type).toBe('string');
  });
});
