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
initContainers list, or nothing when restore.fromSet is empty), after a `fetch` init container
that downloads the set from the bucket when restore.source is remote. scripts/restore.sh seeds an EMPTY
data volume from a backup set before the start script runs (see the chart README, "Backup and
restore"). The chart adds its own script environment through "<chart>.restoreEnv". Exists so
that the StatefulSet template carries one include line for it, and both charts mount, harden and
size the restore alike.
*/}}
{{- define "redis-common.restoreInitContainers" -}}
{{- if .Values.restore.fromSet }}
{{- $remote := eq .Values.restore.source "remote" }}
initContainers:
  {{- if $remote }}
  {{- include "redis-common.remoteValidate" . }}
  # restore.source remote: scripts/remote-sync.sh downloads the set from the bucket into the
  # pod's scratch volume and checks every file against its manifest.json; a set without manifest,
  # a missing or damaged object fails here, before anything touches the data volume.
  - name: fetch
    image: {{ include "redis-common.imageRef" .Values.backup.remote.image | quote }}
    imagePullPolicy: {{ .Values.backup.remote.image.pullPolicy }}
    command: ["/scripts/remote-sync.sh"]
    env:
      - name: RESTORE_SET
        value: {{ .Values.restore.fromSet | quote }}
      {{- include "redis-common.remoteEnv" (dict "root" . "action" "fetch") | nindent 6 }}
      - name: BACKUP_DIR
        value: /backup
      - name: DATA_DIR
        value: /data
    resources:
      {{- toYaml .Values.backup.resources | nindent 6 }}
    securityContext:
      {{- include "redis-common.containerSecurityContext" . | nindent 6 }}
    volumeMounts:
      - name: data
        mountPath: /data
        readOnly: true
      - name: tmp
        mountPath: /tmp
      - name: scripts
        mountPath: /scripts
        readOnly: true
      - name: backup-download
        mountPath: /backup
  {{- end }}
  - name: restore
    image: {{ include "redis-common.serverImage" . | quote }}
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
      - name: {{ ternary "backup-download" "backup" $remote }}
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
restore.fromSet is set (with restore.source remote: a scratch emptyDir for the downloaded set). Exists as the one-line counterpart of restoreInitContainers in the
StatefulSet's volumes.
*/}}
{{- define "redis-common.restoreVolumes" -}}
{{- if and .Values.restore.fromSet (eq .Values.restore.source "remote") }}
# The set downloaded from the bucket by the fetch init container (the whole set, as restore.sh
# checks it; gone with the pod). Node ephemeral storage must hold one set.
- name: backup-download
  emptyDir: {}
{{- else if .Values.restore.fromSet }}
# The backup sets, read-only, for the restore init container. With a ReadWriteOnce claim every
# pod being seeded must run on the node that has it attached (see the README).
- name: backup
  persistentVolumeClaim:
    claimName: {{ include "redis-common.backupClaimName" . }}
    readOnly: true
{{- end }}
{{- end }}

{{/*
redis-common.remoteProblems: the problems of backup.remote and restore.source, as a JSON list.
Exists so that an upload or a download that could never work (no bucket, no endpoint, no
credentials, encryption without its password) fails at render time, not at 2 a.m. in a Job.
*/}}
{{- define "redis-common.remoteProblems" -}}
{{- $errs := list }}
{{- $r := .Values.backup.remote }}
{{- if and $r.enabled (not .Values.backup.enabled) }}
{{- $errs = append $errs "backup.remote.enabled needs backup.enabled: the upload runs in the backup Job, after backup.sh wrote the set to the backup volume" }}
{{- end }}
{{- if or $r.enabled (eq .Values.restore.source "remote") }}
{{- $why := ternary "backup.remote.enabled" "restore.source=remote" (and $r.enabled true) }}
{{- range $key := list "endpoint" "bucket" "credentialsSecret" }}
{{- if not (get $r $key) }}
{{- $errs = append $errs (printf "%s needs backup.remote.%s (the S3 endpoint URL, the bucket, and the Secret with the access keys)" $why $key) }}
{{- end }}
{{- end }}
{{- if and $r.encryption.enabled (not $r.encryption.passwordSecret) }}
{{- $errs = append $errs "backup.remote.encryption.enabled needs backup.remote.encryption.passwordSecret: the Secret that holds the rclone crypt password (without it the sets can never be read back)" }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-common.remoteValidate: fails the render with every problem of redis-common.remoteProblems,
or renders nothing. Exists so that the upload and fetch containers check their values where they
are rendered, whichever the chart's own validation covers.
*/}}
{{- define "redis-common.remoteValidate" -}}
{{- $problems := include "redis-common.remoteProblems" . | fromJsonArray }}
{{- if $problems }}
{{- fail (printf "%s: %d problem(s) in backup.remote / restore.source; nothing was rendered:\n  - %s" .Chart.Name (len $problems) (join "\n  - " $problems)) }}
{{- end }}
{{- end }}

{{/*
redis-common.remoteEnv: the environment of scripts/remote-sync.sh, from (dict "root" $ "action"
"upload"|"fetch"): the bucket and prefix, and rclone's remote `bucket` configured through
RCLONE_CONFIG_BUCKET_* (no config file; the access keys from backup.remote.credentialsSecret),
plus the crypt password when encryption is on (the script obscures it and adds the `crypt`
remote). Exists so that the upload (backup Job) and the download (restore) reach the same bucket
the same way.
*/}}
{{- define "redis-common.remoteEnv" -}}
{{- $root := .root }}
{{- $r := $root.Values.backup.remote -}}
- name: REMOTE_ACTION
  value: {{ .action | quote }}
- name: REMOTE_BUCKET
  value: {{ $r.bucket | quote }}
# Sets are <prefix>/<set>/<file> in the bucket (empty prefix: the release name).
- name: REMOTE_PREFIX
  value: {{ default $root.Release.Name $r.prefix | quote }}
- name: RCLONE_CONFIG_BUCKET_TYPE
  value: "s3"
- name: RCLONE_CONFIG_BUCKET_PROVIDER
  value: "Other"
- name: RCLONE_CONFIG_BUCKET_ENDPOINT
  value: {{ $r.endpoint | quote }}
- name: RCLONE_CONFIG_BUCKET_REGION
  value: {{ $r.region | quote }}
- name: RCLONE_CONFIG_BUCKET_FORCE_PATH_STYLE
  value: {{ ternary "true" "false" (and $r.pathStyle true) | quote }}
# The bucket must exist: never try to create it (the keys need no CreateBucket permission).
- name: RCLONE_CONFIG_BUCKET_NO_CHECK_BUCKET
  value: "true"
- name: RCLONE_CONFIG_BUCKET_ENV_AUTH
  value: "false"
- name: RCLONE_CONFIG_BUCKET_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ $r.credentialsSecret | quote }}
      key: {{ $r.accessKeyIdKey | quote }}
- name: RCLONE_CONFIG_BUCKET_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $r.credentialsSecret | quote }}
      key: {{ $r.secretAccessKeyKey | quote }}
{{- if $r.encryption.enabled }}
- name: REMOTE_CRYPT_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $r.encryption.passwordSecret | quote }}
      key: {{ $r.encryption.passwordKey | quote }}
{{- end }}
- name: HOME
  value: /tmp
{{- end }}

{{/*
redis-common.uploadContainer: the backup Job's `upload` container (a containers list entry) when
backup.remote.enabled: scripts/remote-sync.sh in the pinned rclone image copies the newest complete
set to the bucket (data files, then manifest.json) and prunes the bucket to backup.retention
complete sets. backup.sh runs before it as an init container, so nothing is uploaded unless the
set is complete on the backup volume. Exists so that both charts' CronJobs carry one include line.
*/}}
{{- define "redis-common.uploadContainer" -}}
{{- include "redis-common.remoteValidate" . -}}
- name: upload
  image: {{ include "redis-common.imageRef" .Values.backup.remote.image | quote }}
  imagePullPolicy: {{ .Values.backup.remote.image.pullPolicy }}
  command: ["/scripts/remote-sync.sh"]
  env:
    {{- include "redis-common.remoteEnv" (dict "root" . "action" "upload") | nindent 4 }}
    - name: BACKUP_DIR
      value: /backup
    # Complete sets to keep in the bucket (the same number as on the backup volume).
    - name: BACKUP_RETENTION
      value: {{ .Values.backup.retention | quote }}
  resources:
    {{- toYaml .Values.backup.resources | nindent 4 }}
  securityContext:
    {{- include "redis-common.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    - name: scripts
      mountPath: /scripts
      readOnly: true
    - name: backup
      mountPath: /backup
      readOnly: true
{{- end }}
