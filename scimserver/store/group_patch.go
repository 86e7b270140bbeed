package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// GroupSpecPatch is the JSON Patch (RFC 6902) that turns cur into next, as
// SpecPatch is for users: it tests the UID, the generation and, when cur
// has it, the annotation counted (revisionKey: the members revision), so
// it loses only to another SCIM write of the group, never to the group
// controller's status writes; it replaces the spec and adds the
// annotations next has and cur lacks or has with another value.
func GroupSpecPatch(cur, next *identityv1alpha1.WorkspaceGroup, revisionKey string) ([]byte, error) {
	ops := []jsonPatchOp{
		{Op: "test", Path: "/metadata/uid", Value: cur.UID},
		{Op: "test", Path: "/metadata/generation", Value: cur.Generation},
	}
	if v, ok := cur.Annotations[revisionKey]; ok {
		ops = append(ops, jsonPatchOp{Op: "test", Path: "/metadata/annotations/" + escapePointer(revisionKey), Value: v})
	}
	ops = append(ops, jsonPatchOp{Op: "replace", Path: "/spec", Value: next.Spec})
	switch {
	case len(next.Annotations) == 0:
	case len(cur.Annotations) == 0:
		ops = append(ops,
			jsonPatchOp{Op: "test", Path: "/metadata/annotations", Value: nil},
			jsonPatchOp{Op: "add", Path: "/metadata/annotations", Value: next.Annotations})
	default:
		keys := make([]string, 0, len(next.Annotations))
		for k, v := range next.Annotations {
			if old, ok := cur.Annotations[k]; !ok || old != v {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			ops = append(ops, jsonPatchOp{Op: "add", Path: "/metadata/annotations/" + escapePointer(k), Value: next.Annotations[k]})
		}
	}
	data, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("encode the JSON patch of the group: %w", err)
	}
	return data, nil
}

// Update writes next's spec and annotations over cur with GroupSpecPatch
// and overlays the answer, stored in next, on reads until the cache has
// it. A lost race (another SCIM write of the group came first) wraps
// ErrChanged; the API server answers a failed test 422 like a refused
// spec, and a fresh read tells them apart. Any other error is the API
// server's, unwrapped.
func (s *Groups) Update(ctx context.Context, cur, next *identityv1alpha1.WorkspaceGroup, revisionKey string) error {
	data, err := GroupSpecPatch(cur, next, revisionKey)
	if err != nil {
		return err
	}
	err = s.writer.Patch(ctx, next, client.RawPatch(types.JSONPatchType, data))
	if err == nil {
		s.recent.wrote(groupWorkspace(next).String(), next.DeepCopy())
		return nil
	}
	if !apierrors.IsInvalid(err) {
		return err
	}
	fresh, ferr := s.Fresh(ctx, cur)
	switch {
	case apierrors.IsNotFound(ferr):
		return ferr
	case ferr != nil:
		return fmt.Errorf("tell a refused patch of the group from one that lost a race: %w", ferr)
	case fresh.UID != cur.UID || fresh.Generation != cur.Generation ||
		fresh.Annotations[revisionKey] != cur.Annotations[revisionKey] ||
		(len(cur.Annotations) == 0) != (len(fresh.Annotations) == 0):
		return fmt.Errorf("patch the group: %w", ErrChanged)
	}
	return err
}
