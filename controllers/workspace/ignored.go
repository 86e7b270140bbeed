package workspace

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// MaxIgnoredAttributes bounds status.ignoredAttributes.
const MaxIgnoredAttributes = 32

// maxEventAction is the longest action the API server takes in an Event.
const maxEventAction = 128

// IgnoredAttributes gathers the unknown attributes the SCIM server dropped
// from users' requests (their AnnotationIgnoredAttributes) into the sorted
// list of status.ignoredAttributes, at most MaxIgnoredAttributes names.
func IgnoredAttributes(users []identityv1alpha1.WorkspaceUser) []string {
	seen := map[string]bool{}
	for i := range users {
		for _, n := range strings.Split(users[i].Annotations[identityv1alpha1.AnnotationIgnoredAttributes], ",") {
			if n = strings.TrimSpace(n); n != "" {
				seen[n] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) > MaxIgnoredAttributes {
		names = names[:MaxIgnoredAttributes]
	}
	return names
}

// reportNewIgnored records a Warning event on the workspace for each name
// in names that its status does not list yet: once per attribute name for
// as long as some user carries it.
func (r *BackendReconciler) reportNewIgnored(ws *identityv1alpha1.Workspace, names []string) {
	if r.Recorder == nil {
		return
	}
	for _, n := range names {
		if slices.Contains(ws.Status.IgnoredAttributes, n) {
			continue
		}
		// The recorder folds events that differ only in their note into one
		// series: the action names the attribute, so each name is an event.
		action := "IgnoreAttribute " + n
		if len(action) > maxEventAction {
			action = action[:maxEventAction]
		}
		r.Recorder.Eventf(ws, nil, corev1.EventTypeWarning, identityv1alpha1.ReasonUnknownAttributeIgnored, action,
			"The identity provider sends attribute %q, which no schema of this workspace declares; it is dropped and the users are provisioned without it. "+
				"Fix the attribute mapping, or declare it in spec.scim.schemaExtensions.", n)
	}
}
