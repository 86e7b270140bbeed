package httpbackend_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rollcall-dev/rollcall/internal/backend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend"
	"github.com/rollcall-dev/rollcall/internal/backend/httpbackend/httpbackendtest"
)

// apiDocument is the part of docs/member-api.yaml the tests read.
type apiDocument struct {
	OpenAPI string                                `json:"openapi"`
	Paths   map[string]map[string]json.RawMessage `json:"paths"`
	Comps   struct {
		Parameters map[string]docParameter `json:"parameters"`
		Schemas    map[string]struct {
			Required   []string       `json:"required"`
			Properties map[string]any `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

type docParameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type docOperation struct {
	Parameters  []docParameter `json:"parameters"`
	RequestBody struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

func readAPIDocument(t *testing.T) apiDocument {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "member-api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc apiDocument
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("docs/member-api.yaml is not valid YAML: %v", err)
	}
	return doc
}

// parameter resolves a $ref to components/parameters.
func (d apiDocument) parameter(p docParameter) docParameter {
	if name, ok := strings.CutPrefix(p.Ref, "#/components/parameters/"); ok {
		return d.Comps.Parameters[name]
	}
	return p
}

// operation returns the documented operation and its parameters, the
// path's and its own.
func (d apiDocument) operation(t *testing.T, path, method string) (docOperation, []docParameter, bool) {
	t.Helper()
	item := d.Paths[path]
	raw, ok := item[strings.ToLower(method)]
	if !ok {
		return docOperation{}, nil, false
	}
	var op docOperation
	if err := json.Unmarshal(raw, &op); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	var params []docParameter
	if shared, ok := item["parameters"]; ok {
		var ps []docParameter
		if err := json.Unmarshal(shared, &ps); err != nil {
			t.Fatalf("parameters of %s: %v", path, err)
		}
		params = append(params, ps...)
	}
	params = append(params, op.Parameters...)
	for i := range params {
		params[i] = d.parameter(params[i])
	}
	return op, params, true
}

// The OpenAPI document and the driver describe the same contract.
func TestOpenAPIDocumentMatchesTheDriver(t *testing.T) {
	doc := readAPIDocument(t)
	if doc.OpenAPI == "" {
		t.Fatal("no openapi version")
	}
	for path, methods := range map[string][]string{
		"/members/{key}":        {"get", "put", "delete"},
		"/groups/{key}":         {"get", "put", "delete"},
		"/groups/{key}/members": {"get", "post"},
	} {
		for _, m := range methods {
			if _, _, ok := doc.operation(t, path, m); !ok {
				t.Errorf("the document has no %s %s", m, path)
			}
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
	for schema, fields := range map[string][]string{
		"Member":           {"key", "userName", "externalId", "displayName", "givenName", "familyName", "email", "active", "profile", "extensions"},
		"Group":            {"key", "displayName", "externalId"},
		"MembersPage":      {"members", "next"},
		"MembershipChange": {"add", "remove"},
	} {
		for _, f := range fields {
			if _, ok := doc.Comps.Schemas[schema].Properties[f]; !ok {
				t.Errorf("the %s schema lacks %s", schema, f)
			}
		}
	}
}

// Every request the driver sends is a documented operation, with
// documented query parameters and a body of the documented schema; and
// every documented operation is one the driver sends.
func TestDriverRequestsAreDocumented(t *testing.T) {
	doc := readAPIDocument(t)
	api := startMemberAPI(t)
	api.PageSize = 2 // so that listing a group's members sends "after"
	rec := &recorder{}
	b := newClient(t, api.URL(), func(o *httpbackend.Options) { o.Client = &http.Client{Transport: rec} })
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"ns:acme:1", "ns:acme:2", "ns:acme:3"}
	for _, k := range keys {
		must(b.Upsert(ctx, backend.Member{Key: k, UserName: k + "@example.com", Active: true, Profile: []byte(`{"title":"Analyst"}`)}))
	}
	_, _, err := b.Observe(ctx, keys[0])
	must(err)
	must(b.Deactivate(ctx, keys[0]))
	must(b.UpsertGroup(ctx, backend.Group{Key: "ns:acme:g", DisplayName: "Analysts", ExternalID: "e-1"}))
	_, _, err = b.ObserveGroup(ctx, "ns:acme:g")
	must(err)
	must(b.AddGroupMembers(ctx, "ns:acme:g", keys))
	if got, err := b.GroupMembers(ctx, "ns:acme:g"); err != nil || len(got) != 3 {
		t.Fatalf("group members = %v, %v", got, err)
	}
	must(b.RemoveGroupMembers(ctx, "ns:acme:g", keys[:1]))
	must(b.DeleteGroup(ctx, "ns:acme:g"))
	must(b.Delete(ctx, keys[1]))

	templates := map[string]*regexp.Regexp{}
	for path := range doc.Paths {
		templates[path] = regexp.MustCompile("^" + httpbackendtest.BasePath + strings.ReplaceAll(regexp.QuoteMeta(path), `\{key\}`, "[^/]+") + "$")
	}
	sent := map[string]bool{}
	for i, req := range rec.reqs {
		var path string
		for p, re := range templates {
			if re.MatchString(req.URL.EscapedPath()) {
				path = p
			}
		}
		op, params, ok := doc.operation(t, path, req.Method)
		if path == "" || !ok {
			t.Errorf("the driver sent %s %s, which the document does not describe", req.Method, req.URL.EscapedPath())
			continue
		}
		sent[strings.ToLower(req.Method)+" "+path] = true
		for name := range req.URL.Query() {
			if !slices.ContainsFunc(params, func(p docParameter) bool { return p.In == "query" && p.Name == name }) {
				t.Errorf("%s %s: query parameter %q is not documented", req.Method, path, name)
			}
		}
		for _, p := range params {
			if p.In == "header" && req.Header.Get(p.Name) == "" {
				t.Errorf("%s %s: header %s is missing", req.Method, path, p.Name)
			}
		}
		checkBody(t, doc, req.Method+" "+path, op, rec.body[i])
	}
	for path, item := range doc.Paths {
		for method := range item {
			if method != "parameters" && !sent[method+" "+path] {
				t.Errorf("the document describes %s %s, which the driver never sends", method, path)
			}
		}
	}
	if !slices.ContainsFunc(rec.reqs, func(r *http.Request) bool { return r.URL.Query().Get("after") != "" }) {
		t.Error("listing a group's members never asked for a second page")
	}
}

// checkBody checks a JSON body has only the fields of the operation's
// request schema, and its required ones.
func checkBody(t *testing.T, doc apiDocument, what string, op docOperation, body []byte) {
	t.Helper()
	ref := op.RequestBody.Content["application/json"].Schema.Ref
	if ref == "" {
		if len(body) > 0 {
			t.Errorf("%s: the driver sent a body, the document describes none", what)
		}
		return
	}
	schema := doc.Comps.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Errorf("%s: the body is not a JSON object: %v", what, err)
		return
	}
	for f := range fields {
		if _, ok := schema.Properties[f]; !ok {
			t.Errorf("%s: body field %q is not in %s", what, f, ref)
		}
	}
	for _, f := range schema.Required {
		if _, ok := fields[f]; !ok {
			t.Errorf("%s: body lacks required field %q of %s", what, f, ref)
		}
	}
}
