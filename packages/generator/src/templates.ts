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
the password is read inside the pod from its \`REDIS_PASSWORD\` variable (the ACL user from
\`REDIS_USER\`, when set), never typed.

\`\`\`sh
export NS={{env.namespace}}
export SEL='app.kubernetes.io/instance={{release}},app.kubernetes.io/component=redis'
\`\`\`

## Pods, IPs and roles

\`\`\`sh
kubectl -n $NS get pods -l "$SEL" -o wide          # pod IPs and nodes
for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do
  echo "== $p"; kubectl -n $NS exec "$p" -c redis -- sh -c '{{cli}} -h "$POD_IP" role | head -3'
done
\`\`\`

## Health

{{#if cluster}}\`\`\`sh
POD=$(kubectl -n $NS get pods -l "$SEL" -o name | head -1)
kubectl -n $NS exec "$POD" -c redis -- sh -c '{{cli}} -h "$POD_IP" cluster info | head -7'
kubectl -n $NS exec "$POD" -c redis -- sh -c '{{cli}} --cluster check "$POD_IP:6379"'
kubectl -n $NS exec "$POD" -c redis -- /scripts/readiness.sh     # says why a node is (not) ready
\`\`\`

Healthy means on every node: \`cluster_state:ok\`, no \`fail\`/\`fail?\`/\`noaddr\`/\`handshake\` in
\`cluster nodes\`, all 16384 slots covered, every replica \`master_link_status:up\`.
{{else}}\`\`\`sh
SENT=$(kubectl -n $NS get pods -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel' -o name | head -1)
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel get-master-addr-by-name {{masterSet}}'
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel replicas {{masterSet}}' | grep -A1 -E '^(ip|flags)$'
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel ckquorum {{masterSet}}'
\`\`\`

Healthy means: every Sentinel names the same master, \`ckquorum\` is OK, exactly one pod reports
\`role:master\`, and every replica has \`master_link_status:up\`.
{{/if}}

## Failover (planned)

{{#if cluster}}Run on a **replica** of the master you want to move; it takes over without data loss:

\`\`\`sh
REPLICA=<replica pod name from the role listing above>
kubectl -n $NS exec "$REPLICA" -c redis -- sh -c '{{cli}} -h "$POD_IP" cluster failover'
kubectl -n $NS exec "$REPLICA" -c redis -- sh -c '{{cli}} -h "$POD_IP" role | head -1'   # now: master
\`\`\`
{{else}}\`\`\`sh
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel failover {{masterSet}}'
sleep 10
kubectl -n $NS exec "$SENT" -c sentinel -- sh -c 'REDISCLI_AUTH="$SENTINEL_PASSWORD" redis-cli {{tlsFlags}}-p 26379 sentinel get-master-addr-by-name {{masterSet}}'   # a new address
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

{{#if env.backup.enabled}}Backups run \`{{env.backup.schedule}}\` and keep {{env.backup.retention}} sets on the backup volume{{#if remote}}. Each complete
set is also copied to \`s3://{{remote.bucket}}/{{remote.prefix}}/\` at \`{{remote.endpoint}}\`, which keeps
{{env.backup.retention}} complete sets too{{#if remote.crypt}} (rclone crypt: data and object names encrypted; the password is in
the Secret \`{{remote.cryptSecret}}\`: without it the bucket copy cannot be read, keep a copy outside
the cluster){{/if}}{{/if}}. A set is a folder named by its UTC start time (\`20261202T021700Z\`); it is
complete when it holds \`manifest.json\`, and a restore never uses an incomplete one.

\`\`\`sh
export BSEL='app.kubernetes.io/instance={{release}},app.kubernetes.io/component=backup'
CJ=$(kubectl -n $NS get cronjob -l "$BSEL" -o jsonpath='{.items[0].metadata.name}')
kubectl -n $NS create job --from=cronjob/$CJ $CJ-manual-$(date +%s)     # take a backup now
kubectl -n $NS logs -l "$BSEL" -c backup --tail=50{{#if remote}}
kubectl -n $NS logs -l "$BSEL" -c upload --tail=50     # the copy to the bucket{{/if}}
\`\`\`

### List the sets

On the backup volume: the sets the kept Jobs (3 good, 3 failed) logged, then every folder on it
and the complete ones (a throw-away pod that mounts it read-only):

\`\`\`sh
kubectl -n $NS logs -l "$BSEL" -c backup --tail=-1 | grep -E 'set [0-9]{8}T[0-9]{6}Z complete'
BACKUP_PVC=$(kubectl -n $NS get pvc -l "$BSEL" -o jsonpath='{.items[0].metadata.name}')
kubectl -n $NS run backup-ls --rm -i --restart=Never --image={{redisImage}} --overrides='{"spec":{"securityContext":{"runAsUser":999,"runAsGroup":999,"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"ls","image":"{{redisImage}}","command":["sh","-c","ls -1 /backup; echo complete:; ls -1 /backup/*/manifest.json"],"securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}},"volumeMounts":[{"name":"b","mountPath":"/backup","readOnly":true}]}],"volumes":[{"name":"b","persistentVolumeClaim":{"claimName":"'"$BACKUP_PVC"'","readOnly":true}}]}}'
\`\`\`
{{#if remote}}

In the bucket, with \`rclone\` on your machine set up as the backup Job's (no config file, the keys
from the same Secret{{#if remote.crypt}}, and the \`crypt\` remote on top as \`remote-sync.sh\` adds it{{/if}}):

\`\`\`sh
export RCLONE_CONFIG_BUCKET_TYPE=s3 RCLONE_CONFIG_BUCKET_PROVIDER=Other RCLONE_CONFIG_BUCKET_ENV_AUTH=false
export RCLONE_CONFIG_BUCKET_ENDPOINT='{{remote.endpoint}}' RCLONE_CONFIG_BUCKET_REGION='{{remote.region}}' RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE={{remote.pathStyle}}
export RCLONE_CONFIG_BUCKET_ACCESS_KEY_ID="$(kubectl -n $NS get secret {{remote.credentialsSecret}} -o jsonpath='{.data.access-key-id}' | base64 -d)"
export RCLONE_CONFIG_BUCKET_SECRET_ACCESS_KEY="$(kubectl -n $NS get secret {{remote.credentialsSecret}} -o jsonpath='{.data.secret-access-key}' | base64 -d)"
{{#if remote.crypt}}export RCLONE_CONFIG_CRYPT_TYPE=crypt RCLONE_CONFIG_CRYPT_REMOTE='bucket:{{remote.bucket}}/{{remote.prefix}}'
export RCLONE_CONFIG_CRYPT_PASSWORD="$(kubectl -n $NS get secret {{remote.cryptSecret}} -o jsonpath='{.data.crypt-password}' | base64 -d | rclone obscure -)"
R=crypt:     # the names are encrypted: list through crypt:, never bucket:
{{else}}R='bucket:{{remote.bucket}}/{{remote.prefix}}/'
{{/if}}L=$(rclone --config "" lsf -R --files-only "$R")
for s in $(printf '%s\\n' "$L" | sed -n 's#^\\([0-9]\\{8\\}T[0-9]\\{6\\}Z\\)/.*#\\1#p' | sort -u); do
  printf '%s\\n' "$L" | grep -qx "$s/manifest.json" && echo "$s complete" || echo "$s incomplete (no manifest.json: never restored)"
done
rclone --config "" cat "\${R}<set>/manifest.json"     # the set's shards and their key counts
\`\`\`
{{/if}}

A restore seeds **empty** data volumes only: a volume that holds data is never overwritten, and a
pod whose peers already run a {{#if cluster}}cluster{{else}}group{{/if}} joins them instead of restoring. So a restore is a
new environment, or this one after its data volumes were deleted. While \`spec.restore\` is set,
with \`source: volume\` every Redis pod mounts the backup volume, which is ReadWriteOnce: on block
storage, pods on another node than the one it is attached to wait in \`ContainerCreating\`
(Multi-Attach error).{{#if hardAntiAffinity}} This environment's hard anti-affinity puts the pods on different nodes{{#if remote}}, so
restore from the bucket (\`source: remote\`: each pod downloads the set itself).{{else}}: a restore
from the volume needs storage that does not enforce ReadWriteOnce (NFS-like). Add
\`spec.backup.remote\` before you need a restore.{{/if}}{{else}}{{#if remote}} \`source: remote\` avoids it: each pod downloads the set itself.{{/if}}{{/if}}

### Restore into a new environment

{{#if remote}}The new environment reads this one's sets from the bucket; it may be on another cluster (this one
lost). It cannot use \`source: volume\`: the backup PVC belongs to release \`{{release}}\` in namespace
\`{{env.namespace}}\`, and a new environment gets its own, empty one.

1. Copy the folder, and the Secrets the spec names into the new namespace (on another cluster,
   create them there from wherever you keep their values):

   \`\`\`sh
   NEW=<new environment name>; NEWNS=<its namespace>
   cp -r environments/{{env.name}} environments/$NEW && rm -rf environments/$NEW/generated
   kubectl create namespace $NEWNS
   for s in {{secrets}}; do
     kubectl -n $NS get secret $s -o json | jq 'del(.metadata.namespace, .metadata.uid, .metadata.resourceVersion, .metadata.creationTimestamp, .metadata.ownerReferences, .metadata.managedFields)' | kubectl -n $NEWNS apply -f -
   done
   \`\`\`

2. In \`environments/$NEW/environment.yaml\` (keep \`spec.topology\`{{#if cluster}}: the set's slot layout must match{{/if}}):

   \`\`\`yaml
   metadata:
     name: <new environment name>
   spec:
     namespace: <its namespace>
     backup:
       remote:                    # keep the copied block (bucket {{remote.bucket}}), and add:
         prefix: {{remote.prefix}}         # this environment's sets; without it the new name is the prefix
     restore:
       fromSet: 20261202T021700Z  # a complete set from the bucket listing above
       source: remote
   \`\`\`

3. \`npx redis-gitops generate --env $NEW && npx redis-gitops validate --env $NEW\`, then commit, PR,
   merge. Check the seeding as in step 6 below, with \`NS=$NEWNS\`.
4. Follow-up PR, before the new environment's first backup (\`{{env.backup.schedule}}\`): remove
   \`spec.restore\`, and remove \`prefix\` (or set it to the new name). Until then its backup Job uploads
   into \`{{remote.prefix}}/\` and applies its retention there, to this environment's sets.
{{else}}No bucket (\`spec.backup.remote\`): another environment cannot reach these sets. The backup PVC
belongs to release \`{{release}}\` in namespace \`{{env.namespace}}\`, and \`source: volume\` finds it only
for an environment of this name in this namespace, e.g. this one re-created after an uninstall
that kept its backup PVC (then steps 5 to 7 below).
{{/if}}

### Restore in place

Replaces all data of {{env.name}} with one set: every write since the set was taken is lost. One
person runs it from start to end.

1. Stop Argo CD from syncing this environment. \`argocd app set --sync-policy none\` does not stick:
   the ApplicationSet \`{{project}}\` rewrites its Applications (and, with progressive syncs, syncs
   them itself). A deny sync window on their project stops both:

   \`\`\`sh
   argocd proj windows add {{project}} --kind deny --schedule '* * * * *' --duration 24h --applications {{appsCsv}}
   argocd proj windows list {{project}}     # note the window's ID
   \`\`\`

2. Choose the set (above), note its name, and pause the backups: none then runs on a half-restored
   {{#if cluster}}cluster{{else}}group{{/if}}, and retention deletes no set meanwhile.

   \`\`\`sh
   kubectl -n $NS patch cronjob $CJ -p '{"spec":{"suspend":true}}'
   \`\`\`

3. Scale to zero and wait until the pods are gone.{{#unless cluster}} The Sentinels too: their state (master,
   epochs, peers) lives only in memory (an emptyDir, no volume, nothing to reset), and Sentinels
   left running would name the old master to the restored pods, which would wait for it instead of
   electing pod 0, the one with the data, as on a new install.{{/unless}}

   \`\`\`sh
   kubectl -n $NS scale statefulset -l app.kubernetes.io/instance={{release}} --replicas=0
   kubectl -n $NS wait --for=delete pod -l "$SEL" --timeout=10m{{#unless cluster}}
   kubectl -n $NS wait --for=delete pod -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel' --timeout=10m{{/unless}}
   \`\`\`

4. Delete the data volumes. **After this the current data is gone.**

   \`\`\`sh
   kubectl -n $NS get pvc -l "$SEL"
   kubectl -n $NS delete pvc -l "$SEL"
   \`\`\`

5. Name the set in \`environments/{{env.name}}/environment.yaml\`, generate, then commit, PR, merge:

\`\`\`yaml
spec:
  restore:
    fromSet: 20261202T021700Z     # a complete set, as the listing names it
    source: {{#if remote}}remote{{else}}volume{{/if}}
\`\`\`

   \`\`\`sh
   npx redis-gitops generate --env {{env.name}} && npx redis-gitops validate --env {{env.name}}
   \`\`\`

6. Once Argo CD sees the merge, remove the window and sync. (A sync of the older revision starts the
   pods on empty volumes without the restore; then they hold data and never restore: back to step 3.)

   \`\`\`sh
   argocd app diff {{redisApp}} --refresh | grep -c 'name: restore'     # 1 or more: the merge is seen
   argocd proj windows delete {{project}} <window ID>
{{#each appsInWaveOrder}}   argocd app sync {{this}}
{{/each}}   kubectl -n $NS patch cronjob $CJ -p '{"spec":{"suspend":false}}'
   \`\`\`

   The pods start on empty volumes: {{#if remote}}\`fetch\` downloads the set and checks it, {{/if}}\`restore\` seeds
   {{#if cluster}}the first master of each shard, and the bootstrap Job (PostSync) forms the cluster and attaches the
   replicas{{else}}pod 0, which is elected master; the others replicate it{{/if}}. Check each master's key count against its
   shard's \`keys\` in the set's \`manifest.json\` (lower only by keys that expired since):

   \`\`\`sh
   for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do echo "== $p"; kubectl -n $NS logs "$p" -c restore | tail -1; done
   for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do
     echo "== $p"; kubectl -n $NS exec "$p" -c redis -- sh -c 'for c in role dbsize; do {{cli}} -h "$POD_IP" $c | head -1; done'
   done
   \`\`\`

7. Follow-up PR: remove \`spec.restore\` (one rolling restart; the pods keep their data).

See the \`{{redisChart}}\` chart README, section "Restore".
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
kubectl -n $NS exec $POD -c redis -- sh -c '{{cli}} ACL LOG 10'
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
rcli() { kubectl -n $NS exec "$POD" -c redis -- sh -c "REDISCLI_AUTH=\\"\\$REDIS_PASSWORD\\" redis-cli {{tlsFlags}}\\\${REDIS_USER:+--user \\"\\$REDIS_USER\\"} -h \\"\\$POD_IP\\" $*"; }
{{#unless cluster}}SENT=$(kubectl -n $NS get pods -l 'app.kubernetes.io/instance={{release}},app.kubernetes.io/component=sentinel' -o name | head -1)
scli() { kubectl -n $NS exec "$SENT" -c sentinel -- sh -c "REDISCLI_AUTH=\\"\\$SENTINEL_PASSWORD\\" redis-cli {{tlsFlags}}-p 26379 $*"; }
{{/unless}}\`\`\`

{{{alertSections}}}
## Uninstall

Removes {{env.name}} for good, in this order.

**What is kept**, read it first.{{#if remote}} The bucket: the sets stay in \`s3://{{remote.bucket}}/{{remote.prefix}}/\` until
you delete them, with the rclone setup of "List the sets" (check first that no other environment
uses this prefix): \`rclone --config "" purge 'bucket:{{remote.bucket}}/{{remote.prefix}}'\`.{{/if}}{{#if env.backup.enabled}} The backup PVC
outlives step 3 (\`helm.sh/resource-policy: keep\`, Argo CD \`Delete=false\`) but not step 5. Whether
its sets outlive the PVC is the reclaim policy of its PersistentVolume, from its StorageClass:
\`Delete\` erases them with the PVC, \`Retain\` keeps a Released volume to clean up by hand.{{else}} No
backup volume and no bucket copy: backups are off.{{/if}} The data volumes' PersistentVolumes have
a reclaim policy too (\`kubectl get pv\`): with \`Retain\` their data outlives step 4 until you delete them.
{{#if env.backup.enabled}}

\`\`\`sh
PV=$(kubectl -n $NS get pvc -l "$BSEL" -o jsonpath='{.items[0].spec.volumeName}')
kubectl get pv "$PV" -o jsonpath='{.spec.persistentVolumeReclaimPolicy}{"\\n"}'
kubectl patch pv "$PV" -p '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'     # to keep the sets
\`\`\`
{{/if}}

1. Record which pod is master (keep the output with the change):

   \`\`\`sh
   for p in $(kubectl -n $NS get pods -l "$SEL" -o name); do
     echo "== $p"; kubectl -n $NS exec "$p" -c redis -- sh -c '{{cli}} -h "$POD_IP" role | head -1'
   done
   \`\`\`

{{#if env.backup.enabled}}2. Take a last backup ("Backup and restore") and wait for \`set ... complete\`{{#if remote}} and \`complete in the bucket\`{{/if}}.
{{else}}2. Backups are off: copy out now whatever data you still need.
{{/if}}3. Remove the environment from git. The ApplicationSet \`{{project}}\` then deletes the Applications
   ({{#each apps}}\`{{this}}\`{{#unless @last}}, {{/unless}}{{/each}}), and Argo CD deletes their objects (resources
   finalizer){{#if env.backup.enabled}}, except the backup PVC (\`Prune=false,Delete=false\`){{/if}}. Without Argo CD: \`helm uninstall <release> -n $NS\` for each of
   {{#each releases}}\`{{this}}\`{{#unless @last}}, {{/unless}}{{/each}} instead.

   \`\`\`sh
   git rm -r environments/{{env.name}}
   npx redis-gitops generate        # argocd/generated drops the namespace; commit, PR, merge
   argocd app list -l redis-gitops.dev/environment={{env.name}}          # empty once the Applications are gone
   kubectl -n $NS get statefulset,service -l app.kubernetes.io/instance={{release}}     # what Argo CD left: the namespace deletion takes it
   \`\`\`

4. Delete the data volumes (Helm, Argo CD and the StatefulSet keep them):

   \`\`\`sh
   kubectl -n $NS get pvc -l "$SEL"
   kubectl -n $NS delete pvc -l "$SEL"
   \`\`\`

5. Delete the namespace, with everything left in it{{#if env.backup.enabled}}, the backup PVC included{{/if}}:

   \`\`\`sh
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
  /** redis-cli's TLS client flags (with a trailing space) when TLS is on, else empty. */
  readonly tlsFlags: string;
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
