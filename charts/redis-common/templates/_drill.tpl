{{/*
redis-common.drillSource: where the restore drill takes its set, "remote" or "volume":
backup.drill.source, with auto meaning the bucket when backup.remote is on (the copy that survives
losing the cluster is the one worth proving), else the backup volume. Exists because the drill
CronJob and its problems must agree on it.
*/}}
{{- define "redis-common.drillSource" -}}
{{- $source := .Values.backup.drill.source }}
{{- if eq $source "auto" }}
{{- $source = ternary "remote" "volume" (and .Values.backup.remote.enabled true) }}
{{- end }}
{{- $source }}
{{- end }}

{{/*
redis-common.drillProblems: the problems of backup.drill, as a JSON list. Exists so that a drill
that could never run fails the render with every other problem of the values, at once.
*/}}
{{- define "redis-common.drillProblems" -}}
{{- $errs := list }}
{{- $d := .Values.backup.drill }}
{{- if $d.enabled }}
{{- if not .Values.backup.enabled }}
{{- $errs = append $errs "backup.drill.enabled needs backup.enabled: the drill checks the sets the backup CronJob writes; turn backups on or the drill off" }}
{{- end }}
{{- if and (eq $d.source "remote") (not .Values.backup.remote.enabled) }}
{{- $errs = append $errs "backup.drill.source=remote needs backup.remote.enabled: the drill downloads the newest complete set from that bucket; turn backup.remote on, or use source volume (or auto)" }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-common.drillCronJob: the restore drill CronJob of both Redis charts (backup.drill). Each run
takes the newest complete backup set, from the bucket (a `fetch` init container downloads it and
checks every object against the manifest) or from the backup volume (mounted read-only), and
scripts/drill.sh proves it restores: the files against the manifest, redis-check-rdb, a load into
a throwaway redis-server inside the pod, the keys per shard (and per slot range in cluster mode).
Exists so that both charts drill alike; the mode comes from the chart's name.
*/}}
{{- define "redis-common.drillCronJob" -}}
{{- if .Values.backup.drill.enabled }}
{{- include "redis-common.validate" . }}
{{- $remote := eq (include "redis-common.drillSource" .) "remote" }}
{{- $mode := trimPrefix "redis-" .Chart.Name }}
{{- $labels := dict "root" . "component" "backup-drill" }}
{{- $nodeSelector := deepCopy .Values.scheduling.nodeSelector }}
{{- with .Values.scheduling.arch }}
{{- $_ := set $nodeSelector "kubernetes.io/arch" . }}
{{- end }}
# Restore drill of the newest complete backup set {{ if $remote }}in the bucket (backup.remote){{ else }}on the backup volume{{ end }}: scripts/drill.sh
# checks each shard file against the set's manifest (size, sha256, redis-check-rdb, key count),
# loads it into a throwaway redis-server inside the pod{{ if eq $mode "cluster" }} (cluster mode, to count the keys per slot
# range){{ end }} and exits non-zero on any mismatch. It talks to no Redis pod{{ if eq $mode "sentinel" }} or Sentinel{{ end }}: the pods carry
# component=backup-drill{{ if $remote }} and reach only the bucket (redis-netpol backup.egress){{ else }} and need no network at all{{ end }}.
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {{ include "redis-common.suffixedName" (dict "root" . "suffix" "drill" "limit" 52) }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-common.labels" $labels | nindent 4 }}
spec:
  schedule: {{ .Values.backup.drill.schedule | quote }}
  # One drill at a time: each holds a whole shard in the memory of its throwaway server.
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: {{ .Values.backup.startingDeadlineSeconds }}
  # Finished Jobs kept for `kubectl logs`: the last 3 passed drills and the last 3 failed ones.
  successfulJobsHistoryLimit: 3
  failedJobsHistoryLimit: 3
  jobTemplate:
    metadata:
      labels:
        {{- include "redis-common.labels" $labels | nindent 8 }}
    spec:
      # A failed drill is a finding about the set, not a glitch: never retried (a retry could only
      # pass on a newer set); the next scheduled drill runs again.
      backoffLimit: 0
      activeDeadlineSeconds: {{ .Values.backup.activeDeadlineSeconds }}
      template:
        metadata:
          labels:
            {{- include "redis-common.labels" $labels | nindent 12 }}
            {{- with .Values.podLabels }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          annotations:
            checksum/scripts: {{ include (print $.Template.BasePath "/configmap-scripts.yaml") . | sha256sum }}
            {{- with .Values.podAnnotations }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
        spec:
          restartPolicy: Never
          automountServiceAccountToken: false
          {{- include "redis-common.imagePullSecrets" . | nindent 10 }}
          enableServiceLinks: false
          {{- with .Values.scheduling.priorityClassName }}
          priorityClassName: {{ . }}
          {{- end }}
          securityContext:
            # uid/gid 999 is the "redis" user of the official image; fsGroup lets it read the
            # backup volume.
            runAsNonRoot: true
            runAsUser: 999
            runAsGroup: 999
            fsGroup: 999
            fsGroupChangePolicy: OnRootMismatch
            seccompProfile:
              type: RuntimeDefault
          {{- with $nodeSelector }}
          nodeSelector:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.scheduling.tolerations }}
          tolerations:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- if $remote }}
          initContainers:
            # scripts/remote-sync.sh (REMOTE_ACTION drill-fetch) downloads the newest complete set
            # from the bucket into the pod's scratch volume and checks every object against the
            # manifest: no complete set, a missing or a damaged object fails the drill here.
            - name: fetch
              image: {{ include "redis-common.imageRef" .Values.backup.remote.image | quote }}
              imagePullPolicy: {{ .Values.backup.remote.image.pullPolicy }}
              command: ["/scripts/remote-sync.sh"]
              env:
                {{- include "redis-common.remoteEnv" (dict "root" . "action" "drill-fetch") | nindent 16 }}
                - name: BACKUP_DIR
                  value: /backup
              resources:
                {{- toYaml .Values.backup.resources | nindent 16 }}
              securityContext:
                {{- include "redis-common.containerSecurityContext" . | nindent 16 }}
              volumeMounts:
                - name: tmp
                  mountPath: /tmp
                - name: scripts
                  mountPath: /scripts
                  readOnly: true
                - name: drill-set
                  mountPath: /backup
          {{- end }}
          containers:
            - name: drill
              image: {{ include (printf "%s.image" .Chart.Name) . | quote }}
              imagePullPolicy: {{ .Values.image.pullPolicy }}
              command: ["/scripts/drill.sh"]
              env:
                # The throwaway server asks for the release's password: the loaded data is as
                # protected as the live data.
                {{- include "redis-common.redisAuthEnv" (dict "root" . "user" "backup") | nindent 16 }}
                {{- include "redis-common.engineEnv" . | nindent 16 }}
                - name: BACKUP_DIR
                  value: /backup
                # The set must be a backup of this chart's mode.
                - name: DRILL_MODE
                  value: {{ $mode }}
                # The throwaway server listens on the pod's loopback only.
                - name: DRILL_HOST
                  value: 127.0.0.1
                - name: DRILL_LOAD_TIMEOUT
                  value: {{ .Values.backup.activeDeadlineSeconds | quote }}
                - name: DRILL_SCRATCH
                  value: /tmp
                - name: HOME
                  value: /tmp
              resources:
                {{- toYaml .Values.backup.drill.resources | nindent 16 }}
              securityContext:
                {{- include "redis-common.containerSecurityContext" . | nindent 16 }}
              volumeMounts:
                - name: tmp
                  mountPath: /tmp
                - name: scripts
                  mountPath: /scripts
                  readOnly: true
                # The set is loaded in place (--dir the set folder): never written, never copied.
                - name: {{ ternary "drill-set" "backup" $remote }}
                  mountPath: /backup
                  readOnly: true
          volumes:
            # The throwaway server's log and cluster config only.
            - name: tmp
              emptyDir:
                sizeLimit: 64Mi
            - name: scripts
              configMap:
                name: {{ include "redis-common.fullname" . }}-scripts
                defaultMode: 0555
            {{- if $remote }}
            # The set downloaded from the bucket (gone with the pod): node ephemeral storage must
            # hold one whole set.
            - name: drill-set
              emptyDir: {}
            {{- else }}
            - name: backup
              persistentVolumeClaim:
                claimName: {{ include "redis-common.backupClaimName" . }}
                readOnly: true
            {{- end }}
{{- end }}
{{- end }}
