{{/*
redis-common.validate: fails the render once, with every problem of the values, or renders
nothing. The problems come from the chart's own "<chart>.problems" template, a JSON list of
messages (each names the value, what was expected and how to fix it). Exists because helm's
`fail` stops at the first problem, and a user who fixes one value only to meet the next one in
the following render deserves the whole list, as the CLI reports every problem at once. Include
it from every helper that needs valid values (maxmemory, the TLS Secret, the slot layout) and
from the always-rendered main template: whichever helm renders first, the message is the same.
*/}}
{{- define "redis-common.validate" -}}
{{- $problems := include (printf "%s.problems" .Chart.Name) . | fromJsonArray }}
{{- if $problems }}
{{- fail (printf "%s: %d problem(s) in the values; nothing was rendered:\n  - %s" .Chart.Name (len $problems) (join "\n  - " $problems)) }}
{{- end }}
{{- end }}

{{/*
redis-common.tlsProblems: the problems of tls.enabled / tls.existingSecret, as a JSON list.
Exists so that a TLS setup without a named Secret fails at render time instead of leaving pods
stuck in ContainerCreating.
*/}}
{{- define "redis-common.tlsProblems" -}}
{{- $errs := list }}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) }}
{{- $errs = append $errs "tls.enabled is true but tls.existingSecret is empty: name a Secret holding tls.crt, tls.key and ca.crt (the chart never creates it)" }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-common.tlsSecretName: the Secret with tls.crt, tls.key and ca.crt (tls.existingSecret).
Exists so that every container that mounts it names the same Secret, after the values check.
*/}}
{{- define "redis-common.tlsSecretName" -}}
{{- include "redis-common.validate" . }}
{{- .Values.tls.existingSecret }}
{{- end }}
