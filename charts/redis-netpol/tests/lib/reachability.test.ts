/**
 * Unit tests of the NetworkPolicy evaluator itself, so the reachability proof is itself proven.
 * Each case is a tiny hand-built policy set; the expected answers are derived by hand from the
 * Kubernetes documentation (concepts/services-networking/network-policies), quoted where it matters.
 */
import { inCidr, NetworkModel, parseIp, selectorMatches, type ExternalModel, type NamespaceModel, type PodModel } from './reachability.ts';

const pod = (name: string, namespace: string, labels: Record<string, string>, ip: string, ports: PodModel['ports'] = []): PodModel => ({ kind: 'pod', name, namespace, labels, ip, ports });
const external = (name: string, ip: string): ExternalModel => ({ kind: 'external', name, ip });

const NS: NamespaceModel[] = [
  { name: 'prod', labels: { team: 'db' } },
  { name: 'shop', labels: { team: 'web', env: 'prod' } },
  { name: 'dev', labels: { team: 'web', env: 'dev' } },
];
const db = pod('db', 'prod', { app: 'db' }, '10.0.0.1', [
  { name: 'redis', containerPort: 6379 },
  { name: 'metrics', containerPort: 9121 },
  { name: 'dns', containerPort: 53, protocol: 'UDP' },
]);
const other = pod('other', 'prod', { app: 'other' }, '10.0.0.2', [{ name: 'http', containerPort: 8080 }]);
const webShop = pod('web-shop', 'shop', { app: 'web' }, '10.0.1.1');
const webDev = pod('web-dev', 'dev', { app: 'web' }, '10.0.2.1');
const apiShop = pod('api-shop', 'shop', { app: 'api' }, '10.0.1.2');
const internet = external('internet', '93.184.216.34');
const PODS = [db, other, webShop, webDev, apiShop];

/** A NetworkPolicy object; `spec` is merged over `podSelector: {}`. */
const np = (name: string, namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name, namespace },
  spec: { podSelector: {}, ...spec },
});
const model = (...policies: unknown[]) => new NetworkModel({ namespaces: NS, pods: PODS, policies });
const dbOnly = { podSelector: { matchLabels: { app: 'db' } } };

describe('label selectors', () => {
  it('match every matchLabels entry and every expression; {} selects everything', () => {
    const labels = { app: 'web', tier: 'front' };
    expect(selectorMatches({}, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web', tier: 'back' } }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels)).toBe(false); // In needs the key
    expect(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] }, labels)).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels)).toBe(true); // NotIn: an absent key passes
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, labels)).toBe(false); // AND
    expect(() => selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Equals' }] }, labels)).toThrow(/unknown label selector operator/);
  });
});

describe('addresses', () => {
  it('parses IPv4 and IPv6 (with ::) and tests CIDR membership per family', () => {
    expect(parseIp('10.0.0.1')).toEqual({ bits: 32, value: 0x0a000001n });
    expect(parseIp('::1')).toEqual({ bits: 128, value: 1n });
    expect(parseIp('2001:db8::')).toEqual({ bits: 128, value: 0x20010db8n << 96n });
    expect(() => parseIp('10.0.0.256')).toThrow(/invalid/);
    expect(() => parseIp('1::2::3')).toThrow(/invalid/);
    expect(() => parseIp('1:2:3:4:5:6:7')).toThrow(/invalid/);
    expect(inCidr('10.20.30.40', '10.20.30.0/24')).toBe(true);
    expect(inCidr('10.20.31.40', '10.20.30.0/24')).toBe(false);
    expect(inCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(inCidr('10.20.30.40', '10.20.30.40/32')).toBe(true);
    expect(inCidr('2001:db8:10::5', '2001:db8:10::/48')).toBe(true);
    expect(inCidr('2001:db8:11::5', '2001:db8:10::/48')).toBe(false);
    expect(inCidr('10.0.0.1', '::/0')).toBe(false); // other family
    expect(() => inCidr('10.0.0.1', '10.0.0.0/33')).toThrow(/prefix/);
  });
});

describe('NetworkModel', () => {
  it('allows everything when no policy exists ("By default, a pod is non-isolated for egress and ingress")', () => {
    const m = model();
    expect(m.allows(webDev, db, 6379)).toBe(true);
    expect(m.allows(db, internet, 443)).toBe(true);
    expect(m.check({ from: webDev, to: db, port: 6379 }).ingress.isolated).toBe(false);
  });

  it('isolates only the selected pods, only in the listed direction (a default deny with no rules admits nothing)', () => {
    const m = model(np('deny-db-in', 'prod', { ...dbOnly, policyTypes: ['Ingress'] }));
    expect(m.allows(other, db, 6379)).toBe(false); // db isolated for ingress, no rule
    expect(m.allows(db, other, 8080)).toBe(true); // db's egress is not isolated, other not selected
    expect(m.allows(webShop, other, 8080)).toBe(true);
    const v = m.check({ from: other, to: db, port: 6379 });
    expect(v.ingress).toEqual({ isolated: true, allowed: false, allowedBy: [] });
    expect(v.egress.isolated).toBe(false);
  });

  it('defaults policyTypes like the API server: Ingress always, Egress only with an egress section', () => {
    // No policyTypes, no egress section: Ingress only, so db's egress stays open.
    const ingressOnly = model(np('p', 'prod', { ...dbOnly }));
    expect(ingressOnly.allows(other, db, 6379)).toBe(false);
    expect(ingressOnly.allows(db, internet, 443)).toBe(true);
    // No policyTypes, an (empty) egress section: Ingress and Egress, so both are denied.
    const both = model(np('p', 'prod', { ...dbOnly, egress: [] }));
    expect(both.allows(other, db, 6379)).toBe(false);
    expect(both.allows(db, internet, 443)).toBe(false);
    // Explicit Egress only: ingress stays open.
    const egressOnly = model(np('p', 'prod', { ...dbOnly, policyTypes: ['Egress'] }));
    expect(egressOnly.allows(other, db, 6379)).toBe(true);
    expect(egressOnly.allows(db, internet, 443)).toBe(false);
  });

  it('needs the source egress AND the destination ingress ("both the egress policy on the source pod and the ingress policy on the destination pod need to allow")', () => {
    const ingressOk = np('db-in', 'prod', { ...dbOnly, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'other' } } }] }] });
    const otherEgressDenied = np('other-out', 'prod', { podSelector: { matchLabels: { app: 'other' } }, policyTypes: ['Egress'] });
    expect(model(ingressOk).allows(other, db, 6379)).toBe(true);
    const v = model(ingressOk, otherEgressDenied).check({ from: other, to: db, port: 6379 });
    expect(v).toMatchObject({ allowed: false, egress: { isolated: true, allowed: false }, ingress: { allowed: true, allowedBy: ['prod/db-in'] } });
  });

  it('adds policies up: any rule of any applying policy allows ("policies are additive")', () => {
    const deny = np('deny', 'prod', { policyTypes: ['Ingress'] }); // podSelector {}: every pod of prod
    const allowWeb = np('allow', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'web' } } }] }] });
    const m = model(deny, allowWeb);
    expect(m.allows(webShop, db, 6379)).toBe(true);
    expect(m.allows(webShop, other, 8080)).toBe(false); // other: only the deny applies
    expect(m.check({ from: webShop, to: db, port: 6379 }).ingress.allowedBy).toEqual(['prod/allow']);
    expect(m.policiesSelecting(db)).toEqual(['prod/deny', 'prod/allow']);
  });

  it("reads a podSelector-only peer as the policy's own namespace", () => {
    const m = model(np('p', 'prod', { ...dbOnly, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] }));
    expect(m.allows(webShop, db, 6379)).toBe(false); // app=web, but in shop
    const local = pod('web-prod', 'prod', { app: 'web' }, '10.0.0.9');
    const withLocal = new NetworkModel({ namespaces: NS, pods: [...PODS, local], policies: [np('p', 'prod', { ...dbOnly, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] })] });
    expect(withLocal.allows(local, db, 6379)).toBe(true);
  });

  it('tells {namespaceSelector, podSelector} in ONE peer (AND) from two peers (OR), as the docs\' "be careful" example', () => {
    const and = model(np('and', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } }, podSelector: { matchLabels: { app: 'web' } } }] }] }));
    expect(and.allows(webShop, db, 6379)).toBe(true); // shop has env=prod, pod app=web
    expect(and.allows(apiShop, db, 6379)).toBe(false); // right namespace, wrong pod
    expect(and.allows(webDev, db, 6379)).toBe(false); // right pod, wrong namespace
    const or = model(np('or', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }, { podSelector: { matchLabels: { app: 'web' } } }] }] }));
    expect(or.allows(apiShop, db, 6379)).toBe(true); // any pod of an env=prod namespace
    expect(or.allows(webDev, db, 6379)).toBe(false); // app=web only counts in prod itself
  });

  it('reads an empty namespaceSelector as every namespace, and absent peers as everyone', () => {
    const allNs = model(np('p', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 6379 }] }] }));
    expect(allNs.allows(webDev, db, 6379)).toBe(true);
    expect(allNs.allows(internet, db, 6379)).toBe(false); // selectors never select outside addresses
    const noFrom = model(np('p', 'prod', { ...dbOnly, ingress: [{ ports: [{ port: 6379 }] }] }));
    expect(noFrom.allows(internet, db, 6379)).toBe(true);
    expect(noFrom.allows(webDev, db, 6380)).toBe(false);
  });

  it('matches ports by protocol (default TCP), number, range and name resolved on the destination pod', () => {
    const rule = (ports: unknown[]) => model(np('p', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: {} }], ports }] }));
    expect(rule([{ port: 6379 }]).allows(webShop, db, 6379, 'TCP')).toBe(true);
    expect(rule([{ port: 6379 }]).allows(webShop, db, 6379, 'UDP')).toBe(false); // protocol defaults to TCP
    expect(rule([{ protocol: 'UDP' }]).allows(webShop, db, 53, 'UDP')).toBe(true); // no port: every UDP port
    expect(rule([{ protocol: 'UDP' }]).allows(webShop, db, 53, 'TCP')).toBe(false);
    expect(rule([{ port: 6000, endPort: 7000 }]).allows(webShop, db, 6379)).toBe(true);
    expect(rule([{ port: 6000, endPort: 7000 }]).allows(webShop, db, 7001)).toBe(false);
    expect(rule([{ port: 'metrics' }]).allows(webShop, db, 9121)).toBe(true); // db names 9121 "metrics"
    expect(rule([{ port: 'metrics' }]).allows(webShop, db, 6379)).toBe(false); // the name is one port
    expect(rule([{ port: 'dns' }]).allows(webShop, db, 53, 'TCP')).toBe(false); // db's "dns" is UDP
    expect(rule([{ port: 'dns', protocol: 'UDP' }]).allows(webShop, db, 53, 'UDP')).toBe(true);
    const anyPort = model(np('p', 'prod', { ...dbOnly, ingress: [{ from: [{ namespaceSelector: {} }] }] }));
    expect(anyPort.allows(webShop, db, 12345, 'SCTP')).toBe(true); // no ports: every port and protocol
  });

  it('resolves a named egress port on the destination pod, and never on an outside address', () => {
    const m = model(np('p', 'shop', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'redis' }] }] }));
    expect(m.allows(webShop, db, 6379)).toBe(true); // db has redis=6379
    expect(m.allows(webShop, other, 6379)).toBe(false); // other has no port named redis
    expect(m.allows(webShop, external('x', '10.9.9.9'), 6379)).toBe(false);
  });

  it('matches ipBlock with except ranges, for outside addresses and (permissively) pod IPs', () => {
    const m = model(np('p', 'prod', { ...dbOnly, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.1.0/24'] } }], ports: [{ port: 443 }] }] }));
    expect(m.allows(db, external('s3', '10.20.30.40'), 443)).toBe(true);
    expect(m.allows(db, external('s3', '10.0.1.7'), 443)).toBe(false); // in except
    expect(m.allows(db, internet, 443)).toBe(false);
    expect(m.allows(db, other, 443)).toBe(true); // other's IP 10.0.0.2 is in the block
  });

  it('refuses policies the API server would refuse (an empty peer, ipBlock with a selector, a pod in an unknown namespace)', () => {
    expect(() => model(np('p', 'prod', { ingress: [{ from: [{}] }] }))).toThrow(/empty peer/);
    expect(() => model(np('p', 'prod', { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }))).toThrow(/ipBlock cannot be combined/);
    expect(() => model(np('p', 'prod', { ingress: [{ ports: [{ port: 1, protocol: 'ICMP' }] }] }))).toThrow(/unknown protocol/);
    expect(() => model({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' }, spec: { podSelector: {} } })).toThrow(/namespace is required/);
    expect(() => new NetworkModel({ namespaces: [], pods: [db], policies: [] })).toThrow(/not in the model/);
  });

  it('never lets an outside endpoint be isolated: only pods have policies', () => {
    const m = model(np('deny-all', 'prod', { policyTypes: ['Ingress', 'Egress'] }));
    expect(m.allows(webShop, internet, 443)).toBe(true); // shop has no policies
    expect(m.allows(db, internet, 443)).toBe(false);
    expect(m.allows(internet, db, 6379)).toBe(false);
    expect(m.allows(internet, webShop, 80)).toBe(true);
  });
});
