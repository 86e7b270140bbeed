package scimserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

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
func (q *request) decodeResource() (identityv1alpha1.WorkspaceUserSpec, []string, *scimerr.Error) {
	var body map[string]any
	if e := readJSON(q.w, q.r, q.opts.MaxBodyBytes, &body); e != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, nil, e
	}
	res, result, err := patch.NormalizeResourceIn(q.userSchemas(), body)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, nil, badRequest(err)
	}
	spec, err := resource.ToSpecIn(q.schemaSet(), res)
	if err != nil {
		return identityv1alpha1.WorkspaceUserSpec{}, nil, badRequest(err)
	}
	return spec, result.Ignored, nil
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return scimerr.New(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", maxBytes)
	}
	if err != nil {
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidSyntax, "cannot read the request body: %v", err)
	}
	// encoding/json would turn invalid UTF-8 into U+FFFD and store a name
	// nobody sent: refuse it, naming where it is.
	if !utf8.Valid(body) {
		return scimerr.New(http.StatusBadRequest, scimerr.InvalidSyntax, "the request body is not valid UTF-8 (first invalid byte at offset %d); send JSON in UTF-8", invalidUTF8Offset(body))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err = dec.Decode(v)
	switch {
	case err == nil:
		return nil
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

// invalidUTF8Offset is the offset of the first byte of b that is not part
// of a valid UTF-8 sequence.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
