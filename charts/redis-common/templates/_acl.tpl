{{/*
ACL users (auth.acl). Passwords never reach a ConfigMap: the users' rules go to the `users.acl`
entry of the config ConfigMap, every password the Redis (or Sentinel) container may accept
reaches it as an environment variable ACL_PASSWORD_<USER>_<n> from its Secret, and the start
script writes `user <name> on ><password>... <rules>` into the pod's runtime config. A user
accepts every password listed for it: that is what makes a rotation a sequence of rolls in which
no login is ever refused (RUNBOOK, "Rotate a password").
*/}}

{{/*
redis-common.aclSystemRules: the rules of one system user, by name. Least privilege for what each
role sends, measured on real processes by the charts' acl behaviour tests:
  replicator  a replica's PSYNC/REPLCONF/PING to its master (masteruser);
  sentinel    what Sentinel sends to a monitored Redis (Redis' Sentinel docs) plus the sentinel
              container's scripts (ROLE, INFO);
  monitor     redis_exporter's INFO/CONFIG GET/SLOWLOG/LATENCY/CLIENT LIST/CLUSTER INFO and
              HAProxy's AUTH + INFO replication checks; no key access;
  backup      `redis-cli --rdb` (REPLCONF + SYNC) and the INFO/ROLE/CLUSTER reads that find the
              master; no key access;
  operator    the chart's scripts: cluster and replication administration, MIGRATE (so keys on
              every pattern), client pause for the handover, ACL LOG (who was refused); no data
              commands, no FLUSH*, KEYS, DEBUG, SHUTDOWN, and no ACL changes. RESTORE-ASKING: in a
              cluster, MIGRATE ... AUTH2 operator (redis-cli --cluster rebalance/fix/reshard) makes
              the TARGET node run RESTORE-ASKING as operator (measured: NOPERM without it, the
              scale-out Job failed; cluster acl.test.ts); plain RESTORE is not granted.
*/}}
{{- define "redis-common.aclSystemRules" -}}
{{- $rules := dict
  "replicator" "resetkeys resetchannels -@all +psync +replconf +ping"
  "sentinel" "resetkeys &__sentinel__:hello -@all +multi +exec +slaveof +replicaof +ping +subscribe +publish +config|rewrite +config|get +role +info +client|setname +client|kill +script|kill"
  "monitor" "resetkeys resetchannels -@all +@connection +client|setname +info +role +dbsize +config|get +slowlog +latency +client|list +client|info +cluster|info +cluster|nodes +cluster|myid +memory|stats +module|list"
  "backup" "resetkeys resetchannels -@all +@connection +sync +psync +replconf +info +role +dbsize +lastsave +cluster|info +cluster|nodes +cluster|slots +cluster|shards +cluster|myid"
  "operator" "~* resetchannels -@all +@connection +info +role +dbsize +lastsave +bgsave +cluster +config|get +config|set +replicaof +slaveof +failover +client +migrate +restore-asking +wait +readonly +readwrite +asking +command +acl|log +acl|whoami"
-}}
{{- get $rules . -}}
{{- end }}

{{/*
redis-common.aclClusterClientRules: in cluster mode, what every cluster client needs besides its
own commands, appended to each application user's rules: the slot map (CLUSTER SLOTS, SHARDS,
NODES; INFO and MYID for health checks), ASKING (to follow an ASK redirect while a slot moves:
without it, every write to a migrating slot fails for that user) and READONLY/READWRITE (replica
reads). Measured: a cluster client logging in with only +@read +@write gets NOPERM on CLUSTER
SLOTS and cannot write at all (cluster rotation.test.ts). Nothing in Sentinel mode.
*/}}
{{- define "redis-common.aclClusterClientRules" -}}
{{- if hasKey .Values "cluster" }}+cluster|slots +cluster|shards +cluster|nodes +cluster|info +cluster|myid +asking +readonly +readwrite{{ end }}
{{- end }}

{{/*
redis-common.aclSystemUsers: the system users of this chart, as a space-separated list. The
Sentinel user exists only where there are Sentinels.
*/}}
{{- define "redis-common.aclSystemUsers" -}}
{{- if hasKey .Values "sentinel" }}replicator sentinel monitor backup operator{{ else }}replicator monitor backup operator{{ end }}
{{- end }}

{{/*
redis-common.aclEnvName: ACL_PASSWORD_<USER>_<n> for (list user n): user names are lower-case
DNS labels, so upper-casing them and turning "-" into "_" is one-to-one.
*/}}
{{- define "redis-common.aclEnvName" -}}
{{- printf "ACL_PASSWORD_%s_%d" (index . 0 | upper | replace "-" "_") (index . 1 | int) }}
{{- end }}

{{/*
redis-common.systemSecrets: auth.acl.systemSecrets, or [the auth Secret] when empty.
*/}}
{{- define "redis-common.systemSecrets" -}}
{{- $s := .Values.auth.acl.systemSecrets }}
{{- if not $s }}{{ $s = list (include "redis-common.authSecretName" .) }}{{ end }}
{{- toJson $s }}
{{- end }}

{{/*
redis-common.redisAuthEnv: how one process logs in to Redis: REDIS_PASSWORD (and REDIS_USER
under ACLs, the system user `user`, with its password from the FIRST system Secret). Without
ACLs, the shared password. Nothing when auth is off.
Usage: include "redis-common.redisAuthEnv" (dict "root" . "user" "operator")
*/}}
{{- define "redis-common.redisAuthEnv" -}}
{{- $root := .root }}
{{- if $root.Values.auth.enabled }}
{{- if $root.Values.auth.acl.enabled }}
- name: REDIS_USER
  value: {{ .user | quote }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ first (include "redis-common.systemSecrets" $root | fromJsonArray) }}
      key: {{ .user }}
{{- else }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "redis-common.authSecretName" $root }}
      key: {{ $root.Values.auth.passwordKey }}
{{- end }}
{{- end }}
{{- end }}

{{/*
redis-common.aclPasswordEnv: every password a server accepts, for the users named in `users`
(space-separated; "default" and the system users and "apps" for every application user):
ACL_PASSWORD_<USER>_<n>. A key missing from its Secret stops the pod in CreateContainerConfigError,
naming the Secret and key, before Redis could start with a user nobody can log in as.
Usage: include "redis-common.aclPasswordEnv" (dict "root" . "users" "default replicator ... apps")
*/}}
{{- define "redis-common.aclPasswordEnv" -}}
{{- $root := .root }}
{{- if and $root.Values.auth.enabled $root.Values.auth.acl.enabled }}
{{- $system := splitList " " (include "redis-common.aclSystemUsers" $root) }}
{{- $secrets := include "redis-common.systemSecrets" $root | fromJsonArray }}
{{- range $u := splitList " " .users }}
{{- if eq $u "default" }}
{{- if $root.Values.auth.acl.defaultUser.enabled }}
- name: {{ include "redis-common.aclEnvName" (list "default" 0) }}
  valueFrom:
    secretKeyRef:
      name: {{ include "redis-common.authSecretName" $root }}
      key: {{ $root.Values.auth.passwordKey }}
{{- end }}
{{- else if eq $u "apps" }}
{{- range $app := $root.Values.auth.acl.users }}
{{- range $i, $key := $app.passwordKeys }}
- name: {{ include "redis-common.aclEnvName" (list $app.name $i) }}
  valueFrom:
    secretKeyRef:
      name: {{ default (include "redis-common.authSecretName" $root) $app.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- else if has $u $system }}
{{- range $i, $secret := $secrets }}
- name: {{ include "redis-common.aclEnvName" (list $u $i) }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $u }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
redis-common.aclUsersFile: the `users.acl` entry of the config ConfigMap: one line per user,
`user <name> on|off <rules>`, without passwords (the start script adds them after `on`). Rendered
even when ACLs are off (then empty but for a comment), so the ConfigMap's shape never changes.
*/}}
{{- define "redis-common.aclUsersFile" -}}
{{- $a := .Values.auth.acl }}
{{- if and .Values.auth.enabled $a.enabled }}
# ACL users of {{ include "redis-common.fullname" . }} (auth.acl). Passwords are added at start from
# the Secrets (ACL_PASSWORD_<USER>_<n>); a user logs in with any of its passwords.
{{- if $a.defaultUser.enabled }}
user default on {{ $a.defaultUser.rules }}
{{- else }}
user default off resetkeys resetchannels -@all
{{- end }}
{{- range $u := splitList " " (include "redis-common.aclSystemUsers" .) }}
user {{ $u }} on {{ include "redis-common.aclSystemRules" $u }}
{{- end }}
{{- $clusterClient := include "redis-common.aclClusterClientRules" . }}
{{- range $a.users }}
user {{ .name }} on {{ .rules }}{{ with $clusterClient }} {{ . }}{{ end }}
{{- end }}
{{- else }}
# auth.acl is off: one shared password (requirepass), no ACL users.
{{- end }}
{{- end }}

{{/*
redis-common.aclProblems: what the values schema cannot say about auth.acl, as a JSON list: ACLs
without auth, reserved or repeated user names, and no way to log in at all.
*/}}
{{- define "redis-common.aclProblems" -}}
{{- $errs := list }}
{{- $a := .Values.auth.acl }}
{{- if $a.enabled }}
{{- if not .Values.auth.enabled }}
{{- $errs = append $errs "auth.acl.enabled needs auth.enabled: ACL users are how clients authenticate" }}
{{- end }}
{{- $reserved := append (splitList " " (include "redis-common.aclSystemUsers" .)) "default" }}
{{- $seen := list }}
{{- range $a.users }}
{{- if has .name $reserved }}
{{- $errs = append $errs (printf "auth.acl.users: %q is reserved (default and the system users %s): choose another name" .name (include "redis-common.aclSystemUsers" $)) }}
{{- end }}
{{- if has .name $seen }}
{{- $errs = append $errs (printf "auth.acl.users: %q is listed twice: list each user once, with several passwordKeys" .name) }}
{{- end }}
{{- $seen = append $seen .name }}
{{- if not .passwordKeys }}
{{- $errs = append $errs (printf "auth.acl.users: %q has no passwordKeys: name the key(s) of its Secret that hold its password(s)" .name) }}
{{- end }}
{{- end }}
{{- if and (not $a.defaultUser.enabled) (not $a.users) }}
{{- $errs = append $errs "auth.acl.defaultUser.enabled is false and auth.acl.users is empty: no application could log in; declare the users or keep default (restricted by defaultUser.rules)" }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}
