/** Rendered objects of one environment, in the shapes the charts produce. */

export const REDIS_POD_LABELS = {
  'app.kubernetes.io/name': 'redis-cluster',
  'app.kubernetes.io/instance': 'prod',
  'app.kubernetes.io/component': 'redis',
  'app.kubernetes.io/part-of': 'redis-gitops',
};

export function redisStatefulSet(opts: { annotations?: Record<string, string>; memory?: string; args?: string[]; replicas?: number; component?: string } = {}): string {
  const labels = { ...REDIS_POD_LABELS, 'app.kubernetes.io/component': opts.component ?? 'redis' };
  return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: prod-redis-cluster
  labels: ${JSON.stringify(labels)}
  annotations: ${JSON.stringify(opts.annotations ?? {})}
spec:
  replicas: ${opts.replicas ?? 6}
  serviceName: prod-redis-cluster-headless
  selector:
    matchLabels: ${JSON.stringify(labels)}
  template:
    metadata:
      labels: ${JSON.stringify(labels)}
    spec:
      containers:
        - name: redis
          image: redis:7.4.2
          args: ${JSON.stringify(opts.args ?? [])}
          resources:
            limits: {memory: ${opts.memory ?? '2Gi'}}
      volumes:
        - name: config
          configMap: {name: prod-redis-cluster-config}
`;
}

export function redisConfig(conf: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: prod-redis-cluster-config
data:
  redis.conf: |
${conf
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;
}

export const DEFAULT_DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes: [Ingress]
`;

export const REDIS_NETPOL = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: prod-redis-cluster
spec:
  podSelector:
    matchLabels: {app.kubernetes.io/name: redis-cluster, app.kubernetes.io/instance: prod}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: checkout}}
      ports:
        - port: 6379
`;

export function pdb(spec: string): string {
  return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: prod-redis-cluster
spec:
${spec
  .trim()
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
`;
}

export const BACKUP_CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: prod-redis-cluster-backup
  labels: {app.kubernetes.io/part-of: redis-gitops, app.kubernetes.io/component: backup}
spec:
  schedule: "15 2 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: backup
              image: redis:7.4.2
`;

export const docs = (...parts: string[]): string => parts.join('---\n');
