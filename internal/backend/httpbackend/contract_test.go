package httpbackend_test

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
)

// The OpenAPI document and the driver describe the same contract.
func TestOpenAPIDocumentMatchesTheDriver(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "member-api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]any
		Comps   struct {
			Parameters map[string]struct {
				Name string `json:"name"`
				In   string `json:"in"`
			} `json:"parameters"`
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/member-api.yaml is not valid YAML: %v", err)
	}
	if doc.OpenAPI == "" {
		t.Fatal("no openapi version")
	}
	ops := doc.Paths["/members/{key}"]
	for _, m := range []string{"get", "put", "delete"} {
		if _, ok := ops[m]; !ok {
			t.Errorf("the document has no %s /members/{key}", m)
		}
	}
	headers := map[string]bool{}
	for _, p := range doc.Comps.Parameters {
		if p.In == "header" {
			headers[p.Name] = true
		}
	}
	for _, h := range []string{httpbackend.HeaderTimestamp, httpbackend.HeaderNonce, httpbackend.HeaderSignature} {
		if !headers[h] {
			t.Errorf("the document does not declare header %s", h)
		}
	}
	for _, f := range []string{"key", "userName", "externalId", "displayName", "givenName", "familyName", "email", "active", "profile", "extensions"} {
		if _, ok := doc.Comps.Schemas["Member"].Properties[f]; !ok {
			t.Errorf("the Member schema lacks %s", f)
		}
	}
}
