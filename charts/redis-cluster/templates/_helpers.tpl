{{/*
redis-cluster.name: the chart name part of object names and of the app.kubernetes.io/name
label. Exists so that nameOverride is honoured in one place.
*/}}
{{- define "redis-cluster.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-cluster.fullname: the prefix of every object name (StatefulSet, Services, ConfigMaps,
Job). Exists so that every object agrees on one name, with fullnameOverride and the release
name handled once, and the DNS-label limit of 63 characters respected.
*/}}
{{- define "redis-cluster.fullname" -}}
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
redis-cluster.headlessName: the headless Service that gives every pod its stable DNS name
(<pod>.<headless>). Exists because the StatefulSet's serviceName, the scripts' HEADLESS_SERVICE
and the Service itself must agree.
*/}}
{{- define "redis-cluster.headlessName" -}}
{{- printf "%s-headless" (include "redis-cluster.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
redis-cluster.bootstrapName: the bootstrap Job's name. Exists because a Job name becomes a
pod label value (job-name), limited to 63 characters, so the suffix must fit.
*/}}
{{- define "redis-cluster.bootstrapName" -}}
{{- printf "%s-bootstrap" (include "redis-cluster.fullname" . | trunc 53 | trimSuffix "-") }}
{{- end }}

{{/*
redis-cluster.scaleInName: the scale-in Job's name (and its hook ConfigMap's). Exists for the
same reason as bootstrapName: the job-name pod label is limited to 63 characters.
*/}}
{{- define "redis-cluster.scaleInName" -}}
{{- printf "%s-scale-in" (include "redis-cluster.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
redis-cluster.topologyName: the ConfigMap with the cluster's shape (shards, replicas per shard).
Exists because the StatefulSet mounts it and the scripts read it, and both must agree.
*/}}
{{- define "redis-cluster.topologyName" -}}
{{- printf "%s-topology" (include "redis-cluster.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{/*
redis-cluster.chart: the helm.sh/chart label value. Exists to keep "+" (illegal in label
values) out of versions such as 1.0.0+build.
*/}}
{{- define "redis-cluster.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-cluster.selectorLabelsFor: selector labels of one component, from (dict "root" $
"component" "redis"). Exists so that the StatefulSet pods and the bootstrap Job pod differ by
component: the Services and the PodDisruptionBudget must never select the Job's pod.
These labels are immutable in a StatefulSet selector: never add a changing value here.
*/}}
{{- define "redis-cluster.selectorLabelsFor" -}}
app.kubernetes.io/name: {{ include "redis-cluster.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
redis-cluster.labelsFor: all labels of an object of one component, from (dict "root" $
"component" "redis"). Exists so that every object carries the same recommended labels plus
commonLabels.
*/}}
{{- define "redis-cluster.labelsFor" -}}
{{ include "redis-cluster.selectorLabelsFor" . }}
helm.sh/chart: {{ include "redis-cluster.chart" .root }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: redis-gitops
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
redis-cluster.selectorLabels: selector labels of the Redis pods (StatefulSet selector,
Services, PodDisruptionBudget, anti-affinity). Exists as the short form used everywhere.
*/}}
{{- define "redis-cluster.selectorLabels" -}}
{{ include "redis-cluster.selectorLabelsFor" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-cluster.labels: labels of the Redis objects. Exists as the short form used everywhere.
*/}}
{{- define "redis-cluster.labels" -}}
{{ include "redis-cluster.labelsFor" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-cluster.image: the image reference. Exists so that the pods and the Job run the same
image; "registry/repository@digest" when a digest is set, else "registry/repository:tag". The
registry may carry a port (registry.local:5000): it is only ever joined with "/".
*/}}
{{- define "redis-cluster.image" -}}
{{- include "redis-cluster.imageRef" .Values.image }}
{{- end }}

{{/*
redis-cluster.imageRef: the reference for any image dict (registry, repository, tag, digest).
Exists so that the Redis image and the exporter sidecar image follow the same pinning rules.
*/}}
{{- define "redis-cluster.imageRef" -}}
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
redis-cluster.authSecretName: the Secret that holds the password. Exists because the chart
never creates it: auth.existingSecret, or "<fullname>-auth" by convention.
*/}}
{{- define "redis-cluster.authSecretName" -}}
{{- default (printf "%s-auth" (include "redis-cluster.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
redis-cluster.tlsSecretName: the Secret with tls.crt, tls.key and ca.crt. Exists so that a
TLS setup without a named Secret fails at render time instead of leaving pods stuck in
ContainerCreating.
*/}}
{{- define "redis-cluster.tlsSecretName" -}}
{{- required "tls.enabled is true: set tls.existingSecret to a Secret holding tls.crt, tls.key and ca.crt" .Values.tls.existingSecret }}
{{- end }}

{{/*
redis-cluster.replicas: the number of pods, shards x (1 + replicasPerShard). Exists because
the StatefulSet, the scripts (SHARDS, REPLICAS_PER_SHARD) and NOTES must agree.
*/}}
{{- define "redis-cluster.replicas" -}}
{{- mul (int .Values.cluster.shards) (add 1 (int .Values.cluster.replicasPerShard)) }}
{{- end }}

{{/*
redis-cluster.memoryBytes: bytes of a Kubernetes memory quantity (plain bytes, k/K, M, G, T,
Ki, Mi, Gi, Ti, m; decimals allowed). Exists because maxmemory must be derived from the
container's memory limit, and templates have no quantity parser.
*/}}
{{- define "redis-cluster.memoryBytes" -}}
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
redis-cluster.maxmemory: Redis maxmemory in bytes = resources.limits.memory x
redis.maxmemoryRatio. Exists so that Redis evicts (or refuses writes) before the kernel
OOM-kills the container: the rest of the limit is headroom for fork copy-on-write during
BGSAVE/AOF rewrite, replication buffers and allocator overhead.
*/}}
{{- define "redis-cluster.maxmemory" -}}
{{- $limit := "" }}
{{- with .Values.resources.limits }}{{ $limit = .memory | default "" }}{{ end }}
{{- if not $limit }}
{{- fail "resources.limits.memory is required: redis-cluster derives Redis maxmemory from it (maxmemory = limits.memory x redis.maxmemoryRatio), and a Redis without a memory limit is OOM-killed instead of refusing writes" }}
{{- end }}
{{- $bytes := include "redis-cluster.memoryBytes" $limit | float64 }}
{{- $max := floor (mulf $bytes .Values.redis.maxmemoryRatio) }}
{{- if lt $max 16777216.0 }}
{{- fail (printf "resources.limits.memory %s x redis.maxmemoryRatio gives maxmemory %.0f bytes, below 16Mi: Redis Cluster cannot run in that (and 'm' means milli-bytes; use Mi)" $limit $max) }}
{{- end }}
{{- printf "%.0f" $max }}
{{- end }}

{{/*
redis-cluster.slotsEnv: the explicit slot layout for bootstrap.sh (entries joined by ";"), or
"" for an even split. Exists to validate cluster.slots at render time, so that a wrong layout
fails in CI and in `helm template`, not in a Job at 3 a.m.: one entry per shard, ranges within
0..16383, no slot twice, all 16384 slots covered (no overlap + total 16384 = exact cover).
*/}}
{{- define "redis-cluster.slotsEnv" -}}
{{- $slots := .Values.cluster.slots }}
{{- if $slots }}
{{- if ne (len $slots) (int .Values.cluster.shards) }}
{{- fail (printf "cluster.slots has %d entries but cluster.shards is %d: give one entry per shard. To change the number of shards of a running cluster, set cluster.slots to [] instead: the scaling Jobs move slots only to an even split, never to an explicit layout" (len $slots) (int .Values.cluster.shards)) }}
{{- end }}
{{- $ranges := list }}
{{- $total := 0 }}
{{- range $shard, $entry := $slots }}
{{- range $r := splitList "," $entry }}
{{- $parts := splitList "-" $r }}
{{- $a := index $parts 0 | atoi }}
{{- $b := $a }}
{{- if gt (len $parts) 1 }}{{ $b = index $parts 1 | atoi }}{{ end }}
{{- if gt $a $b }}
{{- fail (printf "cluster.slots[%d]: range %s is reversed" $shard $r) }}
{{- end }}
{{- if gt $b 16383 }}
{{- fail (printf "cluster.slots[%d]: range %s goes past slot 16383" $shard $r) }}
{{- end }}
{{- range $o := $ranges }}
{{- if and (le (index $o 0) $b) (ge (index $o 1) $a) }}
{{- fail (printf "cluster.slots: range %s (shard %d) overlaps %d-%d (shard %d); every slot must be in exactly one shard" $r $shard (index $o 0) (index $o 1) (index $o 2)) }}
{{- end }}
{{- end }}
{{- $ranges = append $ranges (list $a $b $shard) }}
{{- $total = add $total (add (sub $b $a) 1) }}
{{- end }}
{{- end }}
{{- if ne (int $total) 16384 }}
{{- fail (printf "cluster.slots covers %d slots, not 16384: every slot 0..16383 must be in exactly one shard" (int $total)) }}
{{- end }}
{{- join ";" $slots }}
{{- end }}
{{- end }}

{{/*
redis-cluster.hookJobSpec: the spec of a cluster-admin hook Job (bootstrap, scale-in), from
(dict "root" $ "script" "bootstrap.sh" "scripts" "<ConfigMap with the script>"). Exists so that
both Jobs get the same hardening, resources, scheduling and environment (the scripts' contract)
and differ only in the script they run and where it comes from. Both Job pods carry the
component label "bootstrap": the NetworkPolicies of redis-netpol let that component reach the
Redis pods on 6379.
*/}}
{{- define "redis-cluster.hookJobSpec" -}}
{{- $root := .root }}
{{- $fullname := include "redis-cluster.fullname" $root }}
{{- $labels := dict "root" $root "component" "bootstrap" -}}
backoffLimit: {{ $root.Values.bootstrap.backoffLimit }}
activeDeadlineSeconds: {{ $root.Values.bootstrap.activeDeadlineSeconds }}
template:
  metadata:
    labels:
      {{- include "redis-cluster.labelsFor" $labels | nindent 6 }}
      {{- with $root.Values.podLabels }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    annotations:
      checksum/scripts: {{ .checksum }}
  spec:
    # Never: each retry is a new pod, so the logs of a failed attempt stay readable.
    restartPolicy: Never
    automountServiceAccountToken: false
    enableServiceLinks: false
    {{- with $root.Values.scheduling.priorityClassName }}
    priorityClassName: {{ . }}
    {{- end }}
    securityContext:
      runAsNonRoot: true
      runAsUser: 999
      runAsGroup: 999
      fsGroup: 999
      seccompProfile:
        type: RuntimeDefault
    {{- $nodeSelector := deepCopy $root.Values.scheduling.nodeSelector }}
    {{- with $root.Values.scheduling.arch }}
    {{- $_ := set $nodeSelector "kubernetes.io/arch" . }}
    {{- end }}
    {{- with $nodeSelector }}
    nodeSelector:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with $root.Values.scheduling.tolerations }}
    tolerations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    containers:
      - name: {{ .container }}
        image: {{ include "redis-cluster.image" $root | quote }}
        imagePullPolicy: {{ $root.Values.image.pullPolicy }}
        command: [{{ printf "/scripts/%s" .script | quote }}]
        env:
          {{- if $root.Values.auth.enabled }}
          - name: REDIS_PASSWORD
            valueFrom:
              secretKeyRef:
                name: {{ include "redis-cluster.authSecretName" $root }}
                key: {{ $root.Values.auth.passwordKey }}
          {{- end }}
          - name: HEADLESS_SERVICE
            value: {{ include "redis-cluster.headlessName" $root | quote }}
          - name: STATEFULSET
            value: {{ $fullname | quote }}
          # The shape the release is being changed TO (the pods read theirs from the topology ConfigMap).
          - name: SHARDS
            value: {{ $root.Values.cluster.shards | quote }}
          - name: REPLICAS_PER_SHARD
            value: {{ $root.Values.cluster.replicasPerShard | quote }}
          # Explicit slot layout (cluster.slots joined by ";"); empty = even split.
          - name: SLOTS
            value: {{ include "redis-cluster.slotsEnv" $root | quote }}
          - name: REDIS_PORT
            value: "6379"
          - name: BUS_PORT
            value: "16379"
          - name: REDIS_TLS
            value: {{ ternary "yes" "no" $root.Values.tls.enabled | quote }}
          - name: HOME
            value: /tmp
        resources:
          {{- toYaml $root.Values.bootstrap.resources | nindent 10 }}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          runAsNonRoot: true
          capabilities:
            drop: ["ALL"]
        volumeMounts:
          - name: tmp
            mountPath: /tmp
          - name: scripts
            mountPath: /scripts
            readOnly: true
          {{- if $root.Values.tls.enabled }}
          - name: tls
            mountPath: /tls
            readOnly: true
          {{- end }}
    volumes:
      - name: tmp
        emptyDir: {}
      - name: scripts
        configMap:
          name: {{ .scripts }}
          defaultMode: 0555
      {{- if $root.Values.tls.enabled }}
      - name: tls
        secret:
          secretName: {{ include "redis-cluster.tlsSecretName" $root }}
          defaultMode: 0440
      {{- end }}
{{- end }}
