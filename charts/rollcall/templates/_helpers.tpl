{{/* Labels of every object: Helm's own, then extraLabels. */}}
{{- define "rollcall.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- with .Values.extraLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Labels of a component's objects and pods: the selector labels, then the common ones. */}}
{{- define "rollcall.componentLabels" -}}
app.kubernetes.io/name: rollcall
app.kubernetes.io/component: {{ .component }}
{{ include "rollcall.labels" .root }}
{{- end }}

{{- define "rollcall.image" -}}
{{ printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The host of publicBaseURL: the Ingress's and the Certificate's. */}}
{{- define "rollcall.publicHost" -}}
{{- $u := urlParse .Values.publicBaseURL -}}
{{- required "publicBaseURL must be an absolute https URL" $u.host -}}
{{- end }}

{{/* Node placement of the pods. */}}
{{- define "rollcall.placement" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The security context of every container: what Pod Security "restricted" asks. */}}
{{- define "rollcall.containerSecurityContext" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: ["ALL"]
{{- end }}
