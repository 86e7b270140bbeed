// Package v1alpha1 holds the identity.rollcall.dev/v1alpha1 API: Workspace,
// WorkspaceUser and WorkspaceDomain.
//
// +kubebuilder:object:generate=true
// +kubebuilder:ac:generate=true
// +groupName=identity.rollcall.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every Rollcall resource.
	GroupVersion = schema.GroupVersion{Group: "identity.rollcall.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this package with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// SchemeGroupVersion is GroupVersion under the name generated code expects.
var SchemeGroupVersion = GroupVersion
