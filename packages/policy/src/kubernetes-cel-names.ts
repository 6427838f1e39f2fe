/**
 * Every name the Kubernetes API server's CEL environment for ValidatingAdmissionPolicy knows, with
 * the Kubernetes version whose CEL environment introduced it (k8s.io/apiserver/pkg/cel/environment,
 * base.go) and whether this offline evaluator can run it.
 *
 * The API server validates a new expression against the CEL environment of its *compatibility
 * version*, one minor release behind itself (so a cluster can be rolled back). This repository
 * targets API servers from 1.30 on (admissionregistration.k8s.io/v1 is GA there), so new expressions
 * may use what the 1.29 environment has: the base libraries, authz, quantity, optional types, the
 * strings extension v2 and sets. Libraries that entered the environment later (IP/CIDR at 1.30,
 * format at 1.31, two-variable comprehensions at 1.32, semver and image at 1.33, so accepted by API
 * servers one minor later) are known by name and rejected with that explanation until the target moves.
 */

/** The CEL environment version (Kubernetes minor) that new expressions may use. */
export const TARGET_CEL_MINOR = 29;

export interface CelName {
  /** Library, for messages: `quantity`, `strings extension`, `lists`... */
  readonly library: string;
  /** Kubernetes minor version whose CEL environment introduced it. */
  readonly since: number;
  /** False when the API server has it but this evaluator cannot run it offline. */
  readonly offline?: false;
  /** Extra advice when the name is used but not available. */
  readonly note?: string;
}

const entries = (names: string, info: CelName): [string, CelName][] =>
  names
    .split(/\s+/)
    .filter(Boolean)
    .map((n) => [n, info]);

const STANDARD: CelName = { library: 'CEL standard library', since: 0 };
const AUTHZ: CelName = {
  library: 'authorizer',
  since: 27,
  offline: false,
  note: 'authorizer checks depend on the live RBAC state of a cluster, so CI cannot evaluate them; keep authorization out of these policies',
};

/** Top-level variables of a ValidatingAdmissionPolicy expression (without spec.paramKind). */
export const VARIABLES = new Map<string, CelName>([
  ['object', STANDARD],
  ['oldObject', STANDARD],
  ['request', STANDARD],
  ['namespaceObject', { library: 'admission', since: 28 }],
  ['variables', { library: 'admission', since: 28 }],
  ['authorizer', AUTHZ],
]);

/** Type names usable as values, e.g. `type(x) == string`. */
export const TYPE_IDENTIFIERS = new Set(['int', 'uint', 'double', 'bool', 'string', 'bytes', 'list', 'map', 'null_type', 'type']);

/** Global functions and macros, called as `name(...)`. */
export const GLOBAL_FUNCTIONS = new Map<string, CelName>([
  ...entries('has size int uint double string bytes bool dyn type duration timestamp matches', STANDARD),
  ...entries('url isURL', { library: 'URL', since: 0 }),
  ...entries('quantity isQuantity', { library: 'quantity', since: 28 }),
  ...entries('ip isIP', { library: 'IP', since: 30 }),
  ...entries('cidr isCIDR', { library: 'CIDR', since: 30 }),
  ...entries('semver isSemver', { library: 'semver', since: 33 }),
]);

/** Macros that bind an iteration variable: name -> argument counts allowed at TARGET_CEL_MINOR. */
export const COMPREHENSION_MACROS = new Map<string, readonly number[]>([
  ['all', [2]],
  ['exists', [2]],
  ['exists_one', [2]],
  ['map', [2, 3]],
  ['filter', [2]],
]);

/** Member functions, called as `receiver.name(...)`; the type checker then checks the receiver type. */
export const MEMBER_FUNCTIONS = new Map<string, CelName>([
  ...entries('all exists exists_one map filter', STANDARD),
  ...entries('size contains startsWith endsWith matches', STANDARD),
  ...entries('getDate getDayOfMonth getDayOfWeek getDayOfYear getFullYear getHours getMilliseconds getMinutes getMonth getSeconds', STANDARD),
  ...entries('charAt indexOf lastIndexOf lowerAscii upperAscii replace split substring trim join', { library: 'strings extension', since: 0 }),
  ...entries('format', { library: 'strings extension v2', since: 29 }),
  ...entries('sum min max isSorted', { library: 'lists', since: 0 }),
  ...entries('find findAll', { library: 'regex', since: 0 }),
  ...entries('getScheme getHost getHostname getPort getEscapedPath getQuery', { library: 'URL', since: 0 }),
  ...entries('isInteger asInteger asApproximateFloat sign add sub isLessThan isGreaterThan compareTo', { library: 'quantity', since: 28 }),
  ...entries('hasValue value or orValue', { library: 'optional types', since: 28 }),
  ...entries('path group serviceAccount resource subresource namespace name check allowed reason errored error', AUTHZ),
  ...entries('family isUnspecified isLoopback isLinkLocalMulticast isLinkLocalUnicast isGlobalUnicast containsIP containsCIDR prefixLength masked', {
    library: 'IP/CIDR',
    since: 30,
  }),
  ...entries('fieldSelector labelSelector', { ...AUTHZ, since: 31 }),
  ...entries('transformList transformMap transformMapEntry existsOne', { library: 'two-variable comprehensions', since: 32 }),
  ...entries('major minor patch', { library: 'semver', since: 33 }),
]);

/** Namespaced functions, called as `namespace.name(...)`. */
export const NAMESPACED_FUNCTIONS = new Map<string, CelName>([
  ...entries('optional.of optional.none optional.ofNonZeroValue', { library: 'optional types', since: 28 }),
  ...entries('sets.contains sets.equivalent sets.intersects', { library: 'sets extension', since: 29 }),
  ...entries('strings.quote', { library: 'strings extension v2', since: 29 }),
  ...entries(
    'format.dns1123Label format.dns1123Subdomain format.dns1035Label format.qualifiedName format.dns1123LabelPrefix format.dns1123SubdomainPrefix format.dns1035LabelPrefix format.labelValue format.uri format.uuid format.byte format.date format.datetime format.named',
    {
      library: 'format',
      since: 31,
    },
  ),
]);

/** Namespaces that exist in other CEL environments but not in Kubernetes', with what to use instead. */
export const FOREIGN_NAMESPACES = new Map<string, string>([
  ['cel', 'cel.bind is not in the Kubernetes CEL environment: declare the value once in spec.variables and use variables.<name>'],
  ['math', 'the math extension is not in the Kubernetes CEL environment'],
  ['lists', 'the lists extension is not in the Kubernetes CEL environment; use the Kubernetes list functions (sum, min, max, isSorted, indexOf)'],
  ['base64', 'the encoders extension is not in the Kubernetes CEL environment'],
]);

export const NAMESPACES = new Set([...NAMESPACED_FUNCTIONS.keys()].map((n) => n.split('.')[0]!));

/** Kubernetes version (the API server release) from which a name introduced in `since` is accepted in new expressions. */
export function acceptedFrom(since: number): string {
  return `1.${since + 1}`;
}
