{{/*
redis-common.memoryBytes: the bytes of a Kubernetes memory quantity, rounded down, or "" when the
text is not one. The grammar is Kubernetes' without exponents: digits with an optional fraction
and one suffix, binary (Ki, Mi, Gi, Ti, Pi, Ei), decimal (k, M, G, T, P, E) or m (milli-bytes,
legal and almost always a mistake). Exists because maxmemory is derived from the container's
memory limit and templates have no quantity parser. The TypeScript twin is quantityValue in
packages/quantity; charts/redis-common/tests checks that both read every quantity alike.
*/}}
{{- define "redis-common.memoryBytes" -}}
{{- $q := toString . }}
{{- if regexMatch "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$" $q }}
{{- $num := regexReplaceAll "(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)$" $q "" }}
{{- $suffix := trimPrefix $num $q }}
{{- $mult := get (dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0) $suffix }}
{{- printf "%.0f" (floor (mulf (float64 $num) $mult)) }}
{{- end }}
{{- end }}

{{/*
redis-common.maxmemoryProblems: the problems of resources.limits.memory x redis.maxmemoryRatio,
as a JSON list. Exists so that Redis always gets a maxmemory it can run in: a Redis without a
memory limit is OOM-killed instead of refusing writes, and "512m" (milli-bytes) gives nothing.
*/}}
{{- define "redis-common.maxmemoryProblems" -}}
{{- $errs := list }}
{{- $limit := "" }}
{{- with .Values.resources.limits }}{{ $limit = .memory | default "" | toString }}{{ end }}
{{- if not $limit }}
{{- $errs = append $errs (printf "resources.limits.memory is required: %s derives Redis maxmemory from it (maxmemory = limits.memory x redis.maxmemoryRatio), and a Redis without a memory limit is OOM-killed instead of refusing writes" .Chart.Name) }}
{{- else }}
{{- $bytes := include "redis-common.memoryBytes" $limit }}
{{- if not $bytes }}
{{- $errs = append $errs (printf "resources.limits.memory %q is not a Kubernetes memory quantity: use bytes or a suffix Ki, Mi, Gi, Ti (binary) or k, M, G, T (decimal), e.g. 512Mi" $limit) }}
{{- else if lt (floor (mulf (float64 $bytes) .Values.redis.maxmemoryRatio)) 16777216.0 }}
{{- $errs = append $errs (printf "resources.limits.memory %s x redis.maxmemoryRatio %v gives maxmemory %.0f bytes, below 16Mi: Redis cannot run in that (and 'm' means milli-bytes; use Mi)" $limit .Values.redis.maxmemoryRatio (floor (mulf (float64 $bytes) .Values.redis.maxmemoryRatio))) }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-common.maxmemory: Redis maxmemory in bytes = resources.limits.memory x redis.maxmemoryRatio,
after the values check. Exists so that Redis evicts (or refuses writes) before the kernel
OOM-kills the container: the rest of the limit is headroom for fork copy-on-write during
BGSAVE/AOF rewrite and full resyncs, replication buffers and allocator overhead.
*/}}
{{- define "redis-common.maxmemory" -}}
{{- include "redis-common.validate" . }}
{{- $bytes := include "redis-common.memoryBytes" (toString .Values.resources.limits.memory) | float64 }}
{{- printf "%.0f" (floor (mulf $bytes .Values.redis.maxmemoryRatio)) }}
{{- end }}
