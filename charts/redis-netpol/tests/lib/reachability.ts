/**
 * A pure, offline evaluator of Kubernetes `networking.k8s.io/v1` NetworkPolicies: given a model of
 * namespaces, pods (labels, IP, container ports), endpoints outside the cluster and a set of
 * policies, it answers whether one connection (source, destination, port, protocol) is allowed.
 * No cluster runs here, so this is how the redis-netpol tests prove what the rendered policies do.
 *
 * Semantics, from https://kubernetes.io/docs/concepts/services-networking/network-policies/ :
 * - A policy applies to the pods of ITS namespace that its `spec.podSelector` selects (`{}`: all).
 * - `policyTypes` absent: `Ingress`, plus `Egress` when the policy has an `egress` section (the API
 *   server's default).
 * - A pod is isolated for ingress (egress) iff at least one policy that applies to it has `Ingress`
 *   (`Egress`) in its policyTypes. A direction that is not isolated allows everything.
 * - An isolated direction allows a connection iff at least one rule of at least one such policy
 *   allows it (policies and rules are additive, never subtractive).
 * - A connection is allowed iff the source's egress AND the destination's ingress allow it. An
 *   endpoint outside the cluster has no policies: its side always allows.
 * - A rule's peers (`from` / `to`): absent or empty = every source/destination; otherwise any
 *   peer matches:
 *     `podSelector` alone             -> pods of the policy's own namespace;
 *     `namespaceSelector` alone       -> every pod of the selected namespaces;
 *     both in ONE peer                -> pods selected by podSelector in the selected namespaces (AND);
 *     `ipBlock {cidr, except}`        -> endpoints whose IP is in cidr and in no except range.
 *   A peer with none of these is invalid (the API server refuses it): the evaluator throws.
 * - A rule's ports: absent or empty = every port and protocol; otherwise any entry matches:
 *   protocol (default TCP) equal, and `port` absent (every port), a number equal (or, with
 *   `endPort`, the range port..endPort), or a NAME resolved against the DESTINATION pod's
 *   container ports (same name and protocol; the connection's port must be that containerPort),
 *   for ingress and egress alike. A named port never matches an endpoint outside the cluster.
 * - Label selectors: every matchLabels entry equal, and every matchExpressions requirement
 *   (`In`: key present with a listed value; `NotIn`: key absent or value not listed; `Exists`;
 *   `DoesNotExist`); an empty selector selects everything. Namespaces always carry
 *   `kubernetes.io/metadata.name: <name>` (the API server sets it).
 *
 * Limits (what this does not model, and why that does not weaken the tests):
 * - ipBlock is applied to pod IPs as well as to external IPs. Kubernetes leaves that
 *   implementation-defined (CNIs may ignore pod IPs in ipBlocks); the permissive reading can
 *   only ALLOW more, so every "denied" the tests prove holds for every CNI.
 * - Traffic from the node (kubelet probes), host-network pods, loopback inside a pod, Services
 *   (policies see pod IPs after DNAT, which is what this evaluates), connection tracking of reply
 *   packets (replies of an allowed connection are always allowed), and the newer
 *   AdminNetworkPolicy / CNI-specific policies are out of scope.
 * - The model must be complete for the question asked: a pod that is not in the model is not
 *   considered by any selector.
 */
import { matchesLabelSelector, type LabelSelector as PolicyLabelSelector } from '@redis-gitops/policy';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: Protocol;
}

export interface NamespaceModel {
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface PodModel {
  readonly kind: 'pod';
  /** Unique name in the model (used in answers and errors). */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  /** Container ports of all its containers (named ports resolve against these). */
  readonly ports?: readonly ContainerPort[];
}

/** An address outside the cluster (the internet, an S3 endpoint): no labels, no policies. */
export interface ExternalModel {
  readonly kind: 'external';
  readonly name: string;
  readonly ip: string;
}

export type Endpoint = PodModel | ExternalModel;

export interface Connection {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: Protocol;
}

/** What one side (the source's egress or the destination's ingress) decided. */
export interface SideVerdict {
  /** True when some policy isolates the pod in this direction. */
  readonly isolated: boolean;
  readonly allowed: boolean;
  /** `<namespace>/<policy>` of every policy with a rule that allows the connection. */
  readonly allowedBy: readonly string[];
}

export interface Verdict {
  readonly allowed: boolean;
  readonly egress: SideVerdict;
  readonly ingress: SideVerdict;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

/**
 * Kubernetes label-selector semantics; `{}` selects everything; throws on an unknown operator. The
 * one implementation is @redis-gitops/policy's; selectors here come from rendered YAML, so their
 * operator is any string until that check.
 */
export const selectorMatches = (selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean => matchesLabelSelector(selector as PolicyLabelSelector, labels);

/** An IPv4 or IPv6 address as [bits, value]. Supports dotted quads and IPv6 with "::". */
export function parseIp(ip: string): { bits: 32 | 128; value: bigint } {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const parts = ip.split('.').map(Number);
    if (parts.some((p) => p > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
    return { bits: 32, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (/^[0-9a-fA-F:]+$/.test(ip) && ip.includes(':')) {
    const halves = ip.split('::');
    if (halves.length > 2) throw new Error(`invalid IPv6 address "${ip}"`);
    const groups = (s: string) => (s === '' ? [] : s.split(':'));
    const head = groups(halves[0]!);
    const tail = halves.length === 2 ? groups(halves[1]!) : [];
    const missing = 8 - head.length - tail.length;
    if ((halves.length === 1 && missing !== 0) || missing < 0 || (halves.length === 2 && missing < 1)) throw new Error(`invalid IPv6 address "${ip}"`);
    const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
    if (all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) throw new Error(`invalid IPv6 address "${ip}"`);
    return { bits: 128, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  throw new Error(`invalid IP address "${ip}"`);
}

/** True when `ip` lies in `cidr` (same address family only). */
export function inCidr(ip: string, cidr: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR "${cidr}"`);
  const net = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (prefix > net.bits) throw new Error(`invalid CIDR "${cidr}": prefix longer than ${net.bits}`);
  const addr = parseIp(ip);
  if (addr.bits !== net.bits) return false;
  const shift = BigInt(net.bits - prefix);
  return addr.value >> shift === net.value >> shift;
}

interface CompiledPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly types: readonly ('Ingress' | 'Egress')[];
  readonly ingress: readonly Json[];
  readonly egress: readonly Json[];
}

const PEER_FIELDS = ['podSelector', 'namespaceSelector', 'ipBlock'];
const PORT_FIELDS = ['port', 'endPort', 'protocol'];
const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

function compilePolicy(obj: Json): CompiledPolicy {
  const meta = isRecord(obj.metadata) ? obj.metadata : {};
  const id = `${String(meta.namespace)}/${String(meta.name)}`;
  if (obj.apiVersion !== 'networking.k8s.io/v1' || obj.kind !== 'NetworkPolicy') throw new Error(`${id}: not a networking.k8s.io/v1 NetworkPolicy`);
  if (typeof meta.namespace !== 'string' || meta.namespace === '') throw new Error(`${id}: metadata.namespace is required (a NetworkPolicy is namespaced)`);
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec || !isRecord(spec.podSelector)) throw new Error(`${id}: spec.podSelector is required`);
  const list = (v: unknown, what: string): Json[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every(isRecord)) throw new Error(`${id}: ${what} must be a list of rules`);
    return v;
  };
  const ingress = list(spec.ingress, 'spec.ingress');
  const egress = list(spec.egress, 'spec.egress');
  let types: ('Ingress' | 'Egress')[];
  if (spec.policyTypes === undefined) types = spec.egress !== undefined ? ['Ingress', 'Egress'] : ['Ingress'];
  else {
    if (!Array.isArray(spec.policyTypes) || !spec.policyTypes.every((t) => t === 'Ingress' || t === 'Egress')) throw new Error(`${id}: spec.policyTypes must list Ingress and/or Egress`);
    types = spec.policyTypes as ('Ingress' | 'Egress')[];
  }
  for (const [dir, rules, key] of [
    ['ingress', ingress, 'from'],
    ['egress', egress, 'to'],
  ] as const) {
    rules.forEach((rule, i) => {
      for (const [j, peer] of list(rule[key], `spec.${dir}[${i}].${key}`).entries()) {
        const fields = Object.keys(peer);
        const where = `${id}: spec.${dir}[${i}].${key}[${j}]`;
        if (fields.length === 0) throw new Error(`${where} is an empty peer, which the API server refuses`);
        const unknown = fields.filter((f) => !PEER_FIELDS.includes(f));
        if (unknown.length) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}`);
        if (peer.ipBlock !== undefined && fields.length > 1) throw new Error(`${where}: ipBlock cannot be combined with selectors`);
      }
      for (const [j, port] of list(rule.ports, `spec.${dir}[${i}].ports`).entries()) {
        const where = `${id}: spec.${dir}[${i}].ports[${j}]`;
        const unknown = Object.keys(port).filter((f) => !PORT_FIELDS.includes(f));
        if (unknown.length) throw new Error(`${where} has unknown field(s) ${unknown.join(', ')}`);
        if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as Protocol)) throw new Error(`${where}: unknown protocol ${String(port.protocol)}`);
        if (port.endPort !== undefined && typeof port.port !== 'number') throw new Error(`${where}: endPort needs a numeric port`);
      }
    });
  }
  return { id, namespace: meta.namespace, podSelector: spec.podSelector as LabelSelector, types, ingress, egress };
}

export class NetworkModel {
  readonly #policies: readonly CompiledPolicy[];
  readonly #namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;

  /** Throws when a policy is malformed (e.g. an empty peer) or a pod names an unknown namespace. */
  constructor(input: { readonly namespaces: readonly NamespaceModel[]; readonly pods?: readonly PodModel[]; readonly policies: readonly unknown[] }) {
    this.#namespaces = new Map(input.namespaces.map((n) => [n.name, { ...n.labels, 'kubernetes.io/metadata.name': n.name }]));
    for (const p of input.pods ?? []) if (!this.#namespaces.has(p.namespace)) throw new Error(`pod ${p.name}: namespace ${p.namespace} is not in the model`);
    this.#policies = input.policies.map((p) => {
      if (!isRecord(p)) throw new Error('a policy must be an object');
      return compilePolicy(p);
    });
  }

  /** The decision for one connection, with both sides' reasons. */
  check(c: Connection): Verdict {
    const protocol = c.protocol ?? 'TCP';
    const egress = c.from.kind === 'pod' ? this.#side(c.from, 'Egress', (rule, policy) => this.#ruleAllows(rule, 'to', policy, c.to, c.port, protocol)) : OPEN;
    const ingress = c.to.kind === 'pod' ? this.#side(c.to, 'Ingress', (rule, policy) => this.#ruleAllows(rule, 'from', policy, c.from, c.port, protocol, c.to as PodModel)) : OPEN;
    return { allowed: egress.allowed && ingress.allowed, egress, ingress };
  }

  allows(from: Endpoint, to: Endpoint, port: number, protocol: Protocol = 'TCP'): boolean {
    return this.check({ from, to, port, protocol }).allowed;
  }

  /** Names of the policies that apply to `pod` (whatever their types). */
  policiesSelecting(pod: PodModel): string[] {
    return this.#policies.filter((p) => p.namespace === pod.namespace && selectorMatches(p.podSelector, pod.labels)).map((p) => p.id);
  }

  #side(pod: PodModel, type: 'Ingress' | 'Egress', ruleAllows: (rule: Json, policy: CompiledPolicy) => boolean): SideVerdict {
    const applying = this.#policies.filter((p) => p.namespace === pod.namespace && p.types.includes(type) && selectorMatches(p.podSelector, pod.labels));
    if (applying.length === 0) return OPEN;
    const allowedBy = applying.filter((p) => (type === 'Ingress' ? p.ingress : p.egress).some((rule) => ruleAllows(rule, p))).map((p) => p.id);
    return { isolated: true, allowed: allowedBy.length > 0, allowedBy };
  }

  #ruleAllows(rule: Json, key: 'from' | 'to', policy: CompiledPolicy, peerEndpoint: Endpoint, port: number, protocol: Protocol, ingressDestination?: PodModel): boolean {
    const peers = Array.isArray(rule[key]) ? (rule[key] as Json[]) : [];
    if (peers.length > 0 && !peers.some((peer) => this.#peerMatches(peer, policy, peerEndpoint))) return false;
    // Named ports resolve against the destination: the selected pod for ingress, the peer for egress.
    const destination = ingressDestination ?? peerEndpoint;
    const ports = Array.isArray(rule.ports) ? (rule.ports as Json[]) : [];
    return ports.length === 0 || ports.some((p) => portMatches(p, destination, port, protocol));
  }

  #peerMatches(peer: Json, policy: CompiledPolicy, endpoint: Endpoint): boolean {
    if (isRecord(peer.ipBlock)) {
      const cidr = String(peer.ipBlock.cidr);
      const except = Array.isArray(peer.ipBlock.except) ? peer.ipBlock.except.map(String) : [];
      return inCidr(endpoint.ip, cidr) && !except.some((e) => inCidr(endpoint.ip, e));
    }
    if (endpoint.kind !== 'pod') return false; // selectors select pods, never outside addresses
    if (peer.namespaceSelector !== undefined) {
      const nsLabels = this.#namespaces.get(endpoint.namespace) ?? {};
      if (!selectorMatches(peer.namespaceSelector as LabelSelector, nsLabels)) return false;
    } else if (endpoint.namespace !== policy.namespace) {
      return false; // podSelector alone: the policy's own namespace
    }
    return peer.podSelector === undefined || selectorMatches(peer.podSelector as LabelSelector, endpoint.labels);
  }
}

const OPEN: SideVerdict = { isolated: false, allowed: true, allowedBy: [] };

function portMatches(p: Json, destination: Endpoint, port: number, protocol: Protocol): boolean {
  if ((p.protocol ?? 'TCP') !== protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'number') {
    const end = typeof p.endPort === 'number' ? p.endPort : p.port;
    return port >= p.port && port <= end;
  }
  if (destination.kind !== 'pod') return false;
  return (destination.ports ?? []).some((cp) => cp.name === p.port && (cp.protocol ?? 'TCP') === protocol && cp.containerPort === port);
}
