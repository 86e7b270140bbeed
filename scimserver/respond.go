package scimserver

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/rollcall-dev/rollcall/scimserver/schema"
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

func writeError(w http.ResponseWriter, e *scimError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	}
	body := map[string]any{
		"schemas": []string{schema.URNError},
		"status":  strconv.Itoa(e.status),
		"detail":  e.detail,
	}
	if e.scimType != "" {
		body["scimType"] = e.scimType
	}
	writeJSON(w, e.status, body)
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
