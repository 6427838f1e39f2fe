{{/*
redis-common.name: the chart name part of object names and of the app.kubernetes.io/name label.
Exists so that nameOverride is honoured in one place, for every chart.
*/}}
{{- define "redis-common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-common.fullname: the prefix of every object name. Exists so that every object agrees on
one name, with fullnameOverride and the release name handled once, and the DNS-label limit of 63
characters respected.
*/}}
{{- define "redis-common.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
redis-common.suffixedName: "<fullname>-<suffix>" cut to fit a limit, from (dict "root" $ "suffix"
"backup" "limit" 52). Exists because several kinds carry a name limit below 63: a CronJob name
52 (its Jobs append 11), a Job name 63 (it becomes the job-name pod label), a headless Service
63 (a DNS label). The fullname is cut, never the suffix, so the purpose stays readable.
*/}}
{{- define "redis-common.suffixedName" -}}
{{- $keep := sub (int .limit) (add 1 (len .suffix)) | int }}
{{- printf "%s-%s" (include "redis-common.fullname" .root | trunc $keep | trimSuffix "-") .suffix }}
{{- end }}

{{/*
redis-common.chart: the helm.sh/chart label value. Exists to keep "+" (illegal in label values)
out of versions such as 1.0.0+build.
*/}}
{{- define "redis-common.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
redis-common.authSecretName: the Secret that holds the Redis password: auth.existingSecret, or
"<fullname>-auth" by convention. Exists because the charts never create it, and every container
that reads the password must name the same Secret.
*/}}
{{- define "redis-common.authSecretName" -}}
{{- default (printf "%s-auth" (include "redis-common.fullname" .)) .Values.auth.existingSecret }}
{{- end }}
