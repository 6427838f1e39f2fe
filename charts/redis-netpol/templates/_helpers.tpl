{{/*
redis-netpol.policyName: the name of one NetworkPolicy, "<fullname>-<what it admits>", from
(dict "root" $ "suffix" "clients"). Exists so that `kubectl get networkpolicy` reads as a list of
purposes. NetworkPolicy names are DNS subdomains (253 characters), so the suffix always fits.
*/}}
{{- define "redis-netpol.policyName" -}}
{{- printf "%s-%s" (include "redis-common.fullname" .root) .suffix }}
{{- end }}

{{/*
redis-netpol.labels: labels of every object of this chart. Exists so that every object carries
the same recommended labels plus commonLabels. component "netpol" keeps these objects apart from
the Redis pods' "redis", "sentinel", "bootstrap" and "backup".
*/}}
{{- define "redis-netpol.labels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "netpol") }}
redis-gitops.dev/target-release: {{ include "redis-netpol.targetRelease" . }}
{{- end }}

{{/*
redis-netpol.targetRelease: the Redis release protected, target.release or, when empty, this
chart's own release name. Exists because every pod selector names the same release.
*/}}
{{- define "redis-netpol.targetRelease" -}}
{{- default .Release.Name .Values.target.release }}
{{- end }}

{{/*
redis-netpol.targetName: app.kubernetes.io/name of the Redis and Sentinel pods (target.name,
else the target chart's name). Exists for Redis releases installed with nameOverride.
*/}}
{{- define "redis-netpol.targetName" -}}
{{- default .Values.target.chart .Values.target.name }}
{{- end }}

{{/*
redis-netpol.sentinel: "true" for a redis-sentinel target, "" for redis-cluster. Exists because
the mode decides which rules exist at all: the cluster bus (16379) only for redis-cluster, the
Sentinels (26379) only for redis-sentinel.
*/}}
{{- define "redis-netpol.sentinel" -}}
{{- if eq .Values.target.chart "redis-sentinel" }}true{{ end }}
{{- end }}

{{/*
redis-netpol.releasePods: matchLabels of EVERY pod of the target release (Redis, Sentinel, the
bootstrap Job, the backup CronJob's Jobs): instance + part-of. Exists for the default deny and DNS,
which must cover pods this chart does not know about yet.
*/}}
{{- define "redis-netpol.releasePods" -}}
matchLabels:
  app.kubernetes.io/instance: {{ include "redis-netpol.targetRelease" . }}
  app.kubernetes.io/part-of: redis-gitops
{{- end }}

{{/*
redis-netpol.podsOf: matchLabels of one long-running component of the target release, from
(dict "root" $ "component" "redis"|"sentinel"): the Redis charts' own selector labels (name,
instance, component) plus part-of. Exists so that every rule selects those pods the same way.
*/}}
{{- define "redis-netpol.podsOf" -}}
matchLabels:
  app.kubernetes.io/name: {{ include "redis-netpol.targetName" .root }}
  app.kubernetes.io/instance: {{ include "redis-netpol.targetRelease" .root }}
  app.kubernetes.io/component: {{ .component }}
  app.kubernetes.io/part-of: redis-gitops
{{- end }}

{{/*
redis-netpol.scrapedPods: a selector of the release's pods that serve metrics on the metrics port:
the Redis pods, and for redis-sentinel also the Sentinel pods and the HAProxy pods of the master
endpoint (the same labels as podsOf, with the component In (redis, sentinel, haproxy)). Exists
because the metrics rule must admit Prometheus to exactly the pods the redis-monitoring PodMonitor
scrapes.
*/}}
{{- define "redis-netpol.scrapedPods" -}}
{{- if include "redis-netpol.sentinel" . -}}
matchLabels:
  app.kubernetes.io/name: {{ include "redis-netpol.targetName" . }}
  app.kubernetes.io/instance: {{ include "redis-netpol.targetRelease" . }}
  app.kubernetes.io/part-of: redis-gitops
matchExpressions:
  - key: app.kubernetes.io/component
    operator: In
    values: ["redis", "sentinel", "haproxy"]
{{- else }}
{{- include "redis-netpol.podsOf" (dict "root" . "component" "redis") }}
{{- end }}
{{- end }}

{{/*
redis-netpol.jobComponents: components of the release's Job pods that must reach Redis on 6379:
the backup Jobs, and for redis-cluster the bootstrap Job. Exists because the jobs' ingress rule on
the Redis pods and the jobs' own egress rule must name the same pods.
*/}}
{{- define "redis-netpol.jobComponents" -}}
{{- if include "redis-netpol.sentinel" . }}["backup"]{{ else }}["backup", "bootstrap"]{{ end }}
{{- end }}

{{/*
redis-netpol.jobPods: a selector of the release's Job pods (instance + part-of + component in
redis-netpol.jobComponents). Exists for both ends of the jobs' traffic. No app.kubernetes.io/name
on purpose: instance + component already identify a release's pods within the namespace, and a
backup CronJob that were labelled differently would otherwise lose its access without a sign.
*/}}
{{- define "redis-netpol.jobPods" -}}
matchLabels:
  app.kubernetes.io/instance: {{ include "redis-netpol.targetRelease" . }}
  app.kubernetes.io/part-of: redis-gitops
matchExpressions:
  - key: app.kubernetes.io/component
    operator: In
    values: {{ include "redis-netpol.jobComponents" . }}
{{- end }}

{{/*
redis-netpol.selectorProblem: why a label selector given as a client's (or Prometheus', or DNS')
pod or namespace selector is unusable, or "" when it is fine, from (dict "sel" <value> "at"
"clients[0].podSelector" "means" "every pod of namespace redis"). Exists because an empty selector
silently selects everything, which is the one mistake a NetworkPolicy must never make.
*/}}
{{- define "redis-netpol.selectorProblem" -}}
{{- $sel := .sel }}
{{- if not (kindIs "map" $sel) }}
{{- printf "%s must be a label selector (matchLabels and/or matchExpressions), got %s" .at (toJson $sel) }}
{{- else }}
{{- $unknown := without (keys $sel | sortAlpha) "matchLabels" "matchExpressions" }}
{{- $labels := $sel.matchLabels | default dict }}
{{- $exprs := $sel.matchExpressions | default list }}
{{- if $unknown }}
{{- printf "%s has unknown field(s) %s: a label selector has only matchLabels and matchExpressions (e.g. %s: {matchLabels: {app: checkout}})" .at (join ", " $unknown) .at }}
{{- else if not (kindIs "map" $labels) }}
{{- printf "%s.matchLabels must map label keys to values" .at }}
{{- else if not (kindIs "slice" $exprs) }}
{{- printf "%s.matchExpressions must be a list" .at }}
{{- else if and (eq (len $labels) 0) (eq (len $exprs) 0) }}
{{- printf "%s is empty, and an empty selector means %s: give at least one label (matchLabels) or expression (matchExpressions)" .at .means }}
{{- end }}
{{- end }}
{{- end }}

{{/*
redis-netpol.clientProblems: every problem of .Values.clients, as a JSON list of messages. Exists
so that a client list that would admit everyone (an empty peer `{}`, an empty selector, both
namespace and namespaceSelector) fails the render with all problems at once, even when the values
schema was skipped.
*/}}
{{- define "redis-netpol.clientProblems" -}}
{{- $errs := list }}
{{- $ns := .Release.Namespace }}
{{- if not (kindIs "slice" (.Values.clients | default list)) }}
{{- $errs = append $errs (printf "clients must be a list of {namespace | namespaceSelector, podSelector}, got %s" (toJson .Values.clients)) }}
{{- else }}
{{- range $i, $c := .Values.clients | default list }}
{{- $at := printf "clients[%d]" $i }}
{{- if not (kindIs "map" $c) }}
{{- $errs = append $errs (printf "%s must be a map with namespace or namespaceSelector and/or podSelector, got %s" $at (toJson $c)) }}
{{- else }}
{{- $unknown := without (keys $c | sortAlpha) "namespace" "namespaceSelector" "podSelector" }}
{{- if $unknown }}
{{- $errs = append $errs (printf "%s has unknown field(s) %s: a client has namespace or namespaceSelector, and/or podSelector" $at (join ", " $unknown)) }}
{{- end }}
{{- $hasNs := hasKey $c "namespace" }}
{{- $hasNsSel := hasKey $c "namespaceSelector" }}
{{- $hasPods := hasKey $c "podSelector" }}
{{- if and $hasNs $hasNsSel }}
{{- $errs = append $errs (printf "%s has both namespace and namespaceSelector: give one (namespace: shop is namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}})" $at) }}
{{- end }}
{{- if $hasNs }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" (toString $c.namespace)) }}
{{- $errs = append $errs (printf "%s.namespace %s is not a namespace name (a DNS label: lower-case letters, digits and -, at most 63)" $at (toJson $c.namespace)) }}
{{- end }}
{{- end }}
{{- if $hasNsSel }}
{{- with include "redis-netpol.selectorProblem" (dict "sel" $c.namespaceSelector "at" (printf "%s.namespaceSelector" $at) "means" "every namespace of the cluster") }}
{{- $errs = append $errs . }}
{{- end }}
{{- end }}
{{- if $hasPods }}
{{- $scope := ternary (printf "every pod of namespace %v" $c.namespace) (ternary "every pod of the selected namespaces" (printf "every pod of namespace %s (to admit a whole namespace, give only namespace)" $ns) $hasNsSel) $hasNs }}
{{- with include "redis-netpol.selectorProblem" (dict "sel" $c.podSelector "at" (printf "%s.podSelector" $at) "means" $scope) }}
{{- $errs = append $errs . }}
{{- end }}
{{- end }}
{{- if not (or $hasNs $hasNsSel $hasPods) }}
{{- $errs = append $errs (printf "%s is an empty peer, which would admit every pod of namespace %s to Redis: name the clients with namespace or namespaceSelector and/or podSelector (e.g. {namespace: shop, podSelector: {matchLabels: {app: checkout}}})" $at $ns) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-netpol.backupProblems: every problem of .Values.backup.egress, as a JSON list of messages.
Exists so that backup egress can never open the whole internet (a prefix length of 0 in any
spelling: 0.0.0.0/0, ::/0, 10.0.0.0/0) and never every port.
*/}}
{{- define "redis-netpol.backupProblems" -}}
{{- $errs := list }}
{{- $egress := .Values.backup.egress | default list }}
{{- if not (kindIs "slice" $egress) }}
{{- $errs = append $errs (printf "backup.egress must be a list of {cidr, port}, got %s" (toJson $egress)) }}
{{- else }}
{{- range $i, $e := $egress }}
{{- $at := printf "backup.egress[%d]" $i }}
{{- if not (kindIs "map" $e) }}
{{- $errs = append $errs (printf "%s must be a map {cidr, port}, got %s" $at (toJson $e)) }}
{{- else }}
{{- $cidr := toString ($e.cidr | default "") }}
{{- if not (regexMatch "^[0-9A-Fa-f:.]+/[0-9]{1,3}$" $cidr) }}
{{- $errs = append $errs (printf "%s.cidr %s is not a CIDR (e.g. 10.20.30.40/32 for one S3 endpoint)" $at (toJson $e.cidr)) }}
{{- else if eq (regexReplaceAll "^.*/" $cidr "" | atoi) 0 }}
{{- $errs = append $errs (printf "%s.cidr %s is the whole internet (prefix length 0): name the backup endpoint's own network, e.g. 10.20.30.40/32, and nothing wider" $at $cidr) }}
{{- end }}
{{- $port := $e.port }}
{{- if not (and (or (kindIs "int" $port) (kindIs "int64" $port) (kindIs "float64" $port)) (ge (int $port) 1) (le (int $port) 65535) (eq (float64 $port) (float64 (int $port)))) }}
{{- $errs = append $errs (printf "%s.port %s must be one TCP port, 1..65535 (e.g. 443 for an HTTPS S3 endpoint)" $at (toJson $port)) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-netpol.problems: every problem of the values (clients, backup egress, the Prometheus and
DNS selectors), as a JSON list; redis-common.validate fails the render once with all of them.
Exists so that nothing that would admit everyone is ever rendered, whichever template helm renders
first. The default deny, which is always rendered, includes the check.
*/}}
{{- define "redis-netpol.problems" -}}
{{- $errs := concat (include "redis-netpol.clientProblems" . | fromJsonArray) (include "redis-netpol.backupProblems" . | fromJsonArray) }}
{{- if .Values.monitoring.enabled }}
{{- with include "redis-netpol.selectorProblem" (dict "sel" .Values.monitoring.podSelector "at" "monitoring.podSelector" "means" (printf "every pod of namespace %s" .Values.monitoring.namespace)) }}
{{- $errs = append $errs . }}
{{- end }}
{{- end }}
{{- with include "redis-netpol.selectorProblem" (dict "sel" .Values.dns.podSelector "at" "dns.podSelector" "means" (printf "every pod of namespace %s" .Values.dns.namespace)) }}
{{- $errs = append $errs . }}
{{- end }}
{{- toJson $errs }}
{{- end }}

{{/*
redis-netpol.namespacePeer: a namespaceSelector that selects one namespace by name, as a dict,
from the namespace name. Exists because kubernetes.io/metadata.name is the only label every
namespace carries (set by the API server since Kubernetes 1.22), so it is how "namespace X" is
spelled in a NetworkPolicy peer.
*/}}
{{- define "redis-netpol.namespacePeer" -}}
{{- toJson (dict "matchLabels" (dict "kubernetes.io/metadata.name" .)) }}
{{- end }}

{{/*
redis-netpol.clientPeers: the NetworkPolicy peers of .Values.clients (a YAML list), one per
client: namespace -> namespaceSelector by name, namespaceSelector as given, no namespace at all ->
the release's own namespace (podSelector alone); podSelector as given. Both selectors of one peer
must match (AND). Exists because the Redis and the Sentinel client rules must admit exactly the
same clients. redis-netpol.validate has refused every client that would select everyone.
*/}}
{{- define "redis-netpol.clientPeers" -}}
{{- $peers := list }}
{{- range .Values.clients }}
{{- $peer := dict }}
{{- if .namespace }}
{{- $_ := set $peer "namespaceSelector" (include "redis-netpol.namespacePeer" .namespace | fromJson) }}
{{- else if .namespaceSelector }}
{{- $_ := set $peer "namespaceSelector" .namespaceSelector }}
{{- end }}
{{- with .podSelector }}
{{- $_ := set $peer "podSelector" . }}
{{- end }}
{{- $peers = append $peers $peer }}
{{- end }}
{{- toYaml $peers }}
{{- end }}

{{/*
redis-netpol.tcp: a NetworkPolicy port list of TCP ports, from a list of port numbers. Exists to
keep every Redis rule explicit about its protocol.
*/}}
{{- define "redis-netpol.tcp" -}}
{{- $ports := list }}
{{- range . }}
{{- $ports = append $ports (dict "port" . "protocol" "TCP") }}
{{- end }}
{{- toYaml $ports }}
{{- end }}

{{/*
redis-netpol.selectorText: a label selector as "k=v, key In (a, b)" for comments and NOTES.
Exists so that the comment above each policy says in words whom it admits.
*/}}
{{- define "redis-netpol.selectorText" -}}
{{- $parts := list }}
{{- range $k, $v := .matchLabels }}
{{- $parts = append $parts (printf "%s=%s" $k $v) }}
{{- end }}
{{- range .matchExpressions }}
{{- $parts = append $parts (printf "%s %s (%s)" .key .operator (join ", " (.values | default list))) }}
{{- end }}
{{- join ", " $parts }}
{{- end }}
