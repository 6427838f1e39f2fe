/**
 * The world the reachability tests ask questions about: the pods of one rendered environment (a
 * Redis chart + redis-netpol in one namespace), plus the pods and addresses around them.
 *
 * - Release pods come from the RENDER: two pods per StatefulSet or Deployment (the redis-sentinel
 *   master endpoint, HAProxy) and one per Job/CronJob, with the
 *   pod template's labels and every container's ports (so named ports resolve as on a node).
 *   The backup CronJob is not in the Redis charts yet: until it is, a backup pod is modelled with
 *   the Redis pods' labels and `app.kubernetes.io/component: backup`, as announced.
 * - Around them: one pod per declared client (labels and namespace built to satisfy its
 *   selectors), an undeclared pod in the release namespace, a look-alike of the first client in
 *   another namespace, Prometheus (and Grafana, and a Prometheus look-alike elsewhere), kube-dns,
 *   the internet, and one address inside every backup egress CIDR.
 */
import type { RenderedObject } from '@redis-gitops/manifests';
import { NetworkModel, parseIp, type ContainerPort, type Endpoint, type ExternalModel, type LabelSelector, type NamespaceModel, type PodModel } from './reachability.ts';

type Obj = Record<string, any>;

export interface EnvironmentOptions {
  readonly namespace: string;
  readonly namespaceLabels: Record<string, string>;
  /** The redis-netpol values used (after defaults): clients, monitoring, dns, backup. */
  readonly values: {
    readonly clients: readonly Obj[];
    readonly monitoring: { readonly namespace: string; readonly podSelector: LabelSelector };
    readonly dns: { readonly namespace: string; readonly podSelector: LabelSelector };
    readonly backup: { readonly egress: readonly { cidr: string; port: number }[]; readonly restoreFromBucket?: boolean };
  };
}

export interface Environment {
  readonly model: NetworkModel;
  /** Every endpoint by name. */
  readonly at: Readonly<Record<string, Endpoint>>;
  /** Pods of the Redis release (selected by its default deny), by name. */
  readonly release: readonly PodModel[];
  readonly redis: readonly PodModel[];
  readonly sentinels: readonly PodModel[];
  /** The redis-sentinel master endpoint's pods (component haproxy), when the render has them. */
  readonly haproxy: readonly PodModel[];
  readonly jobs: readonly PodModel[];
  readonly clients: readonly PodModel[];
  readonly backupTargets: readonly ExternalModel[];
  /** True when the backup pod was modelled, not rendered. */
  readonly backupModelled: boolean;
}

/** Labels that satisfy a selector: matchLabels, the first value of `In`, "yes" for `Exists`. */
export function labelsSatisfying(selector: LabelSelector | undefined): Record<string, string> {
  const labels: Record<string, string> = { ...selector?.matchLabels };
  for (const req of selector?.matchExpressions ?? []) {
    if (req.operator === 'In') labels[req.key] = req.values![0]!;
    if (req.operator === 'Exists') labels[req.key] = 'yes';
  }
  return labels;
}

/** An address inside `cidr` (the network address + 1, or the address itself for a host route). */
export function hostIn(cidr: string): string {
  const [addr, len] = cidr.split('/') as [string, string];
  const { bits, value } = parseIp(addr);
  const host = Number(len) === bits ? value : value + 1n;
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((host >> s) & 255n)).join('.');
  return [...Array(8).keys()].map((i) => ((host >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':');
}

const portsOf = (template: Obj): ContainerPort[] =>
  [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])].flatMap((c: Obj) =>
    (c.ports ?? []).map((p: Obj) => ({ ...(p.name ? { name: p.name } : {}), containerPort: p.containerPort, protocol: p.protocol ?? 'TCP' })),
  );

export function buildEnvironment(objects: readonly RenderedObject[], opts: EnvironmentOptions): Environment {
  let nextIp = 10;
  const ip = () => `10.42.0.${nextIp++}`;
  const namespaces = new Map<string, NamespaceModel>([[opts.namespace, { name: opts.namespace, labels: opts.namespaceLabels }]]);
  const addNamespace = (name: string, labels: Record<string, string> = {}) => {
    if (!namespaces.has(name)) namespaces.set(name, { name, labels });
  };
  const pods: PodModel[] = [];
  const addPod = (name: string, namespace: string, labels: Record<string, string>, ports: ContainerPort[] = []): PodModel => {
    if (pods.some((p) => p.name === name)) throw new Error(`two pods named ${name} in the model`);
    const p: PodModel = { kind: 'pod', name, namespace, labels, ip: ip(), ports };
    pods.push(p);
    return p;
  };

  // Release pods, from the rendered workloads.
  const release: PodModel[] = [];
  for (const o of objects) {
    const obj = o.object as Obj;
    const template = o.kind === 'StatefulSet' || o.kind === 'Deployment' || o.kind === 'Job' ? obj.spec.template : o.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template : undefined;
    if (!template) continue;
    const labels = template.metadata?.labels ?? {};
    const component = labels['app.kubernetes.io/component'] ?? o.kind.toLowerCase();
    const count = o.kind === 'StatefulSet' || o.kind === 'Deployment' ? Math.min(2, obj.spec.replicas ?? 1) : 1;
    for (let i = 0; i < count; i++) {
      // Several Jobs may share a component (the bootstrap and scale-in hooks): name the later ones by object.
      const name = o.kind === 'StatefulSet' || o.kind === 'Deployment' ? `${component}-${i}` : pods.some((p) => p.name === component) ? `${component}-${o.name}` : component;
      release.push(addPod(name, opts.namespace, labels, portsOf(template)));
    }
  }
  const redis = release.filter((p) => p.labels['app.kubernetes.io/component'] === 'redis');
  if (redis.length === 0) throw new Error('the render has no Redis pods (component=redis)');
  const backupModelled = !release.some((p) => p.labels['app.kubernetes.io/component'] === 'backup');
  if (backupModelled) release.push(addPod('backup', opts.namespace, { ...redis[0]!.labels, 'app.kubernetes.io/component': 'backup' }));
  // The restore drill's pod (backup.drill, off in the ci values): modelled the same way when not rendered.
  if (!release.some((p) => p.labels['app.kubernetes.io/component'] === 'backup-drill')) {
    release.push(addPod('backup-drill', opts.namespace, { ...redis[0]!.labels, 'app.kubernetes.io/component': 'backup-drill' }));
  }

  // The declared clients: one pod each, in a namespace that satisfies the client.
  const clients = opts.values.clients.map((c, i) => {
    let ns = opts.namespace;
    if (c.namespace) ns = c.namespace;
    else if (c.namespaceSelector) ns = `client-ns-${i}`;
    addNamespace(ns, labelsSatisfying(c.namespaceSelector));
    return addPod(`client-${i}`, ns, c.podSelector ? labelsSatisfying(c.podSelector) : { app: `client-${i}` });
  });
  addPod('intruder', opts.namespace, { app: 'intruder' });
  addNamespace('elsewhere', { team: 'elsewhere' });
  addPod('look-alike', 'elsewhere', clients[0]?.labels ?? { app: 'client' });

  addNamespace(opts.values.monitoring.namespace);
  addPod('prometheus', opts.values.monitoring.namespace, labelsSatisfying(opts.values.monitoring.podSelector), [{ name: 'web', containerPort: 9090 }]);
  addPod('grafana', opts.values.monitoring.namespace, { 'app.kubernetes.io/name': 'grafana' }, [{ name: 'http', containerPort: 3000 }]);
  addPod('prometheus-elsewhere', 'elsewhere', labelsSatisfying(opts.values.monitoring.podSelector));

  addNamespace(opts.values.dns.namespace);
  addPod('kube-dns', opts.values.dns.namespace, labelsSatisfying(opts.values.dns.podSelector), [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
  ]);

  const internet: ExternalModel = { kind: 'external', name: 'internet', ip: '93.184.216.34' };
  const backupTargets = opts.values.backup.egress.map((e, i): ExternalModel => ({ kind: 'external', name: `backup-target-${i}`, ip: hostIn(e.cidr) }));

  const model = new NetworkModel({ namespaces: [...namespaces.values()], pods, policies: objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.object) });
  const at: Record<string, Endpoint> = Object.fromEntries([...pods, internet, ...backupTargets].map((e) => [e.name, e]));
  return {
    model,
    at,
    release,
    redis,
    sentinels: release.filter((p) => p.labels['app.kubernetes.io/component'] === 'sentinel'),
    haproxy: release.filter((p) => p.labels['app.kubernetes.io/component'] === 'haproxy'),
    jobs: release.filter((p) => ['bootstrap', 'backup'].includes(p.labels['app.kubernetes.io/component'] ?? '')),
    clients,
    backupTargets,
    backupModelled,
  };
}
