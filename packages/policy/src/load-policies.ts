/**
 * Reads policy files (ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding, several
 * documents per file), validates their shape as the API server would, and compiles every CEL
 * expression exactly once. Anything the API server would refuse — a typo in a function or
 * variable, a syntax error, a function Kubernetes does not have, a wrong field — is reported as a
 * Diagnostic with file:line:col, the policy and the field, and all of them are thrown together.
 */
import { closestMatch, InputError, type Diagnostic } from '@redis-gitops/diagnostics';
import type { CelProblem, NameScope } from './check-cel-names.ts';
import { lazyVariablesClass, policyEnvironment, REQUEST_SCHEMA, type DeclaredVariable } from './cel-environment.ts';
import { compileExpression, type CompiledExpression, type ExpectedType } from './compile-expression.ts';
import { selectorProblems, type LabelSelector } from './label-selector.ts';
import type { CompiledBinding, CompiledNamedExpression, CompiledPolicy, CompiledValidation, FailurePolicy, PolicySet, ValidationAction } from './policy-set.ts';
import type { MatchResources, ResourceRule } from './resource-rules.ts';
import { parseYamlDocuments, type PathSegment, type YamlDocument } from './yaml-documents.ts';

export interface PolicyFile {
  /** Workspace-relative path, used in every diagnostic. */
  readonly path: string;
  readonly text: string;
}

const API_VERSION = 'admissionregistration.k8s.io/v1';
const POLICY_SPEC_FIELDS = ['paramKind', 'matchConstraints', 'validations', 'failurePolicy', 'auditAnnotations', 'matchConditions', 'variables'];
const BINDING_SPEC_FIELDS = ['policyName', 'paramRef', 'matchResources', 'validationActions'];
const MATCH_FIELDS = ['namespaceSelector', 'objectSelector', 'resourceRules', 'excludeResourceRules', 'matchPolicy'];
const RULE_FIELDS = ['apiGroups', 'apiVersions', 'resources', 'operations', 'scope', 'resourceNames'];
const VALIDATION_FIELDS = ['expression', 'message', 'messageExpression', 'reason'];
const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'];
const REASONS = ['Unauthorized', 'Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const ACTIONS: readonly ValidationAction[] = ['Deny', 'Warn', 'Audit'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const REQUEST_FIELDS = [...Object.keys(REQUEST_SCHEMA), 'group', 'version', 'kind', 'resource', 'username', 'uid', 'groups', 'extra'];

/** Kubernetes reads YAML 1.1, where unquoted y/n/yes/no/on/off are booleans. */
const YAML11_HINT = 'quote it: Kubernetes reads YAML 1.1, where unquoted y, n, yes, no, on and off are booleans';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** `['spec', 'validations', 1, 'expression']` -> `validations[1].expression` (spec fields read without `spec.`, as in kubectl explain). */
function fieldPath(path: readonly PathSegment[]): string {
  const rel = path[0] === 'spec' && path.length > 1 ? path.slice(1) : path;
  return rel.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

/** Collects diagnostics for one document: a policy or a binding. */
class DocumentReporter {
  readonly diagnostics: Diagnostic[] = [];
  readonly file: string;
  readonly doc: YamlDocument;
  subject: string;

  constructor(file: string, doc: YamlDocument, subject: string) {
    this.file = file;
    this.doc = doc;
    this.subject = subject;
  }

  report(path: readonly PathSegment[], message: string, hint?: string): void {
    const p = this.doc.positionOf(path);
    this.diagnostics.push({ file: this.file, line: p.line, col: p.col, path: `${this.subject} ${fieldPath(path)}`.trim(), message, ...(hint ? { hint } : {}) });
  }

  reportCel(path: readonly PathSegment[], problem: CelProblem): void {
    const p = this.doc.positionInString(path, problem.offset);
    this.diagnostics.push({ file: this.file, line: p.line, col: p.col, path: `${this.subject} ${fieldPath(path)}`, message: problem.message, ...(problem.hint ? { hint: problem.hint } : {}) });
  }

  unknownFields(value: Record<string, unknown>, known: readonly string[], path: readonly PathSegment[]): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const suggestion = closestMatch(key, known);
      this.report([...path, key], `unknown field "${key}"`, suggestion ? `did you mean "${suggestion}"?` : `known fields: ${known.join(', ')}`);
    }
  }

  selector(value: unknown, path: readonly PathSegment[]): LabelSelector | undefined {
    for (const p of selectorProblems(value)) this.report(path, `${fieldPath(path)}${p.path}: ${p.message}`);
    return value === undefined || value === null ? undefined : (value as LabelSelector);
  }

  rules(value: unknown, path: readonly PathSegment[], required: boolean): ResourceRule[] {
    if (value === undefined || value === null) {
      if (required)
        this.report(path, 'is required: list the resources the policy applies to', 'e.g. apiGroups: ["apps"], apiVersions: ["v1"], resources: ["statefulsets"], operations: ["CREATE", "UPDATE"]');
      return [];
    }
    if (!Array.isArray(value) || (required && value.length === 0)) {
      this.report(path, 'must be a non-empty list of resource rules');
      return [];
    }
    return value.flatMap((rule: unknown, i) => {
      const at = [...path, i];
      if (!isRecord(rule)) {
        this.report(at, 'must be a mapping');
        return [];
      }
      this.unknownFields(rule, RULE_FIELDS, at);
      for (const key of ['apiGroups', 'apiVersions', 'resources', 'operations']) {
        if (!isStringList(rule[key]) || (rule[key] as string[]).length === 0) this.report([...at, key], 'must be a non-empty list of strings');
      }
      for (const op of isStringList(rule.operations) ? rule.operations : []) {
        if (!OPERATIONS.includes(op)) this.report([...at, 'operations'], `unknown operation "${op}"`, `use ${OPERATIONS.join(', ')}`);
      }
      for (const res of isStringList(rule.resources) ? rule.resources : []) {
        if (res !== res.toLowerCase()) {
          this.report([...at, 'resources'], `resource "${res}" must be the plural lower-case resource name`, `e.g. "${res.toLowerCase()}s" ("statefulsets", "networkpolicies"), not the kind`);
        }
      }
      if (rule.scope !== undefined && !['*', 'Cluster', 'Namespaced'].includes(rule.scope as string)) this.report([...at, 'scope'], 'must be "*", "Cluster" or "Namespaced"');
      return [rule as unknown as ResourceRule];
    });
  }

  matchResources(value: unknown, path: readonly PathSegment[], requireRules: boolean): MatchResources | undefined {
    if (value === undefined || value === null) {
      if (requireRules) this.report(path, 'is required', 'a policy must say which resources it checks (matchConstraints.resourceRules)');
      return undefined;
    }
    if (!isRecord(value)) {
      this.report(path, 'must be a mapping');
      return undefined;
    }
    this.unknownFields(value, MATCH_FIELDS, path);
    if (value.matchPolicy !== undefined && !['Exact', 'Equivalent'].includes(value.matchPolicy as string)) this.report([...path, 'matchPolicy'], 'must be "Exact" or "Equivalent"');
    return {
      namespaceSelector: this.selector(value.namespaceSelector, [...path, 'namespaceSelector']),
      objectSelector: this.selector(value.objectSelector, [...path, 'objectSelector']),
      resourceRules: this.rules(value.resourceRules, [...path, 'resourceRules'], requireRules),
      excludeResourceRules: this.rules(value.excludeResourceRules, [...path, 'excludeResourceRules'], false),
    };
  }
}

function header(r: DocumentReporter, value: Record<string, unknown>): string | undefined {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = metadata.name;
  if (typeof name !== 'string' || !name) {
    r.report(['metadata', 'name'], 'is required');
    return undefined;
  }
  if (!DNS_SUBDOMAIN.test(name)) r.report(['metadata', 'name'], `"${name}" is not a valid name`, 'lower-case letters, digits, "-" and "."');
  return name;
}

const PARAMS_HINT = "this repository's policies take no parameters (spec.paramKind is not supported by the offline evaluator): write the value into the expression or a spec.variables entry";

function compilePolicy(r: DocumentReporter, value: Record<string, unknown>, name: string, line: number): CompiledPolicy | undefined {
  const spec = isRecord(value.spec) ? value.spec : undefined;
  if (!spec) {
    r.report(['spec'], 'is required');
    return undefined;
  }
  r.unknownFields(spec, POLICY_SPEC_FIELDS, ['spec']);
  if (spec.paramKind !== undefined) r.report(['spec', 'paramKind'], 'is not supported', PARAMS_HINT);

  const failurePolicy = (spec.failurePolicy ?? 'Fail') as FailurePolicy;
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') r.report(['spec', 'failurePolicy'], `must be "Fail" or "Ignore" (got ${JSON.stringify(spec.failurePolicy)})`);
  const matchConstraints = r.matchResources(spec.matchConstraints, ['spec', 'matchConstraints'], true);

  const list = (key: string): unknown[] => {
    const v = spec[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      r.report(['spec', key], 'must be a list');
      return [];
    }
    return v;
  };
  const scope: NameScope = {
    variables: new Set(['object', 'oldObject', 'request', 'namespaceObject', 'variables']),
    undeclaredHints: new Map([['params', PARAMS_HINT]]),
  };

  // Variables compile in order; each sees only the ones declared before it.
  const declared: DeclaredVariable[] = [];
  const variables: CompiledNamedExpression[] = [];
  const rawVariables = list('variables');
  const variablesClass = lazyVariablesClass(rawVariables.map((v) => (isRecord(v) && typeof v.name === 'string' ? v.name : '')));
  // `known` is always a prefix of `declared`: one environment per prefix length.
  const environments = new Map<number, ReturnType<typeof policyEnvironment>>();
  const compile = (path: PathSegment[], text: unknown, expected: ExpectedType, known: readonly DeclaredVariable[]): CompiledExpression | undefined => {
    if (typeof text !== 'string') {
      r.report(path, 'must be a string holding a CEL expression');
      return undefined;
    }
    const env = environments.get(known.length) ?? policyEnvironment(known, variablesClass);
    environments.set(known.length, env);
    const { compiled, problems } = compileExpression(text, { env, scope, expected, knownFields: [...known.map((v) => v.name), ...REQUEST_FIELDS] });
    for (const p of problems) r.reportCel(path, p);
    return compiled;
  };
  const seenVariables = new Set<string>();
  for (const [i, v] of rawVariables.entries()) {
    const at: PathSegment[] = ['spec', 'variables', i];
    if (!isRecord(v)) {
      r.report(at, 'must be a mapping with name and expression');
      continue;
    }
    r.unknownFields(v, ['name', 'expression'], at);
    const vname = v.name;
    if (typeof vname !== 'string' || !IDENTIFIER.test(vname)) {
      r.report([...at, 'name'], `must be a CEL identifier (letters, digits, "_"), got ${JSON.stringify(vname)}`, typeof vname === 'boolean' ? YAML11_HINT : undefined);
      continue;
    }
    if (seenVariables.has(vname)) {
      r.report([...at, 'name'], `variable "${vname}" is declared twice`);
      continue;
    }
    seenVariables.add(vname);
    const compiled = compile([...at, 'expression'], v.expression, 'any', [...declared]);
    declared.push({ name: vname, type: compiled?.type ?? 'dyn' });
    if (compiled) variables.push({ name: vname, expression: compiled });
  }

  const matchConditions: CompiledNamedExpression[] = [];
  const seenConditions = new Set<string>();
  for (const [i, c] of list('matchConditions').entries()) {
    const at: PathSegment[] = ['spec', 'matchConditions', i];
    if (!isRecord(c)) {
      r.report(at, 'must be a mapping with name and expression');
      continue;
    }
    r.unknownFields(c, ['name', 'expression'], at);
    if (typeof c.name !== 'string' || !c.name) {
      r.report([...at, 'name'], 'is required');
      continue;
    }
    if (seenConditions.has(c.name)) r.report([...at, 'name'], `match condition "${c.name}" is declared twice`);
    seenConditions.add(c.name);
    const compiled = compile([...at, 'expression'], c.expression, 'bool', declared);
    if (compiled) matchConditions.push({ name: c.name, expression: compiled });
  }

  const validations: CompiledValidation[] = [];
  const rawValidations = list('validations');
  for (const [i, v] of rawValidations.entries()) {
    const at: PathSegment[] = ['spec', 'validations', i];
    if (!isRecord(v)) {
      r.report(at, 'must be a mapping with expression and message');
      continue;
    }
    r.unknownFields(v, VALIDATION_FIELDS, at);
    const expression = compile([...at, 'expression'], v.expression, 'bool', declared);
    const messageExpression = v.messageExpression === undefined ? undefined : compile([...at, 'messageExpression'], v.messageExpression, 'string', declared);
    if (v.message !== undefined && typeof v.message !== 'string') r.report([...at, 'message'], `must be a string (got ${JSON.stringify(v.message)})`, YAML11_HINT);
    else if (typeof v.message === 'string' && /[\r\n]/.test(v.message)) r.report([...at, 'message'], 'must not contain line breaks');
    const reason = (v.reason ?? 'Invalid') as string;
    if (!REASONS.includes(reason)) r.report([...at, 'reason'], `must be one of ${REASONS.join(', ')}`);
    if (!expression || (v.messageExpression !== undefined && !messageExpression)) continue;
    validations.push({
      index: i,
      expression,
      ...(typeof v.message === 'string' ? { message: v.message } : {}),
      ...(messageExpression ? { messageExpression } : {}),
      reason,
    });
  }

  const auditAnnotations = list('auditAnnotations');
  for (const [i, a] of auditAnnotations.entries()) {
    const at: PathSegment[] = ['spec', 'auditAnnotations', i];
    if (!isRecord(a)) {
      r.report(at, 'must be a mapping with key and valueExpression');
      continue;
    }
    r.unknownFields(a, ['key', 'valueExpression'], at);
    compile([...at, 'valueExpression'], a.valueExpression, 'string', declared);
  }
  if (rawValidations.length === 0 && auditAnnotations.length === 0) r.report(['spec'], 'needs at least one of validations or auditAnnotations');

  if (!matchConstraints) return undefined;
  const metadata = value.metadata as Record<string, unknown>;
  const annotations = isRecord(metadata.annotations) ? (Object.fromEntries(Object.entries(metadata.annotations).map(([k, v]) => [k, String(v)])) as Record<string, string>) : {};
  return { name, file: r.file, line, annotations, failurePolicy, matchConstraints, matchConditions, variables, validations, variablesClass };
}

function compileBinding(r: DocumentReporter, value: Record<string, unknown>, name: string, line: number): CompiledBinding | undefined {
  const spec = isRecord(value.spec) ? value.spec : undefined;
  if (!spec) {
    r.report(['spec'], 'is required');
    return undefined;
  }
  r.unknownFields(spec, BINDING_SPEC_FIELDS, ['spec']);
  if (spec.paramRef !== undefined) r.report(['spec', 'paramRef'], 'is not supported', PARAMS_HINT);
  const policyName = spec.policyName;
  if (typeof policyName !== 'string' || !policyName) r.report(['spec', 'policyName'], 'is required');
  const actions = spec.validationActions;
  let validationActions: ValidationAction[] = [];
  if (!isStringList(actions) || actions.length === 0) {
    r.report(['spec', 'validationActions'], 'must be a non-empty list', 'e.g. [Deny] in production, [Warn] while a policy is rolled out');
  } else {
    validationActions = actions as ValidationAction[];
    for (const a of actions) if (!ACTIONS.includes(a as ValidationAction)) r.report(['spec', 'validationActions'], `unknown action "${a}"`, `use ${ACTIONS.join(', ')}`);
    if (new Set(actions).size !== actions.length) r.report(['spec', 'validationActions'], 'lists an action twice');
    if (actions.includes('Deny') && actions.includes('Warn')) r.report(['spec', 'validationActions'], 'Deny and Warn may not be used together', 'Deny already reports the message to the client');
  }
  const matchResources = r.matchResources(spec.matchResources, ['spec', 'matchResources'], false);
  if (typeof policyName !== 'string') return undefined;
  return { name, file: r.file, line, policyName, validationActions, ...(matchResources ? { matchResources } : {}) };
}

/**
 * Loads and compiles every policy and binding in `files`. Throws an InputError carrying every
 * problem found (file:line:col, `policy <name> <field>`, message and hint) when any file is bad.
 */
export function loadPolicies(files: readonly PolicyFile[]): PolicySet {
  const diagnostics: Diagnostic[] = [];
  const policies: CompiledPolicy[] = [];
  const bindings: CompiledBinding[] = [];
  const bindingDocs: { binding: CompiledBinding; reporter: DocumentReporter }[] = [];

  for (const file of files) {
    const parsed = parseYamlDocuments(file.text, file.path);
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      const value = doc.value;
      if (value === null || value === undefined) continue;
      const line = doc.positionOf([]).line;
      const r = new DocumentReporter(file.path, doc, `document ${doc.index + 1}`);
      if (!isRecord(value)) {
        r.report([], 'is not a Kubernetes object (expected a mapping)');
        diagnostics.push(...r.diagnostics);
        continue;
      }
      const kind = value.kind;
      if (kind !== 'ValidatingAdmissionPolicy' && kind !== 'ValidatingAdmissionPolicyBinding') {
        r.report(['kind'], `a policy file holds ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects, not ${JSON.stringify(kind)}`);
        diagnostics.push(...r.diagnostics);
        continue;
      }
      const name = header(r, value);
      r.subject = `${kind === 'ValidatingAdmissionPolicy' ? 'policy' : 'binding'} ${name ?? '(unnamed)'}`;
      if (value.apiVersion !== API_VERSION) {
        r.report(['apiVersion'], `must be ${API_VERSION} (got ${JSON.stringify(value.apiVersion)})`, 'ValidatingAdmissionPolicy is GA as admissionregistration.k8s.io/v1 since Kubernetes 1.30');
      }
      if (name !== undefined) {
        if (kind === 'ValidatingAdmissionPolicy') {
          const policy = compilePolicy(r, value, name, line);
          if (policies.some((p) => p.name === name)) r.report(['metadata', 'name'], `policy "${name}" is declared twice`);
          else if (policy) policies.push(policy);
        } else {
          const binding = compileBinding(r, value, name, line);
          if (bindings.some((b) => b.name === name)) r.report(['metadata', 'name'], `binding "${name}" is declared twice`);
          else if (binding) {
            bindings.push(binding);
            bindingDocs.push({ binding, reporter: r });
          }
        }
      }
      diagnostics.push(...r.diagnostics);
    }
  }
  const policyNames = policies.map((p) => p.name);
  for (const { binding, reporter } of bindingDocs) {
    if (policyNames.includes(binding.policyName)) continue;
    const suggestion = closestMatch(binding.policyName, policyNames);
    reporter.report(['spec', 'policyName'], `no policy named "${binding.policyName}" is loaded`, suggestion ? `did you mean "${suggestion}"?` : 'a binding without its policy checks nothing');
    diagnostics.push(...reporter.diagnostics.slice(-1));
  }
  if (diagnostics.length > 0) throw new InputError(diagnostics);
  return { policies, bindings };
}
