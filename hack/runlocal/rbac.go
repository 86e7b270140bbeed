package main

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rollcall-dev/rollcall/internal/manifests"
)

// peopleRoles are the ClusterRoles of config/rbac that no binding there
// gives to a component: the roles an administrator binds to people (the
// domain approvers), sorted by name. A local run installs these, so a
// reader can bind and check them as on a cluster install (config/default,
// the chart); the components' own roles and bindings are left out, as the
// local manager runs with the admin's kubeconfig.
func peopleRoles(dir string) ([]*unstructured.Unstructured, error) {
	var objs []*unstructured.Unstructured
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") || d.Name() == "kustomization.yaml" {
			return err
		}
		read, err := manifests.Read(path)
		objs = append(objs, read...)
		return err
	})
	if err != nil {
		return nil, err
	}
	bound := map[string]bool{}
	for _, obj := range objs {
		if obj.GetKind() != "ClusterRoleBinding" && obj.GetKind() != "RoleBinding" {
			continue
		}
		if kind, _, _ := unstructured.NestedString(obj.Object, "roleRef", "kind"); kind == "ClusterRole" {
			name, _, _ := unstructured.NestedString(obj.Object, "roleRef", "name")
			bound[name] = true
		}
	}
	var roles []*unstructured.Unstructured
	for _, obj := range objs {
		if obj.GetKind() == "ClusterRole" && !bound[obj.GetName()] {
			roles = append(roles, obj)
		}
	}
	slices.SortFunc(roles, func(a, b *unstructured.Unstructured) int { return strings.Compare(a.GetName(), b.GetName()) })
	return roles, nil
}

// roleNames are the names of objs, for the step line and tests.
func roleNames(objs []*unstructured.Unstructured) []string {
	names := make([]string, len(objs))
	for i, obj := range objs {
		names[i] = obj.GetName()
	}
	return names
}
