package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tenant is a workspace's SCIM endpoint as an identity provider holds it.
type tenant struct {
	url, token string
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// send makes one SCIM request and returns the status and body.
func (tn tenant) send(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, tn.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tn.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, string(data)
}

// answers reports whether the SCIM server serves the tenant with its token.
func (tn tenant) answers() bool {
	req, err := http.NewRequest(http.MethodGet, tn.url+"/ServiceProviderConfig", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+tn.token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func scimID(t *testing.T, body string) string {
	t.Helper()
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.ID == "" {
		t.Fatalf("no id in %s (%v)", body, err)
	}
	return r.ID
}
