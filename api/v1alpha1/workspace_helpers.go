package v1alpha1

import (
	"net/url"
	"strings"
)

// SCIMPathPrefix is where every workspace's SCIM endpoint lives on the SCIM
// server: <prefix>/<namespace>/<workspace>/Users and so on.
const SCIMPathPrefix = "/scim/v2"

// TenantPath is the URL path of a workspace's SCIM endpoint: its Tenant URL
// without scheme and host. The SCIM server routes by it and the workspace
// controller publishes it; neither imports the other.
func TenantPath(namespace, workspace string) string {
	return SCIMPathPrefix + "/" + url.PathEscape(namespace) + "/" + url.PathEscape(workspace)
}

// TenantURL joins the SCIM server's public base URL and a workspace's tenant path.
func TenantURL(publicBaseURL, namespace, workspace string) string {
	return strings.TrimSuffix(publicBaseURL, "/") + TenantPath(namespace, workspace)
}

// SCIMEnabled reports whether the workspace's SCIM endpoint is on (the default).
func (w *Workspace) SCIMEnabled() bool {
	return w.Spec.SCIM.Enabled == nil || *w.Spec.SCIM.Enabled
}

// TokenSecretName is the name of the Secret holding the workspace's SCIM token.
func (w *Workspace) TokenSecretName() string {
	if w.Spec.SCIM.TokenSecretName != "" {
		return w.Spec.SCIM.TokenSecretName
	}
	return w.Name + "-scim-token"
}

// IsActive reports whether the user is active (the default when unset).
func (u *WorkspaceUser) IsActive() bool {
	return u.Spec.Active == nil || *u.Spec.Active
}

// DefaultRateLimit is the rate limit of a backend or a SCIM endpoint whose
// spec names none. The CRD schema defaults both rateLimit fields to the same
// bucket (its +kubebuilder:default markers cannot name a Go constant); a
// test of this package keeps the two in step.
var DefaultRateLimit = RateLimit{RequestsPerSecond: 50, Burst: 100}

// OrDefault is the rate limit r sets, or DefaultRateLimit when r is nil.
func (r *RateLimit) OrDefault() RateLimit {
	if r == nil {
		return DefaultRateLimit
	}
	return *r
}

// SecretName is the Secret the backend reads (its DSN for SQL, its
// credentials for HTTP), or "" when the block that type selects is missing.
func (b BackendSpec) SecretName() string {
	switch {
	case b.Type == BackendSQL && b.SQL != nil:
		return b.SQL.DSNSecretRef.Name
	case b.Type == BackendHTTP && b.HTTP != nil:
		return b.HTTP.CredentialsSecretRef.Name
	}
	return ""
}
