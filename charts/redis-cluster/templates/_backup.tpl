{{/*
redis-cluster.backupName: the backup CronJob's name, "<fullname>-backup", also the name of the
backup PVC the chart creates. Exists because a CronJob name is limited to 52 characters (its Jobs
append 11), and because the StatefulSet's redis-gitops.dev/backup-cronjob annotation, the CronJob
and the PVC must agree on it.
*/}}
{{- define "redis-cluster.backupName" -}}
{{- printf "%s-backup" (include "redis-cluster.fullname" . | trunc 45 | trimSuffix "-") }}
{{- end }}

{{/*
redis-cluster.backupClaimName: the PVC that holds the backup sets: backup.existingClaim, or the
chart's own "<fullname>-backup". Exists because the backup CronJob writes it and the restore init
container reads it, and both must name the same claim.
*/}}
{{- define "redis-cluster.backupClaimName" -}}
{{- default (include "redis-cluster.backupName" .) .Values.backup.existingClaim }}
{{- end }}

{{/*
redis-cluster.restoreInitContainers: the `restore` init container of the Redis pods (a list, or
nothing when restore.fromSet is empty). Exists so that the StatefulSet template carries one
include line for it: scripts/restore.sh seeds an EMPTY data volume from a backup set before
start-node.sh runs (see the chart README, "Backup and restore").
*/}}
{{- define "redis-cluster.restoreInitContainers" -}}
{{- if .Values.restore.fromSet }}
initContainers:
  - name: restore
    image: {{ include "redis-cluster.image" . | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: ["/scripts/restore.sh"]
    env:
      - name: RESTORE_SET
        value: {{ .Values.restore.fromSet | quote }}
      - name: POD_NAME
        valueFrom:
          fieldRef:
            fieldPath: metadata.name
      - name: POD_IP
        valueFrom:
          fieldRef:
            fieldPath: status.podIP
      {{- if .Values.auth.enabled }}
      - name: REDIS_PASSWORD
        valueFrom:
          secretKeyRef:
            name: {{ include "redis-cluster.authSecretName" . }}
            key: {{ .Values.auth.passwordKey }}
      {{- end }}
      - name: HEADLESS_SERVICE
        value: {{ include "redis-cluster.headlessName" . | quote }}
      - name: STATEFULSET
        value: {{ include "redis-cluster.fullname" . | quote }}
      # The shape and slot layout the set must match. Literal here (unlike the redis container,
      # which reads the topology ConfigMap) because a restore seeds a NEW deployment only:
      # remove restore.fromSet once the restore is done.
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
    resources:
      {{- toYaml .Values.backup.resources | nindent 6 }}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      capabilities:
        drop: ["ALL"]
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
redis-cluster.restoreVolumes: the backup claim as a read-only volume of the Redis pods, only
while restore.fromSet is set. Exists as the one-line counterpart of restoreInitContainers in the
StatefulSet's volumes.
*/}}
{{- define "redis-cluster.restoreVolumes" -}}
{{- if .Values.restore.fromSet }}
# The backup sets, read-only, for the restore init container. With a ReadWriteOnce claim every
# pod being seeded must run on the node that has it attached (see the README).
- name: backup
  persistentVolumeClaim:
    claimName: {{ include "redis-cluster.backupClaimName" . }}
    readOnly: true
{{- end }}
{{- end }}
