package scimserver_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the response and stored goldens of testdata/{entra,okta}/core.json from what the server answers")

// goldenScenario is a sequence of literal requests an identity provider sends.
type goldenScenario struct {
	Description string       `json:"description"`
	Steps       []goldenStep `json:"steps"`
}

// goldenStep is one request and what must come of it. Paths and bodies may
// use {{variables}} captured from earlier answers; answers are compared with
// ids, times, versions and the Tenant URL replaced by placeholders.
type goldenStep struct {
	Name    string          `json:"name"`
	Mode    string          `json:"mode,omitempty"`
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	Body    json.RawMessage `json:"body,omitempty"`
	Capture string          `json:"capture,omitempty"`
	Status  int             `json:"status"`
	// Response is the whole answer body, normalised.
	Response json.RawMessage `json:"response,omitempty"`
	// ResponseSubset lists top-level fields of the answer that must match.
	ResponseSubset map[string]any `json:"responseSubset,omitempty"`
	// Stored is the whole spec of the WorkspaceUser {{id}} after the step.
	Stored json.RawMessage `json:"stored,omitempty"`
	// StoredSubset lists spec fields that must match (null: absent).
	StoredSubset map[string]any `json:"storedSubset,omitempty"`
}

// Entra's two PATCH dialects: the default, and the one a Tenant URL ending
// in ?aadOptscim062020 selects. The flag arrives as an unknown query parameter.
var entraModes = []string{"default", "aadOptscim062020"}

func TestEntraGoldens(t *testing.T) {
	r := startReplica(t)
	for _, file := range []string{"core", "dialect"} {
		path := filepath.Join("testdata", "entra", file+".json")
		sc := readScenario(t, path)
		for _, mode := range entraModes {
			t.Run(file+"/"+mode, func(t *testing.T) {
				runScenario(t, newTenant(t, r), sc, mode, mode == entraModes[0])
			})
		}
		if file == "core" {
			writeScenario(t, path, sc)
		}
	}
}

// TestOktaGoldens replays Okta's literal User requests.
func TestOktaGoldens(t *testing.T) {
	path := filepath.Join("testdata", "okta", "core.json")
	sc := readScenario(t, path)
	runScenario(t, newTenant(t, startReplica(t)), sc, "okta", true)
	writeScenario(t, path, sc)
}

func readScenario(t *testing.T, path string) *goldenScenario {
	t.Helper()
	var sc goldenScenario
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &sc
}

// writeScenario records the goldens with -update.
func writeScenario(t *testing.T, path string, sc *goldenScenario) {
	t.Helper()
	if !*update {
		return
	}
	out, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runScenario runs the steps of sc for mode; with -update the primary mode
// records the goldens of the steps every mode shares.
func runScenario(t *testing.T, tn *tenant, sc *goldenScenario, mode string, primary bool) {
	vars := map[string]string{}
	for i := range sc.Steps {
		step := &sc.Steps[i]
		if step.Mode != "" && step.Mode != mode {
			continue
		}
		path := entraPath(substitute(step.Path, vars), mode)
		var body any
		if len(step.Body) > 0 {
			body = substitute(string(step.Body), vars)
		}
		got := tn.do(step.Method, path, body)
		if got.status != step.Status {
			t.Fatalf("step %q: %s %s answered %s, want status %d", step.Name, step.Method, path, got, step.Status)
		}
		if got.status != 204 && got.header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("step %q: Content-Type %q", step.Name, got.header.Get("Content-Type"))
		}
		if step.Capture != "" {
			vars[step.Capture] = got.body["id"].(string)
		}
		normalised := normalise(t, got.raw, vars, tn.base)
		checkJSON(t, step.Name+": response", &step.Response, normalised, primary || step.Mode == mode)
		for k, want := range step.ResponseSubset {
			if diff := cmp.Diff(want, normalised.(map[string]any)[k]); diff != "" {
				t.Errorf("step %q: response %s (-want +got):\n%s", step.Name, k, diff)
			}
		}
		if step.Stored == nil && step.StoredSubset == nil && !*update {
			continue
		}
		var spec any = nil
		// A deleted user stays until the user controller has deprovisioned
		// its member (the member finalizer, set at create; no controller
		// runs here): what is stored is what is not being deleted.
		if u := tn.stored(vars["id"]); u != nil && u.DeletionTimestamp.IsZero() {
			spec = normalise(t, mustJSON(t, u.Spec), vars, tn.base)
		}
		checkJSON(t, step.Name+": stored", &step.Stored, spec, primary || step.Mode == mode)
		for k, want := range step.StoredSubset {
			// The stored spec is normalised back to {{placeholders}}, so the
			// template is compared as written.
			want = normalise(t, mustJSON(t, want), map[string]string{}, tn.base)
			var got any
			if m, ok := spec.(map[string]any); ok {
				got = m[k]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("step %q: stored spec.%s (-want +got):\n%s", step.Name, k, diff)
			}
		}
	}
}

// checkJSON compares got with a golden; with -update it records got instead
// when record is set (the other modes must then answer the same).
func checkJSON(t *testing.T, what string, golden *json.RawMessage, got any, record bool) {
	t.Helper()
	if *update && record {
		*golden = mustJSON(t, got)
		return
	}
	if *golden == nil {
		return
	}
	var want any
	if err := json.Unmarshal(*golden, &want); err != nil {
		t.Fatalf("%s: golden: %v", what, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", what, diff)
	}
}

// entraPath appends the mode's flag as Entra does (an unknown query
// parameter) and escapes the query as a client would.
func entraPath(path, mode string) string {
	p, query, _ := strings.Cut(path, "?")
	values, err := url.ParseQuery(query)
	if err != nil {
		panic(err)
	}
	encoded := values.Encode()
	if mode == "aadOptscim062020" {
		encoded = strings.TrimPrefix("aadOptscim062020&"+encoded, "&")
		encoded = strings.TrimSuffix(encoded, "&")
	}
	if encoded == "" {
		return p
	}
	return p + "?" + encoded
}

func substitute(s string, vars map[string]string) string {
	for k, v := range vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", v)
	}
	return s
}

// normalise replaces what differs from run to run by placeholders: the
// Tenant URL, captured ids, meta times and versions.
func normalise(t *testing.T, raw []byte, vars map[string]string, tenantURL string) any {
	t.Helper()
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	s := strings.ReplaceAll(string(raw), tenantURL, "{{tenant}}")
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		s = strings.ReplaceAll(s, vars[k], "{{"+k+"}}")
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("normalise %s: %v", raw, err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if meta, ok := x["meta"].(map[string]any); ok {
				for _, k := range []string{"created", "lastModified"} {
					if _, ok := meta[k]; ok {
						meta[k] = "{{time}}"
					}
				}
				if _, ok := meta["version"]; ok {
					meta["version"] = "{{version}}"
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return v
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
