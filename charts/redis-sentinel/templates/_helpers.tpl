{{/*
redis-sentinel.name: the chart name part of object names and of the app.kubernetes.io/name
label. Exists so that nameOverride is honoured in one place.
*/}}
{{- define "redis-sentinel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-sentinel.fullname: the prefix of every object name. Exists so that every object agrees on
one name, with fullnameOverride and the release name handled once.
*/}}
{{- define "redis-sentinel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.nodeName: the Redis StatefulSet, "<fullname>-node"; its pods are
<fullname>-node-<i>. Exists because a StatefulSet name must leave room for the
controller-revision-hash label ("<name>-<10 chars>" within 63), so it is kept to 52 characters,
and the scripts (REDIS_STATEFULSET), the Services and NOTES must agree on it.
*/}}
{{- define "redis-sentinel.nodeName" -}}
{{- printf "%s-node" (include "redis-sentinel.fullname" . | trunc 47 | trimSuffix "-") }}
{{- end }}

{{/*
redis-sentinel.sentinelName: the Sentinel StatefulSet and the Sentinel client Service,
"<fullname>-sentinel". Exists for the same 52-character limit as nodeName, and because clients
are told this Service name.
*/}}
{{- define "redis-sentinel.sentinelName" -}}
{{- printf "%s-sentinel" (include "redis-sentinel.fullname" . | trunc 43 | trimSuffix "-") }}
{{- end }}

{{/*
redis-sentinel.headlessName: the headless Service of the Redis pods, which gives each one its
stable name <pod>.<headless>. Exists because the StatefulSet's serviceName, the scripts'
HEADLESS_SERVICE and the Service itself must agree.
*/}}
{{- define "redis-sentinel.headlessName" -}}
{{- printf "%s-headless" (include "redis-sentinel.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
redis-sentinel.sentinelHeadlessName: the headless Service of the Sentinel pods. Exists for the
same reason as headlessName: serviceName, SENTINEL_HEADLESS_SERVICE and the Service agree.
*/}}
{{- define "redis-sentinel.sentinelHeadlessName" -}}
{{- printf "%s-headless" (include "redis-sentinel.sentinelName" .) }}
{{- end }}

{{/*
redis-sentinel.stableDomain: the suffix of a stable pod name, "<headless>.<namespace>.svc", from
(dict "root" $ "headless" <name>). Exists because announced names (announceHostnames) are handed
to clients in other namespaces too, so they must resolve from anywhere in the cluster, and the
scripts must build exactly the names the Sentinels and replicas announce.
*/}}
{{- define "redis-sentinel.stableDomain" -}}
{{- printf "%s.%s.svc" .headless .root.Release.Namespace }}
{{- end }}

{{/*
redis-sentinel.chart: the helm.sh/chart label value. Exists to keep "+" (illegal in label
values) out of versions such as 1.0.0+build.
*/}}
{{- define "redis-sentinel.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-sentinel.selectorLabelsFor: selector labels of one component, from (dict "root" $
"component" "redis"|"sentinel"). Exists so that the Redis pods and the Sentinel pods never
select each other (Services, PodDisruptionBudgets, anti-affinity). These labels are immutable
in a StatefulSet selector: never add a changing value here.
*/}}
{{- define "redis-sentinel.selectorLabelsFor" -}}
app.kubernetes.io/name: {{ include "redis-sentinel.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
redis-sentinel.labelsFor: all labels of an object of one component, from (dict "root" $
"component" "redis"|"sentinel"). Exists so that every object carries the same recommended labels
plus commonLabels.
*/}}
{{- define "redis-sentinel.labelsFor" -}}
{{ include "redis-sentinel.selectorLabelsFor" . }}
helm.sh/chart: {{ include "redis-sentinel.chart" .root }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: redis-gitops
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.selectorLabels: selector labels of the Redis pods (StatefulSet selector, Redis
Services, PodDisruptionBudget, anti-affinity). Exists as the short form used everywhere.
*/}}
{{- define "redis-sentinel.selectorLabels" -}}
{{ include "redis-sentinel.selectorLabelsFor" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-sentinel.labels: labels of the Redis objects (and of the shared ConfigMaps). Exists as the
short form used everywhere.
*/}}
{{- define "redis-sentinel.labels" -}}
{{ include "redis-sentinel.labelsFor" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-sentinel.sentinelSelectorLabels: selector labels of the Sentinel pods. Exists as the short
form for the Sentinel StatefulSet, its Services, budget and anti-affinity.
*/}}
{{- define "redis-sentinel.sentinelSelectorLabels" -}}
{{ include "redis-sentinel.selectorLabelsFor" (dict "root" . "component" "sentinel") }}
{{- end }}

{{/*
redis-sentinel.sentinelLabels: labels of the Sentinel objects. Exists as the short form.
*/}}
{{- define "redis-sentinel.sentinelLabels" -}}
{{ include "redis-sentinel.labelsFor" (dict "root" . "component" "sentinel") }}
{{- end }}

{{/*
redis-sentinel.image: the Redis image reference (the Sentinels run the same image). Exists so
that both StatefulSets run one image.
*/}}
{{- define "redis-sentinel.image" -}}
{{- include "redis-sentinel.imageRef" .Values.image }}
{{- end }}

{{/*
redis-sentinel.imageRef: the reference for any image dict (registry, repository, tag, digest):
"registry/repository@digest" when a digest is set, else "registry/repository:tag". Exists so that
the Redis image and the exporter sidecar image follow the same pinning rules; a registry may carry
a port (registry.local:5000): it is only ever joined with "/".
*/}}
{{- define "redis-sentinel.imageRef" -}}
{{- $repo := .repository }}
{{- with .registry }}
{{- $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}
{{- end }}
{{- if .digest }}
{{- printf "%s@%s" $repo .digest }}
{{- else }}
{{- printf "%s:%s" $repo .tag }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.authSecretName: the Secret that holds the Redis password. Exists because the
chart never creates it: auth.existingSecret, or "<fullname>-auth" by convention.
*/}}
{{- define "redis-sentinel.authSecretName" -}}
{{- default (printf "%s-auth" (include "redis-sentinel.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
redis-sentinel.sentinelSecretName: the Secret of the Sentinel password. Exists because it
defaults to the Redis auth Secret, and the Redis pods (which ask the Sentinels before they
start) and the Sentinel pods must read the same one.
*/}}
{{- define "redis-sentinel.sentinelSecretName" -}}
{{- default (include "redis-sentinel.authSecretName" .) .Values.sentinel.auth.existingSecret }}
{{- end }}

{{/*
redis-sentinel.sentinelPasswordKey: the key of the Sentinel password, sentinel.auth.passwordKey
or auth.passwordKey. Exists for the same reason as sentinelSecretName.
*/}}
{{- define "redis-sentinel.sentinelPasswordKey" -}}
{{- default .Values.auth.passwordKey .Values.sentinel.auth.passwordKey }}
{{- end }}

{{/*
redis-sentinel.tlsSecretName: the Secret with tls.crt, tls.key and ca.crt. Exists so that a
TLS setup without a named Secret fails at render time instead of leaving pods stuck in
ContainerCreating.
*/}}
{{- define "redis-sentinel.tlsSecretName" -}}
{{- required "tls.enabled is true: set tls.existingSecret to a Secret holding tls.crt, tls.key and ca.crt" .Values.tls.existingSecret }}
{{- end }}

{{/*
redis-sentinel.redisNodes: the number of Redis pods, 1 master + replication.replicas. Exists
because the StatefulSet, the scripts (REDIS_NODES) and NOTES must agree.
*/}}
{{- define "redis-sentinel.redisNodes" -}}
{{- add 1 (int .Values.replication.replicas) }}
{{- end }}

{{/*
redis-sentinel.validate: cross-field checks the schema cannot express. Exists so that a Sentinel
group that could never authorise a failover fails in CI and in `helm template`, not during the
first outage. A failover needs `quorum` Sentinels to agree the master is down AND a majority of
all Sentinels to elect a leader.
*/}}
{{- define "redis-sentinel.validate" -}}
{{- $count := int .Values.sentinel.count }}
{{- $quorum := int .Values.sentinel.quorum }}
{{- if gt $quorum $count }}
{{- fail (printf "sentinel.quorum (%d) is larger than sentinel.count (%d): the Sentinels could never agree that the master is down; use a quorum of at most %d (a majority, %d, is usual)" $quorum $count $count (add (div $count 2) 1)) }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.sentinelMaxUnavailable: maxUnavailable of the Sentinel PodDisruptionBudget.
Exists because the values carry one PodDisruptionBudget setting, but a drain that takes away
more Sentinels than (count - max(quorum, majority)) leaves the rest unable to fail over. It is
podDisruptionBudget.maxUnavailable capped at that number, and never below 1 (a budget of 0 would
block every node drain forever).
*/}}
{{- define "redis-sentinel.sentinelMaxUnavailable" -}}
{{- $count := int .Values.sentinel.count }}
{{- $needed := max (int .Values.sentinel.quorum) (add (div $count 2) 1) }}
{{- $spare := sub $count $needed }}
{{- max 1 (min (int .Values.podDisruptionBudget.maxUnavailable) $spare) }}
{{- end }}

{{/*
redis-sentinel.memoryBytes: bytes of a Kubernetes memory quantity (plain bytes, k/K, M, G, T,
Ki, Mi, Gi, Ti, m; decimals allowed). Exists because maxmemory must be derived from the
container's memory limit, and templates have no quantity parser.
*/}}
{{- define "redis-sentinel.memoryBytes" -}}
{{- $q := toString . }}
{{- $m := regexFindAll "^([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?$" $q -1 }}
{{- if not $m }}
{{- fail (printf "cannot parse memory quantity %q: use bytes or a suffix Ki, Mi, Gi, Ti, K, M, G or T" $q) }}
{{- end }}
{{- $num := regexReplaceAll "(Ki|Mi|Gi|Ti|k|K|M|G|T|m)$" $q "" }}
{{- $suffix := trimPrefix $num $q }}
{{- $mult := get (dict "" 1.0 "m" 0.001 "k" 1000.0 "K" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0) $suffix }}
{{- printf "%.0f" (floor (mulf (float64 $num) $mult)) }}
{{- end }}

{{/*
redis-sentinel.maxmemory: Redis maxmemory in bytes = resources.limits.memory x
redis.maxmemoryRatio. Exists so that Redis evicts (or refuses writes) before the kernel
OOM-kills the container: the rest of the limit is headroom for fork copy-on-write during
BGSAVE/AOF rewrite and full resyncs, replication buffers and allocator overhead.
*/}}
{{- define "redis-sentinel.maxmemory" -}}
{{- $limit := "" }}
{{- with .Values.resources.limits }}{{ $limit = .memory | default "" }}{{ end }}
{{- if not $limit }}
{{- fail "resources.limits.memory is required: redis-sentinel derives Redis maxmemory from it (maxmemory = limits.memory x redis.maxmemoryRatio), and a Redis without a memory limit is OOM-killed instead of refusing writes" }}
{{- end }}
{{- $bytes := include "redis-sentinel.memoryBytes" $limit | float64 }}
{{- $max := floor (mulf $bytes .Values.redis.maxmemoryRatio) }}
{{- if lt $max 16777216.0 }}
{{- fail (printf "resources.limits.memory %s x redis.maxmemoryRatio gives maxmemory %.0f bytes, below 16Mi: Redis cannot run in that (and 'm' means milli-bytes; use Mi)" $limit $max) }}
{{- end }}
{{- printf "%.0f" $max }}
{{- end }}

{{/*
redis-sentinel.podSecurityContext: the pod securityContext of both StatefulSets. Exists so that
the Redis and Sentinel pods are hardened alike: uid/gid 999 is the "redis" user of the official
image.
*/}}
{{- define "redis-sentinel.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 999
runAsGroup: 999
fsGroup: 999
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- with .Values.sysctls }}
sysctls:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.containerSecurityContext: the securityContext of every container (Redis,
Sentinel, exporter). Exists so that no container can be added without the same hardening.
*/}}
{{- define "redis-sentinel.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
redis-sentinel.nodeSelector: scheduling.nodeSelector plus kubernetes.io/arch from
scheduling.arch, as YAML ("" when empty). Exists so that both StatefulSets land on the same
kind of node (the Sentinels run the same multi-arch image).
*/}}
{{- define "redis-sentinel.nodeSelector" -}}
{{- $nodeSelector := deepCopy .Values.scheduling.nodeSelector }}
{{- with .Values.scheduling.arch }}
{{- $_ := set $nodeSelector "kubernetes.io/arch" . }}
{{- end }}
{{- with $nodeSelector }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.spreading: affinity (pod anti-affinity) and topologySpreadConstraints for the pods
selected by (dict "root" $ "selector" <selector labels YAML>). Exists so that Redis pods avoid each
other and Sentinel pods avoid each other with the same hard/soft rule: two Redis pods (or two
Sentinels) on one node would be lost together.
*/}}
{{- define "redis-sentinel.spreading" -}}
{{- $s := .root.Values.scheduling }}
{{- $term := dict "labelSelector" (dict "matchLabels" (.selector | fromYaml)) "topologyKey" $s.topologyKey -}}
affinity:
  podAntiAffinity:
    {{- if eq $s.antiAffinity "hard" }}
    # hard: never two of these pods on one {{ $s.topologyKey }}.
    requiredDuringSchedulingIgnoredDuringExecution:
      - {{- toYaml $term | nindent 8 }}
    {{- else }}
    # soft: spread when possible, co-locate when the cluster is too small.
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          {{- toYaml $term | nindent 10 }}
    {{- end }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: {{ $s.topologyKey }}
    whenUnsatisfiable: {{ ternary "DoNotSchedule" "ScheduleAnyway" (eq $s.antiAffinity "hard") }}
    labelSelector:
      matchLabels:
        {{- .selector | nindent 8 }}
{{- end }}

{{/*
redis-sentinel.scriptEnv: the environment contract of the scripts (scripts/lib.sh), shared by
the Redis and the Sentinel containers. Exists because both sides must agree on every name, port,
password and Sentinel setting: the Redis pods ask the Sentinels before they start, and the
Sentinels ask the Redis pods.
*/}}
{{- define "redis-sentinel.scriptEnv" -}}
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- if .Values.auth.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "redis-sentinel.authSecretName" . }}
      key: {{ .Values.auth.passwordKey }}
{{- end }}
{{- if .Values.sentinel.auth.enabled }}
- name: SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "redis-sentinel.sentinelSecretName" . }}
      key: {{ include "redis-sentinel.sentinelPasswordKey" . }}
{{- end }}
# Stable names: <pod>.<headless>.<namespace>.svc, resolvable (and announced) cluster-wide.
- name: HEADLESS_SERVICE
  value: {{ include "redis-sentinel.stableDomain" (dict "root" . "headless" (include "redis-sentinel.headlessName" .)) | quote }}
- name: REDIS_STATEFULSET
  value: {{ include "redis-sentinel.nodeName" . | quote }}
- name: REDIS_NODES
  value: {{ include "redis-sentinel.redisNodes" . | quote }}
- name: REDIS_PORT
  value: "6379"
- name: SENTINEL_HEADLESS_SERVICE
  value: {{ include "redis-sentinel.stableDomain" (dict "root" . "headless" (include "redis-sentinel.sentinelHeadlessName" .)) | quote }}
- name: SENTINEL_STATEFULSET
  value: {{ include "redis-sentinel.sentinelName" . | quote }}
- name: SENTINEL_COUNT
  value: {{ .Values.sentinel.count | quote }}
- name: SENTINEL_PORT
  value: {{ .Values.sentinel.port | quote }}
- name: MASTER_SET
  value: {{ .Values.sentinel.masterSet | quote }}
- name: QUORUM
  value: {{ .Values.sentinel.quorum | quote }}
- name: DOWN_AFTER_MS
  value: {{ .Values.sentinel.downAfterMilliseconds | quote }}
- name: FAILOVER_TIMEOUT
  value: {{ .Values.sentinel.failoverTimeout | quote }}
- name: PARALLEL_SYNCS
  value: {{ .Values.sentinel.parallelSyncs | quote }}
- name: ANNOUNCE_HOSTNAMES
  value: {{ ternary "yes" "no" .Values.announceHostnames | quote }}
- name: REDIS_TLS
  value: {{ ternary "yes" "no" .Values.tls.enabled | quote }}
# redis-cli calls must end well before the probes' 5 s timeout.
- name: CLI_TIMEOUT
  value: "2"
- name: HOME
  value: /tmp
{{- end }}

{{/*
redis-sentinel.backupName: the backup CronJob's name, "<fullname>-backup", also the name of the
backup PVC the chart creates. Exists because a CronJob name is limited to 52 characters (its Jobs
append 11), and because the Redis StatefulSet's redis-gitops.dev/backup-cronjob annotation, the
CronJob and the PVC must agree on it.
*/}}
{{- define "redis-sentinel.backupName" -}}
{{- printf "%s-backup" (include "redis-sentinel.fullname" . | trunc 45 | trimSuffix "-") }}
{{- end }}

{{/*
redis-sentinel.backupClaimName: the PVC that holds the backup sets: backup.existingClaim, or the
chart's own "<fullname>-backup". Exists because the backup CronJob writes it and the restore init
container reads it, and both must name the same claim.
*/}}
{{- define "redis-sentinel.backupClaimName" -}}
{{- default (include "redis-sentinel.backupName" .) .Values.backup.existingClaim }}
{{- end }}

{{/*
redis-sentinel.restoreInitContainers: the `restore` init container of the Redis pods (a list, or
nothing when restore.fromSet is empty). Exists so that the StatefulSet template carries one include
line for it: scripts/restore.sh seeds pod 0's EMPTY data volume from a backup set before
start-redis.sh runs (see the chart README, "Backup and restore").
*/}}
{{- define "redis-sentinel.restoreInitContainers" -}}
{{- if .Values.restore.fromSet }}
initContainers:
  - name: restore
    image: {{ include "redis-sentinel.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: ["/scripts/restore.sh"]
    env:
      {{- include "redis-sentinel.scriptEnv" . | nindent 6 }}
      - name: RESTORE_SET
        value: {{ .Values.restore.fromSet | quote }}
    resources:
      {{- toYaml .Values.backup.resources | nindent 6 }}
    securityContext:
      {{- include "redis-sentinel.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      - name: data
        mountPath: /data
      - name: tmp
        mountPath: /tmp
      - name: config
        mountPath: /etc/redis-base
        readOnly: true
      - name: scripts
        mountPath: /scripts
        readOnly: true
      - name: backup
        mountPath: /backup
        readOnly: true
      {{- if .Values.tls.enabled }}
      - name: tls
        mountPath: /tls
        readOnly: true
      {{- end }}
{{- end }}
{{- end }}

{{/*
redis-sentinel.restoreVolumes: the backup claim as a read-only volume of the Redis pods, only while
restore.fromSet is set. Exists as the one-line counterpart of restoreInitContainers in the
StatefulSet's volumes.
*/}}
{{- define "redis-sentinel.restoreVolumes" -}}
{{- if .Values.restore.fromSet }}
# The backup sets, read-only, for the restore init container. With a ReadWriteOnce claim every
# Redis pod must run on the node that has it attached (see the README).
- name: backup
  persistentVolumeClaim:
    claimName: {{ include "redis-sentinel.backupClaimName" . }}
    readOnly: true
{{- end }}
{{- end }}
