

{{/*
redis-sentinel.nodeName: the Redis StatefulSet, "<fullname>-node"; its pods are
<fullname>-node-<i>. Exists because a StatefulSet name must leave room for the
controller-revision-hash label ("<name>-<10 chars>" within 63), so it is kept to 52 characters,
and the scripts (REDIS_STATEFULSET), the Services and NOTES must agree on it.
*/}}
{{- define "redis-sentinel.nodeName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "node" "limit" 52) }}
{{- end }}

{{/*
redis-sentinel.sentinelName: the Sentinel StatefulSet and the Sentinel client Service,
"<fullname>-sentinel". Exists for the same 52-character limit as nodeName, and because clients
are told this Service name.
*/}}
{{- define "redis-sentinel.sentinelName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "sentinel" "limit" 52) }}
{{- end }}

{{/*
redis-sentinel.headlessName: the headless Service of the Redis pods, which gives each one its
stable name <pod>.<headless>. Exists because the StatefulSet's serviceName, the scripts'
HEADLESS_SERVICE and the Service itself must agree.
*/}}
{{- define "redis-sentinel.headlessName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "headless" "limit" 63) }}
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
redis-sentinel.selectorLabels: selector labels of the Redis pods (StatefulSet selector, Redis
Services, PodDisruptionBudget, anti-affinity). Exists as the short form used everywhere.
*/}}
{{- define "redis-sentinel.selectorLabels" -}}
{{ include "redis-common.selectorLabels" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-sentinel.labels: labels of the Redis objects (and of the shared ConfigMaps). Exists as the
short form used everywhere.
*/}}
{{- define "redis-sentinel.labels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-sentinel.sentinelSelectorLabels: selector labels of the Sentinel pods. Exists as the short
form for the Sentinel StatefulSet, its Services, budget and anti-affinity.
*/}}
{{- define "redis-sentinel.sentinelSelectorLabels" -}}
{{ include "redis-common.selectorLabels" (dict "root" . "component" "sentinel") }}
{{- end }}

{{/*
redis-sentinel.sentinelLabels: labels of the Sentinel objects. Exists as the short form.
*/}}
{{- define "redis-sentinel.sentinelLabels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "sentinel") }}
{{- end }}

{{/*
redis-sentinel.image: the Redis image reference (the Sentinels run the same image). Exists so
that both StatefulSets run one image.
*/}}
{{- define "redis-sentinel.image" -}}
{{- include "redis-common.serverImage" . }}
{{- end }}

{{/*
redis-sentinel.sentinelSecretName: the Secret of the Sentinel password. Exists because it
defaults to the Redis auth Secret, and the Redis pods (which ask the Sentinels before they
start) and the Sentinel pods must read the same one.
*/}}
{{- define "redis-sentinel.sentinelSecretName" -}}
{{- default (include "redis-common.authSecretName" .) .Values.sentinel.auth.existingSecret }}
{{- end }}

{{/*
redis-sentinel.sentinelPasswordKey: the key of the Sentinel password, sentinel.auth.passwordKey
or auth.passwordKey. Exists for the same reason as sentinelSecretName.
*/}}
{{- define "redis-sentinel.sentinelPasswordKey" -}}
{{- default .Values.auth.passwordKey .Values.sentinel.auth.passwordKey }}
{{- end }}

{{/*
redis-sentinel.redisNodes: the number of Redis pods, 1 master + replication.replicas. Exists
because the StatefulSet, the scripts (REDIS_NODES) and NOTES must agree.
*/}}
{{- define "redis-sentinel.redisNodes" -}}
{{- add 1 (int .Values.replication.replicas) }}
{{- end }}

{{/*
redis-sentinel.problems: every problem of the values the schema cannot express, as a JSON list
(memory, TLS, the Sentinel quorum). redis-common.validate fails the render once with all of them.
A failover needs `quorum` Sentinels to agree the master is down AND a majority of all Sentinels to
elect a leader, so a quorum above the count could never fail over: that must fail in CI and in
`helm template`, not during the first outage.
*/}}
{{- define "redis-sentinel.problems" -}}
{{- $errs := concat (include "redis-common.maxmemoryProblems" . | fromJsonArray) (include "redis-common.tlsProblems" . | fromJsonArray) (include "redis-common.aclProblems" . | fromJsonArray) (include "redis-common.remoteProblems" . | fromJsonArray) (include "redis-common.drillProblems" . | fromJsonArray) }}
{{- $count := int .Values.sentinel.count }}
{{- $quorum := int .Values.sentinel.quorum }}
{{- if gt $quorum $count }}
{{- $errs = append $errs (printf "sentinel.quorum (%d) is larger than sentinel.count (%d): the Sentinels could never agree that the master is down; use a quorum of at most %d (a majority, %d, is usual)" $quorum $count $count (add (div $count 2) 1)) }}
{{- end }}
{{- if and .Values.haproxy.enabled .Values.tls.enabled }}
{{- $errs = append $errs "haproxy.enabled with tls.enabled is not supported yet: the HAProxy health checks speak plain TCP to the Redis pods; turn one of them off" }}
{{- end }}
{{- toJson $errs }}
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
{{- $user := .user }}
{{- with .root }}
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
{{- include "redis-common.redisAuthEnv" (dict "root" . "user" $user) }}
{{- include "redis-common.engineEnv" . | nindent 0 }}
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
{{- end }}

{{/*
redis-sentinel.restoreEnv: the script environment of the restore init container (see
redis-common.restoreInitContainers): the same contract as the Redis container (scriptEnv), since
restore.sh seeds pod 0's EMPTY data volume before start-redis.sh runs.
*/}}
{{- define "redis-sentinel.restoreEnv" -}}
{{- include "redis-sentinel.scriptEnv" (dict "root" . "user" "operator") }}
{{- end }}

{{/*
redis-sentinel.haproxyName: the master endpoint's Deployment, ConfigMap, Service and budget,
"<fullname>-haproxy". Exists because clients are told this Service name, and because a Deployment's
pods are "<name>-<10 chars>-<5 chars>": 47 characters leave them within 63.
*/}}
{{- define "redis-sentinel.haproxyName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "haproxy" "limit" 47) }}
{{- end }}

{{/*
redis-sentinel.haproxySelectorLabels: selector labels of the HAProxy pods (component "haproxy").
Exists for the Deployment, its Service, budget and anti-affinity, and for redis-netpol, which
admits these pods to the Redis pods by the same labels.
*/}}
{{- define "redis-sentinel.haproxySelectorLabels" -}}
{{ include "redis-common.selectorLabels" (dict "root" . "component" "haproxy") }}
{{- end }}

{{/*
redis-sentinel.haproxyLabels: labels of the master endpoint's objects. Exists as the short form.
*/}}
{{- define "redis-sentinel.haproxyLabels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "haproxy") }}
{{- end }}

{{/*
redis-sentinel.haproxyReadyDelay: initialDelaySeconds of the HAProxy readiness probe, from
haproxy.check: (fall + 1) x inter + timeout, rounded up to whole seconds. Exists because HAProxy
starts with every Redis pod UP and only its first checks (spread over one inter, then fall of them
to go down) take the replicas out of the write backend: a pod the Service used at once could send
a write to a replica.
*/}}
{{- define "redis-sentinel.haproxyReadyDelay" -}}
{{- $c := .Values.haproxy.check }}
{{- $ms := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 }}
{{- $inter := mul (regexFind "^[0-9]+" $c.inter | int) (get $ms (regexFind "[a-z]+$" $c.inter)) }}
{{- $timeout := mul (regexFind "^[0-9]+" $c.timeout | int) (get $ms (regexFind "[a-z]+$" $c.timeout)) }}
{{- $total := add (mul (add (int $c.fall) 1) $inter) $timeout }}
{{- div (add $total 999) 1000 }}
{{- end }}
