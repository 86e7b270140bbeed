package scimserver

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
	"github.com/rollcall-dev/rollcall/scimserver/scimerr"
)

// contentType is the media type of every answer.
const contentType = "application/scim+json"

func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeError is the one way a refusal reaches the wire: e as a SCIM Error
// response (RFC 7644 §3.12), status as a string, scimType when e has one,
// Retry-After when e asks for a wait, and the Bearer challenge with a 401.
func writeError(w http.ResponseWriter, e *scimerr.Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	}
	body := map[string]any{
		"schemas": []string{schema.URNError},
		"status":  strconv.Itoa(e.Status),
		"detail":  e.Detail,
	}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	if rec, ok := w.(*statusRecorder); ok {
		rec.scimType = e.ScimType
	}
	writeJSON(w, e.Status, body)
}

// writeResource answers one User with its ETag (and Location on create).
func writeResource(w http.ResponseWriter, status int, res map[string]any, version, location string) {
	w.Header().Set("ETag", version)
	if status == http.StatusCreated {
		w.Header().Set("Location", location)
	}
	writeJSON(w, status, res)
}

func listResponse[T any](resources []T, total, startIndex int) map[string]any {
	if resources == nil {
		resources = []T{}
	}
	return map[string]any{
		"schemas":      []string{schema.URNListResponse},
		"totalResults": total,
		"startIndex":   startIndex,
		"itemsPerPage": len(resources),
		"Resources":    resources,
	}
}
