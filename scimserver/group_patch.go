package scimserver

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
	"github.com/rollcall-dev/rollcall/scimserver/store"
)

// patchGroup answers PATCH /Groups/{id} with 204 No Content (what Entra ID
// prefers: "returning a body with a list of all the members isn't
// advisable") and the new version in ETag. The operations, in order:
//
//   - add, path members, value a list (or one) of {"value": "<user id>"}:
//     adds them; display and "$ref": null are ignored.
//   - remove, path members, with a value list: removes those members
//     (Entra ID's default dialect); without a value member at all: removes
//     every member (RFC 7644 §3.5.2.2); "value": null or [] removes none.
//   - remove, path members[value eq "<id>"]: removes that member (Entra's
//     aadOptscim062020 dialect, Okta).
//   - replace, path members: the members become the value list.
//   - add or replace displayName or externalId; remove externalId.
//   - add or replace without a path: the value is an object of
//     displayName, externalId, members (added, or replacing them) and id,
//     tolerated when it is the group's own (Okta's rename).
//
// op is case-insensitive (Entra sends Add, Replace, Remove). Every added
// id must be a user of the workspace, else 400 invalidValue and nothing of
// the request is written.
func (q *request) patchGroup(id string) {
	var raw json.RawMessage
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &raw); e != nil {
		q.fail(e)
		return
	}
	body, err := patch.DecodeRequest(raw)
	if err != nil {
		q.fail(badRequest(err))
		return
	}
	q.updateGroup(id, http.StatusNoContent, func(cur *identityv1alpha1.WorkspaceGroup) (groupUpdate, *scimerr.Error) {
		return groupPatch(cur, body.Operations)
	})
}

// memberDelta is the effect of a PATCH's member operations, in order: a
// replace (all, then the set) or adds and removes on the current members.
type memberDelta struct {
	replace     bool
	set         map[string]bool // with replace: the members
	add, remove map[string]bool // without replace
	order       []string        // ids in the order first added, for the plan
	touched     bool
}

func newMemberDelta() *memberDelta {
	return &memberDelta{set: map[string]bool{}, add: map[string]bool{}, remove: map[string]bool{}}
}

func (d *memberDelta) addIDs(ids []string) {
	d.touched = true
	for _, id := range ids {
		d.order = append(d.order, id)
		if d.replace {
			d.set[id] = true
		} else {
			d.add[id], d.remove[id] = true, false
		}
	}
}

func (d *memberDelta) removeIDs(ids []string) {
	d.touched = true
	for _, id := range ids {
		if d.replace {
			delete(d.set, id)
		} else {
			d.remove[id], d.add[id] = true, false
		}
	}
}

func (d *memberDelta) replaceAll(ids []string) {
	d.touched = true
	d.replace = true
	d.set, d.add, d.remove = map[string]bool{}, map[string]bool{}, map[string]bool{}
	d.order = nil
	d.addIDs(ids)
}

// added are the ids the delta adds (to check they are users).
func (d *memberDelta) added() []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range d.order {
		if seen[id] {
			continue
		}
		seen[id] = true
		if (d.replace && d.set[id]) || (!d.replace && d.add[id]) {
			out = append(out, id)
		}
	}
	return out
}

// change is the delta as a memberChange.
func (d *memberDelta) change() memberChange {
	if !d.touched {
		return nil
	}
	added := d.added()
	if d.replace {
		return replaceMembers(added)
	}
	var removed []string
	for id, r := range d.remove {
		if r {
			removed = append(removed, id)
		}
	}
	return func(store.Members) ([]string, []string) { return added, removed }
}

var memberValuePath = regexp.MustCompile(`(?i)^members\[\s*value\s+eq\s+(?:"((?:[^"\\]|\\.)*)"|([^\s\]]+))\s*\]$`)

func groupPatch(cur *identityv1alpha1.WorkspaceGroup, ops []patch.Operation) (groupUpdate, *scimerr.Error) {
	spec := identityv1alpha1.WorkspaceGroupSpec{DisplayName: cur.Spec.DisplayName, ExternalID: cur.Spec.ExternalID}
	delta := newMemberDelta()
	for i, op := range ops {
		if e := applyGroupOp(cur, &spec, delta, op); e != nil {
			e.Detail = "Operations[" + strconv.Itoa(i) + "]: " + e.Detail
			return groupUpdate{}, e
		}
	}
	return groupUpdate{spec: spec, members: delta.change(), added: delta.added()}, nil
}

func applyGroupOp(cur *identityv1alpha1.WorkspaceGroup, spec *identityv1alpha1.WorkspaceGroupSpec, delta *memberDelta, op patch.Operation) *scimerr.Error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return scimerr.BadRequest(scimerr.InvalidSyntax, "op %q is not one of add, replace, remove", op.Op)
	}
	value, hasValue, e := decodeGroupValue(op.Value)
	if e != nil {
		return e
	}
	path := strings.TrimSpace(op.Path)
	if len(path) > len(schema.URNGroup)+1 && strings.EqualFold(path[:len(schema.URNGroup)+1], schema.URNGroup+":") {
		path = path[len(schema.URNGroup)+1:]
	}
	if m := memberValuePath.FindStringSubmatch(path); m != nil {
		id := m[2]
		if m[1] != "" || m[2] == "" {
			if err := json.Unmarshal([]byte(`"`+m[1]+`"`), &id); err != nil {
				return scimerr.BadRequest(scimerr.InvalidPath, "path %q: bad string literal", op.Path)
			}
		}
		if kind != "remove" {
			return scimerr.BadRequest(scimerr.InvalidPath, "path %q: only remove takes a members[value eq ...] path; add members with path \"members\"", op.Path)
		}
		delta.removeIDs([]string{id})
		return nil
	}
	switch strings.ToLower(path) {
	case "":
		if kind == "remove" {
			return scimerr.BadRequest(scimerr.NoTarget, "remove needs a path, e.g. \"members\" or members[value eq \"<id>\"]")
		}
		obj, ok := value.(map[string]any)
		if !ok {
			return scimerr.BadRequest(scimerr.InvalidValue, "%s without a path takes an object of attributes, e.g. {\"displayName\": \"…\"}", op.Op)
		}
		for k, v := range obj {
			name := k
			if len(name) > len(schema.URNGroup)+1 && strings.EqualFold(name[:len(schema.URNGroup)+1], schema.URNGroup+":") {
				name = name[len(schema.URNGroup)+1:]
			}
			if e := setGroupAttribute(cur, spec, delta, kind, name, v, true); e != nil {
				return e
			}
		}
		return nil
	case "members":
		switch {
		case kind == "remove" && !hasValue:
			delta.replaceAll(nil)
			return nil
		case kind == "remove":
			ids, err := resource.MemberIDs(value)
			if err != nil {
				return badRequest(err)
			}
			delta.removeIDs(ids)
			return nil
		}
	}
	if kind == "remove" {
		switch strings.ToLower(path) {
		case "externalid":
			spec.ExternalID = ""
			return nil
		case "displayname":
			return scimerr.BadRequest(scimerr.InvalidValue, "displayName is required and cannot be removed")
		}
		return unknownGroupPath(op.Path)
	}
	if !hasValue {
		return scimerr.BadRequest(scimerr.InvalidValue, "%s of %s needs a value", op.Op, op.Path)
	}
	return setGroupAttribute(cur, spec, delta, kind, path, value, false)
}

func setGroupAttribute(cur *identityv1alpha1.WorkspaceGroup, spec *identityv1alpha1.WorkspaceGroupSpec, delta *memberDelta, kind, name string, v any, inValue bool) *scimerr.Error {
	switch strings.ToLower(name) {
	case "displayname":
		s, ok := v.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return scimerr.BadRequest(scimerr.InvalidValue, "displayName must be a non-empty string")
		}
		spec.DisplayName = s
	case "externalid":
		switch s := v.(type) {
		case string:
			spec.ExternalID = s
		case nil:
			spec.ExternalID = ""
		default:
			return scimerr.BadRequest(scimerr.InvalidValue, "externalId must be a string")
		}
	case "members":
		ids, err := resource.MemberIDs(v)
		if err != nil {
			return badRequest(err)
		}
		if kind == "replace" {
			delta.replaceAll(ids)
		} else {
			delta.addIDs(ids)
		}
	case "id":
		if s, _ := v.(string); s != string(cur.UID) {
			return scimerr.BadRequest(scimerr.Mutability, "id %v is not the group's id %s: id cannot be changed", v, cur.UID)
		}
	case "schemas", "meta":
		if !inValue {
			return scimerr.BadRequest(scimerr.Mutability, "%s cannot be changed", name)
		}
	default:
		if inValue {
			return nil // an attribute the Group does not have, inside a value object: ignored
		}
		return unknownGroupPath(name)
	}
	return nil
}

func unknownGroupPath(path string) *scimerr.Error {
	return scimerr.BadRequest(scimerr.InvalidPath, "path %q: the Group has displayName, externalId and members (members[value eq \"<id>\"] to remove one)", path)
}

func decodeGroupValue(raw json.RawMessage) (any, bool, *scimerr.Error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, false, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, true, scimerr.BadRequest(scimerr.InvalidValue, "value is not valid JSON: %v", err)
	}
	return v, true, nil
}
