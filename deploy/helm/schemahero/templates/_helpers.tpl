{{/*
Standard labels on every object. Names are fixed (schemahero-planner, …) as in deploy/base:
the watcher and executors reach the planner at https://schemahero-planner.<namespace>.svc:7070,
and the ClusterRoles are cluster-wide, so install one release per cluster.
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

{{/* The planner's address, as in deploy/base (mTLS: its certificate carries this name). */}}
{{- define "schemahero.plannerAddress" -}}
https://schemahero-planner.{{ .Release.Namespace }}.svc:7070
{{- end -}}

{{/* The DNS names of the planner's certificate (with 127.0.0.1 for kubectl port-forward). */}}
{{- define "schemahero.plannerDNSNames" -}}
- schemahero-planner
- schemahero-planner.{{ .Release.Namespace }}
- schemahero-planner.{{ .Release.Namespace }}.svc
- schemahero-planner.{{ .Release.Namespace }}.svc.cluster.local
- localhost
{{- end -}}

{{/* The TLS volume and its mount; call with (dict "root" $ "component" "planner"). */}}
{{- define "schemahero.tlsVolume" -}}
# A kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt), mounted whole (no subPath) so a
# renewed certificate reaches the files the service re-reads.
- name: tls
  secret:
    secretName: {{ index .root.Values.tls.secrets .component }}
{{- end -}}

{{- define "schemahero.tlsMount" -}}
- name: tls
  mountPath: /etc/schemahero/tls
  readOnly: true
{{- end -}}

{{/* The client side of mTLS (watcher, executor). */}}
{{- define "schemahero.clientTLSArgs" -}}
- --tls-ca
- /etc/schemahero/tls/ca.crt
- --tls-cert
- /etc/schemahero/tls/tls.crt
- --tls-key
- /etc/schemahero/tls/tls.key
{{- end -}}

{{/* Pod template labels: no chart version, so a chart bump alone does not restart pods. */}}
{{- define "schemahero.podLabels" -}}
app.kubernetes.io/name: schemahero-{{ .component }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: schemahero
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}
