

{{/*
redis-cluster.headlessName: the headless Service that gives every pod its stable DNS name
(<pod>.<headless>). Exists because the StatefulSet's serviceName, the scripts' HEADLESS_SERVICE
and the Service itself must agree.
*/}}
{{- define "redis-cluster.headlessName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "headless" "limit" 63) }}
{{- end }}

{{/*
redis-cluster.bootstrapName: the bootstrap Job's name. Exists because a Job name becomes a
pod label value (job-name), limited to 63 characters, so the suffix must fit.
*/}}
{{- define "redis-cluster.bootstrapName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "bootstrap" "limit" 63) }}
{{- end }}

{{/*
redis-cluster.scaleInName: the scale-in Job's name (and its hook ConfigMap's). Exists for the
same reason as bootstrapName: the job-name pod label is limited to 63 characters.
*/}}
{{- define "redis-cluster.scaleInName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "scale-in" "limit" 63) }}
{{- end }}

{{/*
redis-cluster.topologyName: the ConfigMap with the cluster's shape (shards, replicas per shard).
Exists because the StatefulSet mounts it and the scripts read it, and both must agree.
*/}}
{{- define "redis-cluster.topologyName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "topology" "limit" 63) }}
{{- end }}

{{/*
redis-cluster.selectorLabels: selector labels of the Redis pods (StatefulSet selector,
Services, PodDisruptionBudget, anti-affinity). The bootstrap and scale-in Job pods carry the
component "bootstrap", so the Services and the PodDisruptionBudget never select them.
*/}}
{{- define "redis-cluster.selectorLabels" -}}
{{ include "redis-common.selectorLabels" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-cluster.labels: labels of the Redis objects. Exists as the short form used everywhere.
*/}}
{{- define "redis-cluster.labels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
redis-cluster.image: the Redis image reference. Exists so that the pods and the Jobs run the same
image (see redis-common.imageRef for the pinning rules).
*/}}
{{- define "redis-cluster.image" -}}
{{- include "redis-common.serverImage" . }}
{{- end }}

{{/*
redis-cluster.authSecretName: the Secret that holds the password. Exists because the chart
never creates it: auth.existingSecret, or "<fullname>-auth" by convention.
*/}}
{{- define "redis-common.authSecretName" -}}
{{- default (printf "%s-auth" (include "redis-common.fullname" .)) .Values.auth.existingSecret }}
{{- end }}

{{/*
redis-cluster.replicas: the number of pods, shards x (1 + replicasPerShard). Exists because
the StatefulSet, the scripts (SHARDS, REPLICAS_PER_SHARD) and NOTES must agree.
*/}}
{{- define "redis-cluster.replicas" -}}
{{- mul (int .Values.cluster.shards) (add 1 (int .Values.cluster.replicasPerShard)) }}
{{- end }}

{{/*
redis-cluster.slotsProblems: the problems of cluster.slots, as a JSON list. Exists to validate
the explicit slot layout at render time, so that a wrong layout fails in CI and in `helm
template`, not in a Job at 3 a.m.: one entry per shard, ranges within 0..16383, no slot twice,
all 16384 slots covered (no overlap + total 16384 = exact cover).
*/}}
{{- define "redis-cluster.slotsProblems" -}}
{{- $errs := list }}
{{- $slots := .Values.cluster.slots }}
{{- if $slots }}
{{- if ne (len $slots) (int .Values.cluster.shards) }}
{{- $errs = append $errs (printf "cluster.slots has %d entries but cluster.shards is %d: give one entry per shard. To change the number of shards of a running cluster, set cluster.slots to [] instead: the scaling Jobs move slots only to an even split, never to an explicit layout" (len $slots) (int .Values.cluster.shards)) }}
{{- end }}
{{- $ranges := list }}
{{- $total := 0 }}
{{- range $shard, $entry := $slots }}
{{- range $r := splitList "," (toString $entry) }}
{{- if not (regexMatch "^[0-9]+(-[0-9]+)?$" $r) }}
{{- $errs = append $errs (printf "cluster.slots[%d]: %q is not a slot or a range of slots (e.g. 0-5460, or 0-100,200)" $shard $r) }}
{{- else }}
{{- $parts := splitList "-" $r }}
{{- $a := index $parts 0 | atoi }}
{{- $b := $a }}
{{- if gt (len $parts) 1 }}{{ $b = index $parts 1 | atoi }}{{ end }}
{{- if gt $a $b }}
{{- $errs = append $errs (printf "cluster.slots[%d]: range %s is reversed" $shard $r) }}
{{- else if gt $b 16383 }}
{{- $errs = append $errs (printf "cluster.slots[%d]: range %s goes past slot 16383" $shard $r) }}
{{- else }}
{{- range $o := $ranges }}
{{- if and (le (index $o 0) $b) (ge (index $o 1) $a) }}
{{- $errs = append $errs (printf "cluster.slots: range %s (shard %d) overlaps %d-%d (shard %d); every slot must be in exactly one shard" $r $shard (index $o 0) (index $o 1) (index $o 2)) }}
{{- end }}
{{- end }}
{{- $ranges = append $ranges (list $a $b $shard) }}
{{- $total = add $total (add (sub $b $a) 1) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if ne (int $total) 16384 }}
{{- $errs = append $errs (printf "cluster.slots covers %d slots, not 16384: every slot 0..16383 must be in exactly one shard" (int $total)) }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-cluster.problems: every problem of the values the schema cannot express, as a JSON list
(memory, TLS, slot layout). redis-common.validate fails the render once with all of them.
*/}}
{{- define "redis-cluster.problems" -}}
{{- concat (include "redis-common.maxmemoryProblems" . | fromJsonArray) (include "redis-common.tlsProblems" . | fromJsonArray) (include "redis-common.aclProblems" . | fromJsonArray) (include "redis-common.remoteProblems" . | fromJsonArray) (include "redis-common.drillProblems" . | fromJsonArray) (include "redis-cluster.slotsProblems" . | fromJsonArray) | toJson }}
{{- end }}

{{/*
redis-cluster.slotsEnv: the explicit slot layout for bootstrap.sh (entries joined by ";"), or
"" for an even split, after the values check.
*/}}
{{- define "redis-cluster.slotsEnv" -}}
{{- include "redis-common.validate" . }}
{{- join ";" (.Values.cluster.slots | default list) }}
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
{{- $fullname := include "redis-common.fullname" $root }}
{{- $labels := dict "root" $root "component" "bootstrap" -}}
backoffLimit: {{ $root.Values.bootstrap.backoffLimit }}
activeDeadlineSeconds: {{ $root.Values.bootstrap.activeDeadlineSeconds }}
template:
  metadata:
    labels:
      {{- include "redis-common.labels" $labels | nindent 6 }}
      {{- with $root.Values.podLabels }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
    annotations:
      checksum/scripts: {{ .checksum }}
      {{- with $root.Values.podAnnotations }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
  spec:
    # Never: each retry is a new pod, so the logs of a failed attempt stay readable.
    restartPolicy: Never
    automountServiceAccountToken: false
    {{- include "redis-common.imagePullSecrets" $root | nindent 4 }}
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
          {{- include "redis-common.redisAuthEnv" (dict "root" $root "user" "operator") | nindent 10 }}
          {{- include "redis-common.engineEnv" $root | nindent 10 }}
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
          {{- include "redis-common.containerSecurityContext" . | nindent 10 }}
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
          secretName: {{ include "redis-common.tlsSecretName" $root }}
          defaultMode: 0440
      {{- end }}
{{- end }}

{{/*
redis-cluster.restoreEnv: the script environment of the restore init container (see
redis-common.restoreInitContainers): who this pod is, and the shape and slot layout the backup set
must match. Literal here (unlike the redis container, which reads the topology ConfigMap) because
a restore seeds a NEW deployment only: remove restore.fromSet once the restore is done.
*/}}
{{- define "redis-cluster.restoreEnv" -}}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- include "redis-common.redisAuthEnv" (dict "root" . "user" "operator") }}
{{- include "redis-common.engineEnv" . | nindent 0 }}
- name: HEADLESS_SERVICE
  value: {{ include "redis-cluster.headlessName" . | quote }}
- name: STATEFULSET
  value: {{ include "redis-common.fullname" . | quote }}
- name: SHARDS
  value: {{ .Values.cluster.shards | quote }}
- name: REPLICAS_PER_SHARD
  value: {{ .Values.cluster.replicasPerShard | quote }}
- name: SLOTS
  value: {{ include "redis-cluster.slotsEnv" . | quote }}
- name: REDIS_PORT
  value: "6379"
- name: REDIS_TLS
  value: {{ ternary "yes" "no" .Values.tls.enabled | quote }}
- name: HOME
  value: /tmp
{{- end }}
