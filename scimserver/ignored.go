package scimserver

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
)

// Unknown attributes under unknownAttributes Ignore: the request succeeds,
// the attribute is dropped, and the server records its name on the user
// (AnnotationIgnoredAttributes, in the same write as the user) and counts
// it. The workspace controller gathers the names into the Workspace's
// status.ignoredAttributes and reports each new one with a Warning event,
// so the SCIM server needs no write access to Workspaces
// (docs/design/0203-schema-extensions-and-unknown-attributes.md).

var ignoredAttributesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "rollcall_scim_ignored_attributes_total",
	Help: "Unknown attributes the SCIM server dropped from requests under unknownAttributes Ignore, by workspace (namespace/name). The names are in the Workspace's status.ignoredAttributes.",
}, []string{"workspace"})

func init() {
	metrics.Registry.MustRegister(ignoredAttributesTotal)
}

// maxAnnotatedNames bounds the names one user's annotation keeps.
const maxAnnotatedNames = 16

// userSchemas is the workspace's schema Set and unknown-attribute policy.
func (q *request) userSchemas() patch.Schemas {
	if q.set == nil {
		q.set = schema.NewSet(q.ws.Spec.SCIM.SchemaExtensions)
	}
	return patch.Schemas{Set: q.set, RejectUnknown: q.ws.Spec.SCIM.UnknownAttributes == identityv1alpha1.UnknownAttributesReject}
}

// schemaSet is the workspace's schema Set.
func (q *request) schemaSet() *schema.Set { return q.userSchemas().Set }

// noteIgnored counts and logs what a request dropped.
func (q *request) noteIgnored(ignored []string) {
	if len(ignored) == 0 {
		return
	}
	ignoredAttributesTotal.WithLabelValues(q.key.String()).Add(float64(len(ignored)))
	log.FromContext(q.r.Context()).V(1).Info("dropped unknown attributes", "attributes", ignored)
}

// ignoredAnnotation is the annotation value after a request that dropped
// ignored: replace (a POST or PUT, a whole user) sets it to the names,
// otherwise (a PATCH) they are added to those in old.
func ignoredAnnotation(old string, ignored []string, replace bool) string {
	var names []string
	if !replace && old != "" {
		names = strings.Split(old, ",")
	}
	for _, n := range ignored {
		// A comma would split the name; the annotation is a list of names.
		n = strings.ReplaceAll(n, ",", "_")
		if !slices.Contains(names, n) && len(names) < maxAnnotatedNames {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// setIgnored records ignored on annotations (a user's), for its write.
// A value equal to the old one changes nothing; an empty one clears it.
func setIgnored(annotations map[string]string, ignored []string, replace bool) {
	old := annotations[identityv1alpha1.AnnotationIgnoredAttributes]
	next := ignoredAnnotation(old, ignored, replace)
	if next == old {
		return
	}
	annotations[identityv1alpha1.AnnotationIgnoredAttributes] = next
}
