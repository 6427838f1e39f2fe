{{/*
redis-common.imageRef: the reference of an image dict (registry, repository, tag, digest):
"registry/repository@digest" when a digest is set, else "registry/repository:tag". Exists so that
the Redis image, the exporter sidecar and the Jobs follow the same pinning rules. The registry may
carry a port (registry.local:5000): it is only ever joined with "/".
*/}}
{{- define "redis-common.imageRef" -}}
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
redis-common.engineDefaults: the pinned default image of each engine, as a dict of dicts. Exists
so that the server image and the docs name one version per engine: the version the behaviour
suite runs for Valkey (8.0 line), and for Redis 7.4.2 (security fixes; the suite runs 7.0, see the
chart README, "Engines").
*/}}
{{- define "redis-common.engineDefaults" -}}
{{- toJson (dict "redis" (dict "repository" "redis" "tag" "7.4.2") "valkey" (dict "repository" "valkey/valkey" "tag" "8.0.1")) }}
{{- end }}

{{/*
redis-common.serverImage: the reference of the server image: .Values.image with its empty
repository and tag filled from the engine's defaults (redis-common.engineDefaults). Exists so that
`engine: valkey` alone switches the image, and an explicit image (a mirror, a newer patch) still
wins.
*/}}
{{- define "redis-common.serverImage" -}}
{{- $defaults := get (include "redis-common.engineDefaults" . | fromJson) .Values.engine }}
{{- $image := deepCopy .Values.image }}
{{- if not $image.repository }}{{ $_ := set $image "repository" $defaults.repository }}{{ end }}
{{- if not $image.tag }}{{ $_ := set $image "tag" $defaults.tag }}{{ end }}
{{- include "redis-common.imageRef" $image }}
{{- end }}

{{/*
redis-common.engineEnv: the binaries the scripts run, as container env, for engine valkey (none
for redis: the scripts' defaults are the redis-* names). Exists because the official valkey/valkey
image names its binaries valkey-*; its redis-* compatibility links are not relied on.
*/}}
{{- define "redis-common.engineEnv" -}}
{{- if eq .Values.engine "valkey" -}}
- name: REDIS_SERVER
  value: valkey-server
- name: REDIS_CLI
  value: valkey-cli
- name: REDIS_SENTINEL
  value: valkey-sentinel
- name: REDIS_CHECK_RDB
  value: valkey-check-rdb
{{- end }}
{{- end }}
