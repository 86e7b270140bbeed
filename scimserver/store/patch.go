package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
)

// ErrChanged is the error of a PatchSpec whose preconditions no longer
// hold: another write changed the user's spec (its generation moved), or
// the object was replaced by another of the same name.
var ErrChanged = errors.New("the user changed meanwhile")

// jsonPatchOp is one operation of an RFC 6902 JSON Patch.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// SpecPatch is the JSON Patch (RFC 6902) that turns cur into next: it tests
// that the object is still cur (its UID) and that its spec has not changed
// since cur was read (its metadata.generation), replaces the whole spec with
// next's, and adds the annotations next has and cur lacks or has with
// another value. When cur has no annotations at all the patch tests that
// the object still has none and adds the whole map. Annotations next lacks
// are left alone. Nothing else of next is written: status, finalizers and
// labels are other writers' business, and their writes do not move the
// generation, so they do not fail the patch.
func SpecPatch(cur, next *identityv1alpha1.WorkspaceUser) ([]byte, error) {
	ops := []jsonPatchOp{
		{Op: "test", Path: "/metadata/uid", Value: cur.UID},
		{Op: "test", Path: "/metadata/generation", Value: cur.Generation},
		{Op: "replace", Path: "/spec", Value: next.Spec},
	}
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
		return nil, fmt.Errorf("encode the JSON patch of the user: %w", err)
	}
	return data, nil
}

// escapePointer escapes a key for a JSON Pointer (RFC 6901): ~ as ~0, / as ~1.
func escapePointer(key string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(key)
}

// patchStillApplies reports whether the preconditions SpecPatch built from
// cur hold for fresh: same object, same generation, and annotations present
// or absent as in cur.
func patchStillApplies(cur, fresh *identityv1alpha1.WorkspaceUser) bool {
	return fresh.UID == cur.UID && fresh.Generation == cur.Generation &&
		(len(cur.Annotations) == 0) == (len(fresh.Annotations) == 0)
}

// PatchSpec writes next's spec and annotations over cur with SpecPatch and
// overlays the API server's answer, which it stores in next, on reads until
// the cache has it. It conflicts only with writes that changed the spec
// since cur was read (or replaced the object): then the error wraps
// ErrChanged. A failed test operation is answered 422 Invalid by the API
// server, like a spec it refuses; PatchSpec tells them apart by reading the
// object again through the API reader. Any other error is the API
// server's, unwrapped.
func (s *Users) PatchSpec(ctx context.Context, cur, next *identityv1alpha1.WorkspaceUser) error {
	data, err := SpecPatch(cur, next)
	if err != nil {
		return err
	}
	err = s.writer.Patch(ctx, next, client.RawPatch(types.JSONPatchType, data))
	if err == nil {
		s.recent.wrote(next)
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
		// Whether the patch lost a race or was refused is unknown.
		return fmt.Errorf("tell a refused patch of the user from one that lost a race: %w", ferr)
	case !patchStillApplies(cur, fresh):
		return fmt.Errorf("patch the user's spec: %w", ErrChanged)
	}
	return err
}
