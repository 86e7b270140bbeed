package scimserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/scimserver/patch"
	"github.com/rollcall-dev/rollcall/scimserver/resource"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// decodeResource is the one way a User resource body (POST and PUT /Users)
// is read: readJSON decodes at most Options.MaxBodyBytes of JSON,
// patch.NormalizeResource applies the identity providers' dialect (the same
// rules as PATCH) and makes the resource canonical, and resource.ToSpec maps
// the canonical User to a spec. The spec's WorkspaceRef is empty.
func (q *request) decodeResource() (identityv1alpha1.WorkspaceUserSpec, *scimerr.Error) {
	var body map[string]any
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &body); e != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, e
	}
	res, err := patch.NormalizeResource(body)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, badRequest(err)
	}
	spec, err := resource.ToSpec(res)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, badRequest(err)
	}
	return spec, nil
}

// readJSON decodes a request body of at most maxBytes into v. It accepts
// application/scim+json and application/json (with any parameters) and a
// missing Content-Type.
func readJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) *scimerr.Error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || (media != "application/scim+json" && media != "application/json") {
			return scimerr.New(http.StatusUnsupportedMediaType, "", "unsupported Content-Type %q: send application/scim+json or application/json", ct)
		}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBytes))
	dec.UseNumber()
	err := dec.Decode(v)
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return scimerr.New(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", maxBytes)
	case errors.Is(err, io.EOF):
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidSyntax, "the request body is empty; send a JSON object")
	default:
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return scimerr.New(http.StatusBadRequest, scimerr.InvalidSyntax, "the request body has a %s where %s belongs", typeErr.Value, strings.TrimPrefix(typeErr.Type.String(), "*"))
		}
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidSyntax, "the request body is not valid JSON: %v", err)
	}
}
