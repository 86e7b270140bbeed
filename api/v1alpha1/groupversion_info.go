// Package v1alpha1 holds the identity.rollcall.dev/v1alpha1 API: Workspace,
// WorkspaceUser and WorkspaceDomain.
//
// +kubebuilder:object:generate=true
// +kubebuilder:ac:generate=true
// +groupName=identity.rollcall.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of every Rollcall resource.
	GroupVersion = schema.GroupVersion{Group: "identity.rollcall.dev", Version: "v1alpha1"}

	// SchemeGroupVersion is GroupVersion under the name generated code expects.
	SchemeGroupVersion = GroupVersion

	// SchemeBuilder registers the types of this package with a runtime.Scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&Workspace{}, &WorkspaceList{},
		&WorkspaceUser{}, &WorkspaceUserList{},
		&WorkspaceDomain{}, &WorkspaceDomainList{},
		&WorkspaceGroup{}, &WorkspaceGroupList{},
		&WorkspaceGroupMembership{}, &WorkspaceGroupMembershipList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
