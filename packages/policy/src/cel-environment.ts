/**
 * The CEL environment of a ValidatingAdmissionPolicy, declared the way the API server declares it:
 * `object`, `oldObject` and `namespaceObject` are dynamically typed, `request` is typed (so
 * `request.namex` is a compile error), and `variables` is an object type whose fields are the
 * policy's spec.variables declared so far, each with the type of its expression.
 */
import { Environment } from '@marcbachmann/cel-js';
import { registerKubernetesLibraries } from './kubernetes-cel-library.ts';

const GVK = { group: 'string', version: 'string', kind: 'string' };
const GVR = { group: 'string', version: 'string', resource: 'string' };

/** admission.k8s.io/v1 AdmissionRequest, as `request` in CEL. */
export const REQUEST_SCHEMA = {
  uid: 'string',
  kind: GVK,
  resource: GVR,
  subResource: 'string',
  requestKind: GVK,
  requestResource: GVR,
  requestSubResource: 'string',
  name: 'string',
  namespace: 'string',
  operation: 'string',
  userInfo: { username: 'string', uid: 'string', groups: 'list<string>', extra: 'map<string, list<string>>' },
  dryRun: 'bool',
  options: 'dyn',
};

let base: Environment | undefined;

/** The shared base: Kubernetes libraries and the admission variables except `variables`. Built once. */
function baseEnvironment(): Environment {
  if (!base) {
    const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true, unlistedVariablesAreDyn: false });
    registerKubernetesLibraries(env);
    env.registerVariable('object', 'dyn').registerVariable('oldObject', 'dyn').registerVariable('namespaceObject', 'dyn').registerVariable({ name: 'request', schema: REQUEST_SCHEMA });
    base = env;
  }
  return base;
}

const RESOLVE = Symbol('resolve variable');

/** The runtime value of `variables`: each field is computed on first access, as Kubernetes does. */
export interface LazyVariables {
  readonly [RESOLVE]: (name: string) => unknown;
}

export type LazyVariablesClass = new (resolve: (name: string) => unknown) => LazyVariables;

/** A class whose instances expose `names` as lazily resolved fields. */
export function lazyVariablesClass(names: readonly string[]): LazyVariablesClass {
  class PolicyVariables {
    readonly [RESOLVE]: (name: string) => unknown;
    constructor(resolve: (name: string) => unknown) {
      this[RESOLVE] = resolve;
    }
  }
  for (const name of names) {
    Object.defineProperty(PolicyVariables.prototype, name, {
      get(this: PolicyVariables) {
        return this[RESOLVE](name);
      },
      enumerable: true,
    });
  }
  return PolicyVariables;
}

export interface DeclaredVariable {
  readonly name: string;
  /** CEL type of the variable's expression, e.g. `bool`, `list<dyn>`, `Quantity`. */
  readonly type: string;
}

/** An environment in which `variables.<name>` is declared for each of `declared` (in order). */
export function policyEnvironment(declared: readonly DeclaredVariable[], ctor: LazyVariablesClass): Environment {
  const build = (typeOf: (v: DeclaredVariable) => string): Environment => {
    const env = baseEnvironment().clone();
    env.registerType('PolicyVariables', { ctor, fields: Object.fromEntries(declared.map((v) => [v.name, typeOf(v)])) });
    return env.registerVariable('variables', 'PolicyVariables');
  };
  try {
    return build((v) => v.type);
  } catch {
    // A type the registry cannot take as a field type: fall back to dyn, still checking the names.
    return build(() => 'dyn');
  }
}
