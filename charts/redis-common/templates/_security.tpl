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
