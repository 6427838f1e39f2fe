{{/*
redis-common.selectorLabels: selector labels of one component, from (dict "root" $ "component"
"redis"). Exists so that the pods of different components (redis, sentinel, bootstrap, backup)
never select each other: Services, PodDisruptionBudgets and anti-affinity use these. They are
immutable in a StatefulSet selector: never add a changing value here.
*/}}
{{- define "redis-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "redis-common.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
redis-common.labels: all labels of an object of one component, from (dict "root" $ "component"
"redis"). Exists so that every object of every chart carries the same recommended labels plus
commonLabels. app.kubernetes.io/version is the Redis image tag where the chart runs Redis
(image.tag), else the chart's appVersion.
*/}}
{{- define "redis-common.labels" -}}
{{ include "redis-common.selectorLabels" . }}
helm.sh/chart: {{ include "redis-common.chart" .root }}
{{- $image := .root.Values.image | default dict }}
app.kubernetes.io/version: {{ $image.tag | default .root.Chart.AppVersion | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: redis-gitops
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}
