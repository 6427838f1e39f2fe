{{/*
redis-monitoring.labels: labels of every object of this chart. Exists so that every object
carries the same recommended labels plus commonLabels. component "monitoring" keeps these
objects apart from the Redis pods' "redis" and "sentinel".
*/}}
{{- define "redis-monitoring.labels" -}}
{{ include "redis-common.labels" (dict "root" . "component" "monitoring") }}
{{- end }}

{{/*
redis-monitoring.targetRelease: the Redis release watched, target.release or, when empty, this
chart's own release name. Exists because the PodMonitor selector, the relabelings, every alert
expression and the dashboards must name the same release.
*/}}
{{- define "redis-monitoring.targetRelease" -}}
{{- default .Release.Name .Values.target.release }}
{{- end }}

{{/*
redis-monitoring.targetName: app.kubernetes.io/name of the Redis pods (target.name, else the
target chart's name). Exists for Redis releases installed with nameOverride.
*/}}
{{- define "redis-monitoring.targetName" -}}
{{- default .Values.target.chart .Values.target.name }}
{{- end }}

{{/*
redis-monitoring.mode: "cluster" or "sentinel", from target.chart. Exists because the `mode`
label, the alert selection and the expected master count all follow from it.
*/}}
{{- define "redis-monitoring.mode" -}}
{{- ternary "cluster" "sentinel" (eq .Values.target.chart "redis-cluster") }}
{{- end }}

{{/*
redis-monitoring.components: the app.kubernetes.io/component values of the pods the PodMonitor
scrapes, as a YAML flow list: the Redis pods, and for redis-sentinel also the Sentinel pods (their
exporter sidecar serves the redis_sentinel_* series) and the HAProxy pods of the master endpoint
(haproxy.enabled; HAProxy's own exporter on the same port name, haproxy_* series; the selector
matches nothing while it is off). Exists because the PodMonitor selector and the alert selectors
below must agree on the component names.
*/}}
{{- define "redis-monitoring.components" -}}
{{- if eq .Values.target.chart "redis-sentinel" }}[redis, sentinel, haproxy]{{ else }}[redis]{{ end }}
{{- end }}

{{/*
redis-monitoring.selector: the PromQL label matchers that scope every Redis-pod alert expression
to the target release's Redis pods: namespace and release, mode (set only by this chart's
PodMonitor, so even the synthetic `up` series of other scrape jobs never match), and
component="redis" (the Sentinel pods' exporters serve redis_up, up, redis_instance_info ... too,
and must never count as Redis pods). Exists so that two releases in one Prometheus never mix.
*/}}
{{- define "redis-monitoring.selector" -}}
{{- printf "namespace=%q,release=%q,mode=%q,component=\"redis\"" .Release.Namespace (include "redis-monitoring.targetRelease" .) (include "redis-monitoring.mode" .) }}
{{- end }}

{{/*
redis-monitoring.sentinelSelector: the same matchers for the series of the release's Sentinel pods
(component="sentinel"). Exists for the Sentinel alerts, which read only what the Sentinels' own
exporters serve.
*/}}
{{/*
redis-monitoring.haproxySelector: the same matchers for the series of the release's HAProxy pods
(component="haproxy"), for the master-endpoint alert.
*/}}
{{- define "redis-monitoring.haproxySelector" -}}
{{- printf "namespace=%q,release=%q,mode=%q,component=\"haproxy\"" .Release.Namespace (include "redis-monitoring.targetRelease" .) (include "redis-monitoring.mode" .) }}
{{- end }}

{{- define "redis-monitoring.sentinelSelector" -}}
{{- printf "namespace=%q,release=%q,mode=%q,component=\"sentinel\"" .Release.Namespace (include "redis-monitoring.targetRelease" .) (include "redis-monitoring.mode" .) }}
{{- end }}

{{/*
redis-monitoring.by: the labels alert aggregations keep. Exists so that an aggregated alert
still carries the routing labels (environment, tier) the relabelings put on every series.
*/}}
{{- define "redis-monitoring.by" -}}
namespace, release, environment, tier, mode
{{- end }}

{{/*
redis-monitoring.expectedMasters: masters the target release is meant to have: target.shards
for Redis Cluster, 1 for a Sentinel group. Exists for the split-brain alert.
*/}}
{{- define "redis-monitoring.expectedMasters" -}}
{{- if eq .Values.target.chart "redis-cluster" }}{{ int .Values.target.shards }}{{ else }}1{{ end }}
{{- end }}

{{/*
redis-monitoring.expectedPods: Redis pods of the target release, masters x (1 + replicas).
Exists for the RedisPodsMissing alert.
*/}}
{{- define "redis-monitoring.expectedPods" -}}
{{- mul (int (include "redis-monitoring.expectedMasters" .)) (add 1 (int .Values.target.replicasPerShard)) }}
{{- end }}

{{/*
redis-monitoring.alertOn: "true" when the alert named .name is not in alerts.disabled, from
(dict "root" $ "name" "RedisDown"). Exists so that every rule is switched off the same way.
*/}}
{{- define "redis-monitoring.alertOn" -}}
{{- if not (has .name .root.Values.alerts.disabled) }}true{{ end }}
{{- end }}

{{/*
redis-monitoring.alertLabels: the labels of one alert, severity + alerts.labels, from
(dict "root" $ "severity" "critical"). Exists so that every alert is routed the same way;
alerts.labels cannot override severity.
*/}}
{{- define "redis-monitoring.alertLabels" -}}
severity: {{ .severity }}
{{- with omit .root.Values.alerts.labels "severity" }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
redis-monitoring.runbook: the runbook_url annotation of one alert (alerts.runbookUrl + "#" + the
alert name in lower case, the anchor of its section in the environment's RUNBOOK), or nothing,
from (dict "root" $ "name" "RedisDown"). Exists so that every alert links the same way.
*/}}
{{- define "redis-monitoring.runbook" -}}
{{- with .root.Values.alerts.runbookUrl }}
runbook_url: {{ printf "%s#%s" . (lower $.name) | quote }}
{{- end }}
{{- end }}

{{/*
redis-monitoring.dashboardUid: the uid prefix of this release's dashboards: "redis-" and 12 hex
digits of sha256(namespace/release). Exists because Grafana uids are at most 40 characters and
must differ between releases that share one Grafana.
*/}}
{{- define "redis-monitoring.dashboardUid" -}}
{{- printf "redis-%s" (printf "%s/%s" .Release.Namespace (include "redis-monitoring.targetRelease" .) | sha256sum | trunc 12) }}
{{- end }}
