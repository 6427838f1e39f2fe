/**
 * Handlebars templates for the generated text artifacts. Compiled once, on first use.
 * Templates live here as strings so generation stays a pure function (no file reads).
 */
import { ALERT_RULES, ALERT_RUNBOOKS, alertApplies, type AlertRule } from '@redis-gitops/dashboards';
import Handlebars from 'handlebars';

const SOURCES = {
  environmentReadme: `{{{header}}}
# {{env.name}}

| | |
|---|---|
| Tier | \`{{env.tier}}\` |
| Cluster | \`{{env.cluster.name}}\` ({{env.cluster.arch}}, profile \`{{env.profile.name}}\`) |
| Namespace | \`{{env.namespace}}\` |
| Topology | {{#if (eq env.topology.mode "cluster")}}Redis Cluster, {{env.topology.shards}} shards x {{env.topology.replicasPerShard}} replica(s){{else}}Sentinel, 1 master + {{env.topology.replicasPerShard}} replica(s), {{env.topology.sentinel.count}} sentinels{{/if}} |
| Slots | {{#if env.topology.slots.length}}{{#each env.topology.slots}}\`{{this}}\`{{#unless @last}} / {{/unless}}{{/each}}{{else}}even split{{/if}} |
| Image | \`{{env.redis.image}}:{{env.redis.version}}\` |
| Memory limit | \`{{env.resources.limits.memory}}\` (maxmemory {{percent env.redis.maxmemoryRatio}} of it) |
| Persistence | {{#if env.persistence.enabled}}\`{{env.persistence.size}}\` per pod{{#if env.persistence.aof}}, AOF{{/if}}{{#if env.persistence.rdbSave}}, RDB \`{{env.persistence.rdbSave}}\`{{/if}}{{else}}off{{/if}} |
| Backup | {{#if env.backup.enabled}}\`{{env.backup.schedule}}\`, keep {{env.backup.retention}}{{else}}off{{/if}} |

Files in this folder are Helm values, one per chart:

{{#each charts}}
- \`{{file}}\` for chart \`{{chart}}\`
{{/each}}
`,
  runbook: `{{{header}}}
# Runbook: {{env.name}}

{{#if cluster}}Redis Cluster, {{env.topology.shards}} shards x {{env.topology.replicasPerShard}} replica(s){{else}}Redis with Sentinel: 1 master + {{env.topology.replicasPerShard}} replica(s), {{env.topology.sentinel.count}} Sentinels (quorum {{env.topology.sentinel.quorum}}){{/if}}
in namespace \`{{env.namespace}}\` on cluster \`{{env.cluster.name}}\` ({{env.cluster.arch}}), tier \`{{env.tier}}\`.
Helm release: \`{{release}}\` (chart \`{{redisChart}}\`). Every command below is exact for this environment;
the password is read inside the pod from its \`REDIS_PASSWORD\` variable, never typed.

\`\`\`sh
export NS={{env.namespace}}
export SEL='app.kubernetes.io/instance={{release}},app.kubernetes.io/component=redis'
\`\`\`

## Pods, IPs and roles

\`\`\`sh
kubectl -n $NS get pods -l "$SEL" -o wide          # pod IPs and nodes
for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do
  echo "== $p"; kubectl -n $NS exec "$p" -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$POD_IP" role | head -3'
done
\`\`\`

## Health

{{#if cluster}}\`\`\`sh
POD=$(kubectl -n $NS get pods -l "$SEL" -o name | head -1)
kubectl -n $NS exec "$POD" -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$POD_IP" cluster info | head -7'
kubectl -n $NS exec "$POD" -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --cluster check "$POD_IP:6379"'
kubectl -n $NS exec "$POD" -c redis -- /scripts/readiness.sh     # says why a node is (not) ready
\`\`\`

Healthy means on every node: \`cluster_state:ok\`, no \`fail\`/\`fail?\`/\`noaddr\`/\`handshake\` in
\`cluster nodes\`, all 16384 slots covered, every replica \`master_link_status:up\`.
{{else}}\`\`\`sh
SENT=$(kubectl -n $NS get pods -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel' -o name | head -1)
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli -p 26379 sentinel get-master-addr-by-name {{masterSet}}'
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli -p 26379 sentinel replicas {{masterSet}}' | grep -A1 -E '^(ip|flags)$'
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli -p 26379 sentinel ckquorum {{masterSet}}'
\`\`\`

Healthy means: every Sentinel names the same master, \`ckquorum\` is OK, exactly one pod reports
\`role:master\`, and every replica has \`master_link_status:up\`.
{{/if}}

## Failover (planned)

{{#if cluster}}Run on a **replica** of the master you want to move; it takes over without data loss:

\`\`\`sh
REPLICA=<replica pod name from the role listing above>
kubectl -n $NS exec "$REPLICA" -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$POD_IP" cluster failover'
kubectl -n $NS exec "$REPLICA" -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h "$POD_IP" role | head -1'   # now: master
\`\`\`
{{else}}\`\`\`sh
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli -p 26379 sentinel failover {{masterSet}}'
sleep 10
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli -p 26379 sentinel get-master-addr-by-name {{masterSet}}'   # a new address
\`\`\`
{{/if}}

## Data safety

The start scripts decide by data, never by pod ordinal ({{redisChart}} chart README, "Safety"). When a
pod cannot decide safely who holds the data, it **waits and says so** instead of guessing: the
\`redis\` container runs, redis-server does not, the pod stays NotReady, and the reason is in its log
and its readiness output. When a script knowingly goes on after data was lost, it writes
\`DATA LOSS:\` to the log and a line to \`/data/data-loss.log\`, and readiness keeps saying so.

\`\`\`sh
for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do
  echo "== $p"; kubectl -n $NS logs "$p" -c redis | grep -E 'waiting safely|DATA LOSS' | tail -3
done
{{#if cluster}}kubectl -n $NS exec "$POD" -c redis -- /scripts/readiness.sh{{else}}kubectl -n $NS exec <pod> -c redis -- /scripts/readiness-redis.sh{{/if}}     # "not ready: waiting safely: <why>"
\`\`\`

The alerts \`RedisStartHeld\` and \`RedisDataVanished\` below say what to do in these states.

## Backup and restore

{{#if env.backup.enabled}}Backups run \`{{env.backup.schedule}}\` and keep {{env.backup.retention}} sets on the backup volume.

\`\`\`sh
CJ=$(kubectl -n $NS get cronjob -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup' -o jsonpath='{.items[0].metadata.name}')
kubectl -n $NS create job --from=cronjob/$CJ $CJ-manual-$(date +%s)     # take a backup now
kubectl -n $NS logs -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup' --tail=50
\`\`\`

To restore into a **fresh** deployment (empty data volumes; the backup volume kept from before),
name the set in \`environments/{{env.name}}/environment.yaml\` and let Argo CD sync:

\`\`\`yaml
spec:
  restore:
    fromSet: 20261202T021700Z     # a complete set, as the backup log names it
\`\`\`

\`\`\`sh
npx redis-gitops generate --env {{env.name}} && npx redis-gitops validate --env {{env.name}}   # then commit, open the PR
\`\`\`

Pods seed their empty data volume from the set before Redis starts; a volume that holds data is
never touched. Remove \`spec.restore\` once the restore is done. See the \`{{redisChart}}\` chart
README, section "Restore".
{{else}}Backups are **off** for this environment (\`spec.backup.enabled: false\`). Enable them in
\`environment.yaml\` before keeping data here you cannot rebuild.
{{/if}}

## Passwords and ACL users

{{#if env.auth.acl.enabled}}
Clients log in as ACL users; every password comes from a Secret, and Redis accepts every password
listed for a user. The \`default\` user (\`AUTH <password>\` without a name) is
{{#if env.auth.acl.defaultUser.enabled}}on, with rules \`{{env.auth.acl.defaultUser.rules}}\`{{else}}off{{/if}}.

| user | Secret | keys (the first is the one the chart's own processes use) |
|---|---|---|
{{#each env.auth.acl.users}}| \`{{name}}\` | \`{{existingSecret}}\` | {{#each passwordKeys}}\`{{this}}\` {{/each}}|
{{/each}}| \`replicator\`, {{#unless cluster}}\`sentinel\`, {{/unless}}\`monitor\`, \`backup\`, \`operator\` (system) | {{#each env.auth.acl.systemSecrets}}\`{{this}}\` {{/each}}| one key per user name |

### Rotate a password

Never replace a password in one step: a pod restarted with only the new password refuses the
pods that still log in with the old one (a replica with the new \`masterauth\` cannot reach a
master that only knows the old one, and replication stops until that master restarts too). Each
step below is one pull request; wait for the roll to finish (\`kubectl -n $NS rollout status\`)
before the next.

An application user (e.g. \`{{#each env.auth.acl.users}}{{#if @first}}{{name}}{{/if}}{{/each}}\`):

1. Add the new password to the user's Secret under a new key (e.g. \`password-next\`).
2. List both keys: \`passwordKeys: [password, password-next]\`. Merge: the pods roll and accept both.
3. Switch the application to the new password (it may connect with either meanwhile).
4. Remove the old key: \`passwordKeys: [password-next]\`. Merge: the pods roll and accept only the new one.
5. Delete the old key from the Secret.

The system users (their passwords live in \`systemSecrets\`, one key per user):

1. Create a new Secret with new passwords under the same keys (e.g. \`{{#each env.auth.acl.systemSecrets}}{{#if @first}}{{this}}{{/if}}{{/each}}-v2\`).
2. List it second: \`systemSecrets: [old, new]\`. Merge and roll: every pod accepts both.
3. Move it first: \`systemSecrets: [new, old]\`. Merge and roll: the chart's processes log in with the new passwords.
4. Drop the old one: \`systemSecrets: [new]\`. Merge and roll; then delete the old Secret.

Who was refused, and as whom (the \`operator\` user may read ACL LOG):

\`\`\`sh
kubectl -n $NS exec $POD -c redis -- sh -c 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --user "$REDIS_USER" ACL LOG 10'
\`\`\`
{{else}}
One shared password (\`{{env.auth.existingSecret}}\`, key \`{{env.auth.passwordKey}}\`) for every
client and for replication{{#unless cluster}} and the Sentinels{{/unless}}. Changing it cannot be done without a
break: pods restarted with the new password refuse the ones that still use the old one, and
replication stops until the last pod has restarted.

### Move to ACL users

1. Add the system users' passwords to a Secret under the keys \`replicator\`, {{#unless cluster}}\`sentinel\`, {{/unless}}\`monitor\`, \`backup\` and \`operator\`.
2. Set \`spec.auth.acl\` in \`environment.yaml\`: \`systemSecrets\` names that Secret, \`users\` one
   entry per application (its Secret, key and rules), and keep \`defaultUser.enabled: true\` for now.
   Merge: the pods roll; old clients keep logging in as \`default\` with the shared password.
   This one roll is not seamless: until the master's pod has rolled, a replica restarted with ACLs
   logs in as \`replicator\`, a user the old master does not have, and does not replicate. Do it
   in a quiet hour, and check \`master_link_status:up\` on every replica afterwards.
3. Move each application to its own user.
4. Set \`defaultUser.enabled: false\` (or restrict \`defaultUser.rules\`). Production requires it
   (policy \`default-user\`).

From then on, passwords rotate without a break (the RUNBOOK explains how once ACLs are on).
{{/if}}

{{#if env.tls.enabled}}
## Rotate the TLS certificates

The pods read \`tls.crt\`, \`tls.key\` and \`ca.crt\` from the Secret \`{{env.tls.existingSecret}}\`.
Kubernetes updates the mounted files in place (cert-manager renewals included); each Redis pod's
readiness probe sees the change and reloads the files at runtime (\`TLS: reloaded ...\` in its
log; established connections stay up). {{#unless cluster}}Sentinel cannot reload TLS at runtime:
each Sentinel restarts itself in its own time slot, one at a time, only while its peers listen.
{{/unless}}To move to a new CA without a refused connection, change the Secret in three steps and
let every pod pick each one up (a few probe periods{{#unless cluster}}, and one Sentinel restart each{{/unless}}) before the next:

1. \`ca.crt\` = the old CA and the new CA together (a bundle);
2. \`tls.crt\`/\`tls.key\` signed by the new CA;
3. \`ca.crt\` = the new CA only.

A certificate that is expired, a key that does not match, or a certificate from a CA not in
\`ca.crt\` is never loaded: the pod goes NotReady with the reason (\`kubectl -n $NS describe pod $POD\`:
\`not ready: TLS: tls.crt expired at ...\`) and one log line says the same.

{{/if}}## Grow the data volumes

A StatefulSet's \`volumeClaimTemplates\` cannot change after it is created, so a new
\`spec.persistence.size\` is an update Kubernetes refuses: Argo CD's sync fails on it
(\`redis-gitops diff\` and \`validate --base\` flag it as a refused update). Grow the volumes in
place instead, then let Argo CD create the StatefulSet again:

\`\`\`sh
SEL='app.kubernetes.io/instance={{release}},app.kubernetes.io/component=redis'
# 1. The StorageClass must allow expansion (prints true):
kubectl get storageclass "$(kubectl -n $NS get pvc -l "$SEL" -o jsonpath='{.items[0].spec.storageClassName}')" -o jsonpath='{.allowVolumeExpansion}'
# 2. Patch every data volume to the new size (the value you set in spec.persistence.size):
NEW=20Gi
for pvc in $(kubectl -n $NS get pvc -l "$SEL" -o name); do
  kubectl -n $NS patch "$pvc" -p "{\\"spec\\":{\\"resources\\":{\\"requests\\":{\\"storage\\":\\"$NEW\\"}}}}"
done
kubectl -n $NS get pvc -l "$SEL"          # CAPACITY shows the new size once the driver is done
# 3. Delete the StatefulSet but not its pods (they keep serving):
kubectl -n $NS delete $(kubectl -n $NS get statefulset -l "$SEL" -o name) --cascade=orphan
# 4. Merge the change to spec.persistence.size and sync: the new StatefulSet adopts the pods.
{{#each apps}}argocd app sync {{this}}
{{/each}}\`\`\`

The same delete-with-orphan, then sync, applies to the other fields Kubernetes never updates in
place on a StatefulSet (\`selector\`, \`serviceName\`, \`podManagementPolicy\`); \`diff\` names
the field.

## Alerts

One section per alert the monitoring chart renders for this environment; each alert's
\`runbook_url\` points here (\`<alerts.runbookUrl>#<alert name in lower case>\`). Set \`POD\` to the
alert's \`pod\` label (or any Redis pod for a release-wide alert), then:

\`\`\`sh
POD=<pod from the alert>
rcli() { kubectl -n $NS exec "$POD" -c redis -- sh -c "REDISCLI_AUTH=\\"\\$REDIS_PASSWORD\\" redis-cli -h \\"\\$POD_IP\\" $*"; }
{{#unless cluster}}SENT=$(kubectl -n $NS get pods -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel' -o name | head -1)
scli() { kubectl -n $NS exec "$SENT" -c sentinel -- sh -c "REDISCLI_AUTH=\\"\\$SENTINEL_PASSWORD\\" redis-cli -p 26379 $*"; }
{{/unless}}\`\`\`

{{{alertSections}}}
## Uninstall

Remove the Argo CD Applications (Argo CD prunes the objects), or with plain Helm:

\`\`\`sh
{{#each apps}}argocd app delete {{this}} --cascade
{{/each}}# or, without Argo CD:
{{#each releases}}helm uninstall {{this}} -n $NS
{{/each}}\`\`\`

Helm and Argo CD keep the data volumes on purpose. Delete them by label once you are sure
(the data volumes are \`component=redis\`; the backup volume, \`component=backup\`, is kept until you
delete it separately, and deleting the namespace deletes everything left in it):

\`\`\`sh
kubectl -n $NS get pvc -l app.kubernetes.io/instance={{release}}
kubectl -n $NS delete pvc -l app.kubernetes.io/instance={{release}},app.kubernetes.io/component=redis
kubectl -n $NS delete pvc -l app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup   # only when the backups may go
kubectl delete namespace $NS
\`\`\`
`,
} as const;

export type TemplateName = keyof typeof SOURCES;

const hb = Handlebars.create();
hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hb.registerHelper('percent', (x: number) => `${Math.round(x * 100)}%`);

const compiled = new Map<TemplateName, Handlebars.TemplateDelegate>();

function compile(source: string): Handlebars.TemplateDelegate {
  return hb.compile(source, { noEscape: true, strict: true });
}

/** The runbook's context, as far as the alert sections need it. */
interface RunbookContext {
  readonly env: {
    readonly topology: { readonly mode: 'cluster' | 'sentinel'; readonly replicasPerShard: number; readonly sentinel: { readonly masterEndpoint: boolean } };
    readonly backup: { readonly enabled: boolean };
  };
}

/** Which alerts the monitoring chart renders for the environment (the same gates as its PrometheusRule template). */
export function runbookAlerts(env: RunbookContext['env']): AlertRule[] {
  return (ALERT_RULES as readonly AlertRule[]).filter((r) =>
    alertApplies(r, {
      mode: env.topology.mode,
      replicasPerShard: env.topology.replicasPerShard,
      backup: env.backup.enabled,
      masterEndpoint: env.topology.mode === 'sentinel' && env.topology.sentinel.masterEndpoint,
    }),
  );
}

/** `### <alert>` sections (GitHub anchor `#<alert in lower case>`), one per alert that applies, from the typed runbook texts. */
export function alertSections(context: RunbookContext): string {
  return runbookAlerts(context.env)
    .map((r) => {
      const rb = ALERT_RUNBOOKS[r.alert as keyof typeof ALERT_RUNBOOKS];
      if (!rb) throw new Error(`alert ${r.alert} has no runbook section (ALERT_RUNBOOKS in @redis-gitops/dashboards)`);
      const md = (s: string): string => compile(s)(context).trim();
      return [`### ${r.alert}`, '', `${r.severity}. ${md(rb.meaning)}`, '', '```sh', md(rb.check), '```', '', md(rb.fix), ''].join('\n');
    })
    .join('\n');
}

export function renderTemplate(name: TemplateName, context: unknown): string {
  let t = compiled.get(name);
  if (!t) {
    t = compile(SOURCES[name]);
    compiled.set(name, t);
  }
  if (name === 'runbook') return t({ ...(context as object), alertSections: alertSections(context as RunbookContext) });
  return t(context);
}
