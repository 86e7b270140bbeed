package patch

import (
	"errors"
	"strings"

	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// NormalizeResource turns the body of a POST or PUT /Users into the
// canonical resource form with the same dialect rules as Apply: keys are
// matched case-insensitively and written in canonical casing, string
// booleans become booleans, the manager may be a bare string, dotted and
// URN-qualified keys are accepted, null and "" leave an attribute out, and
// "schemas", "id", "meta", password, groups and attributes of unknown schemas
// are dropped. userName is required and cannot be empty. The result has neither id nor meta nor
// schemas; the server sets them. The error is an *scimerr.Error with scimType invalidValue.
func NormalizeResource(body map[string]any) (map[string]any, error) {
	res, _, err := NormalizeResourceIn(Schemas{}, body)
	return res, err
}

// NormalizeResourceIn is NormalizeResource against a workspace's Schemas
// (see ApplyIn).
func NormalizeResourceIn(schemas Schemas, body map[string]any) (map[string]any, Result, error) {
	a := newApplier(schemas)
	res := map[string]any{}
	if err := a.applyObject(res, "replace", body, nil, true); err != nil {
		var pe *scimerr.Error
		if errors.As(err, &pe) && pe.ScimType == scimerr.InvalidPath {
			pe.ScimType = scimerr.InvalidValue
		}
		return nil, Result{}, err
	}
	prune(schemas.Set, res)
	if userName, _ := res["userName"].(string); strings.TrimSpace(userName) == "" {
		return nil, Result{}, errorf(scimerr.InvalidValue, "userName is required and cannot be empty")
	}
	return res, a.result(), nil
}
