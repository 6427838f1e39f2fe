{{/*
redis-common.containerSecurityContext: the securityContext of every container of the Redis charts
(Redis, Sentinel, exporter, Jobs, init containers). Exists so that no container can be added
without the same hardening: no privilege escalation, a read-only root filesystem, not root, no
capabilities.
*/}}
{{- define "redis-common.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/*
redis-common.imagePullSecrets: the pod spec's imagePullSecrets from the root context's
.Values.imagePullSecrets (Secret names in the release namespace); nothing when the list is empty.
Every pod of the release carries it: Redis, Sentinel, the hook Jobs and the backup CronJob.
*/}}
{{- define "redis-common.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}
