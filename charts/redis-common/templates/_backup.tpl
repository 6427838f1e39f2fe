{{/*
redis-common.backupName: the backup CronJob's name, "<fullname>-backup", also the name of the
backup PVC the chart creates. Exists because a CronJob name is limited to 52 characters (its Jobs
append 11), and because the StatefulSet's redis-gitops.dev/backup-cronjob annotation, the CronJob
and the PVC must agree on it.
*/}}
{{- define "redis-common.backupName" -}}
{{- include "redis-common.suffixedName" (dict "root" . "suffix" "backup" "limit" 52) }}
{{- end }}

{{/*
redis-common.backupClaimName: the PVC that holds the backup sets: backup.existingClaim, or the
chart's own "<fullname>-backup". Exists because the backup CronJob writes it and the restore init
container reads it, and both must name the same claim.
*/}}
{{- define "redis-common.backupClaimName" -}}
{{- default (include "redis-common.backupName" .) .Values.backup.existingClaim }}
{{- end }}

{{/*
redis-common.backupClaim: the PersistentVolumeClaim of the backup sets, when backups are on and
no backup.existingClaim is given. Exists so that the claim outlives the release in both charts
alike: helm keeps it on uninstall and Argo CD never prunes or deletes it, because it holds the
only copy of the data once the release is gone.
*/}}
{{- define "redis-common.backupClaim" -}}
{{- if and .Values.backup.enabled (not .Values.backup.existingClaim) }}
# The backup sets (one folder per run, see scripts/backup.sh). Kept when the release is
# uninstalled (helm) or the Application deleted/pruned (Argo CD), so a new release can restore
# from it (restore.fromSet); delete it by hand once the backups are no longer wanted.
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {{ include "redis-common.backupName" . }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "redis-common.labels" (dict "root" . "component" "backup") | nindent 4 }}
  annotations:
    helm.sh/resource-policy: keep
    argocd.argoproj.io/sync-options: Prune=false,Delete=false
spec:
  accessModes:
    {{- toYaml .Values.backup.accessModes | nindent 4 }}
  {{- with .Values.backup.storageClass }}
  storageClassName: {{ if eq . "-" }}""{{ else }}{{ . | quote }}{{ end }}
  {{- end }}
  resources:
    requests:
      storage: {{ .Values.backup.size | quote }}
{{- end }}
{{- end }}

{{/*
redis-common.restoreInitContainers: the `restore` init container of the Redis pods (an
initContainers list, or nothing when restore.fromSet is empty). scripts/restore.sh seeds an EMPTY
data volume from a backup set before the start script runs (see the chart README, "Backup and
restore"). The chart adds its own script environment through "<chart>.restoreEnv". Exists so
that the StatefulSet template carries one include line for it, and both charts mount, harden and
size the restore alike.
*/}}
{{- define "redis-common.restoreInitContainers" -}}
{{- if .Values.restore.fromSet }}
initContainers:
  - name: restore
    image: {{ include "redis-common.imageRef" .Values.image | quote }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    command: ["/scripts/restore.sh"]
    env:
      - name: RESTORE_SET
        value: {{ .Values.restore.fromSet | quote }}
      {{- include (printf "%s.restoreEnv" .Chart.Name) . | nindent 6 }}
    resources:
      {{- toYaml .Values.backup.resources | nindent 6 }}
    securityContext:
      {{- include "redis-common.containerSecurityContext" . | nindent 6 }}
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
redis-common.restoreVolumes: the backup claim as a read-only volume of the Redis pods, only while
restore.fromSet is set. Exists as the one-line counterpart of restoreInitContainers in the
StatefulSet's volumes.
*/}}
{{- define "redis-common.restoreVolumes" -}}
{{- if .Values.restore.fromSet }}
# The backup sets, read-only, for the restore init container. With a ReadWriteOnce claim every
# pod being seeded must run on the node that has it attached (see the README).
- name: backup
  persistentVolumeClaim:
    claimName: {{ include "redis-common.backupClaimName" . }}
    readOnly: true
{{- end }}
{{- end }}
