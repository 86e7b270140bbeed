package scimserver

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// readJSON decodes a request body of at most maxBytes into v. It accepts
// application/scim+json and application/json (with any parameters) and a
// missing Content-Type.
func readJSON(w http.ResponseWriter, r *http.Request, maxBytes int64, v any) *scimError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || (media != "application/scim+json" && media != "application/json") {
			return errorf(http.StatusUnsupportedMediaType, "", "unsupported Content-Type %q: send application/scim+json or application/json", ct)
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
		return errorf(http.StatusRequestEntityTooLarge, "", "the request body is larger than %d bytes", maxBytes)
	case errors.Is(err, io.EOF):
		return errorf(http.StatusBadRequest, scimTypeInvalidSyntax, "the request body is empty; send a JSON object")
	default:
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errorf(http.StatusBadRequest, scimTypeInvalidSyntax, "the request body has a %s where %s belongs", typeErr.Value, strings.TrimPrefix(typeErr.Type.String(), "*"))
		}
		return errorf(http.StatusBadRequest, scimTypeInvalidSyntax, "the request body is not valid JSON: %v", err)
	}
}
