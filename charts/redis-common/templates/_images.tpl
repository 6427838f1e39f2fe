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
