// Package manifests reads multi-document YAML files and server-side applies
// the objects in them: how tests and the local run install config/.
package manifests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Install server-side applies every object of every *.yaml file in
// dir (a missing dir installs nothing). kustomization.yaml is skipped.
func Install(ctx context.Context, c client.Client, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return err
	}
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		objs, err := Read(file)
		if err != nil {
			return err
		}
		if err := Apply(ctx, c, objs...); err != nil {
			return fmt.Errorf("%w (from %s)", err, file)
		}
	}
	return nil
}

// Apply server-side applies objs in order, as field manager
// rollcall-install, taking over fields another manager set.
func Apply(ctx context.Context, c client.Client, objs ...*unstructured.Unstructured) error {
	for _, obj := range objs {
		if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
			client.FieldOwner("rollcall-install"), client.ForceOwnership); err != nil {
			return fmt.Errorf("apply %s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
	}
	return nil
}

// Read decodes every document of a multi-document YAML file.
func Read(file string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("decode %s: %w", file, err)
		}
		if len(obj.Object) == 0 || strings.TrimSpace(obj.GetKind()) == "" {
			continue
		}
		objs = append(objs, obj)
	}
}
