{{/*
Standard labels on every object. Names are fixed (schemahero-planner, …) as in deploy/base:
the watcher and executors reach the planner at http://schemahero-planner:7070, and the
ClusterRoles are cluster-wide, so install one release per cluster.
*/}}
{{- define "schemahero.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "schemahero.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "schemahero.labels" -}}
app.kubernetes.io/part-of: schemahero
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "schemahero.chart" . }}
{{- end -}}

{{/* Labels of one component; call with (dict "root" $ "component" "planner"). */}}
{{- define "schemahero.componentLabels" -}}
app.kubernetes.io/name: schemahero-{{ .component }}
app.kubernetes.io/component: {{ .component }}
{{ include "schemahero.labels" .root }}
{{- end -}}

{{/* Selector: the same as deploy/base (selectors are immutable). */}}
{{- define "schemahero.selectorLabels" -}}
app.kubernetes.io/name: schemahero-{{ .component }}
{{- end -}}

{{/* The planner's address, as in deploy/base. */}}
{{- define "schemahero.plannerAddress" -}}
http://schemahero-planner:7070
{{- end -}}

{{/* Pod template labels: no chart version, so a chart bump alone does not restart pods. */}}
{{- define "schemahero.podLabels" -}}
app.kubernetes.io/name: schemahero-{{ .component }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: schemahero
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}
