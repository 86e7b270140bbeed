package scimserver_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// groupScenario is a sequence of literal group requests of an identity
// provider, with the users they refer to created first.
type groupScenario struct {
	Description string `json:"description"`
	// Users are userNames created before the steps; their ids are the
	// variables user1, user2, ...
	Users []string    `json:"users"`
	Steps []groupStep `json:"steps"`
}

// groupStep is one request and what must come of it. Paths and bodies may
// use {{variables}}: user ids, and ids captured from earlier answers.
type groupStep struct {
	Name    string          `json:"name"`
	Mode    string          `json:"mode,omitempty"`
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	Body    json.RawMessage `json:"body,omitempty"`
	Capture string          `json:"capture,omitempty"`
	Status  int             `json:"status"`
	// Response is the whole answer body, normalised (nil: none).
	Response json.RawMessage `json:"response,omitempty"`
	// StoredGroup is the spec of the WorkspaceGroup {{group}} after the
	// step (null: none, or being deleted).
	StoredGroup json.RawMessage `json:"storedGroup,omitempty"`
	// StoredMembers are the ids in its shards after the step.
	StoredMembers json.RawMessage `json:"storedMembers,omitempty"`
}

func TestEntraGroupGoldens(t *testing.T) {
	r := startReplica(t)
	path := filepath.Join("testdata", "entra", "groups.json")
	sc := readGroupScenario(t, path)
	for _, mode := range entraModes {
		t.Run(mode, func(t *testing.T) {
			runGroupScenario(t, newTenant(t, r), sc, mode, mode == entraModes[0])
		})
	}
	writeGroupScenario(t, path, sc)
}

func TestOktaGroupGoldens(t *testing.T) {
	r := startReplica(t)
	for _, idp := range []string{"okta", "onelogin"} {
		t.Run(idp, func(t *testing.T) {
			path := filepath.Join("testdata", idp, "groups.json")
			sc := readGroupScenario(t, path)
			runGroupScenario(t, newTenant(t, r), sc, idp, true)
			writeGroupScenario(t, path, sc)
		})
	}
}

func readGroupScenario(t *testing.T, path string) *groupScenario {
	t.Helper()
	var sc groupScenario
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &sc
}

func writeGroupScenario(t *testing.T, path string, sc *groupScenario) {
	t.Helper()
	if !*update {
		return
	}
	out, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runGroupScenario(t *testing.T, tn *tenant, sc *groupScenario, mode string, primary bool) {
	vars := map[string]string{"ns": tn.namespace}
	for i, userName := range sc.Users {
		r := tn.do("POST", "/Users", user(strings.ReplaceAll(userName, "{{ns}}", tn.namespace)))
		if r.status != 201 {
			t.Fatalf("create user %s: %s", userName, r)
		}
		vars["user"+string(rune('1'+i))] = r.body["id"].(string)
	}
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
		if len(got.raw) > 0 && got.header.Get("Content-Type") != "application/scim+json" {
			t.Errorf("step %q: Content-Type %q", step.Name, got.header.Get("Content-Type"))
		}
		if step.Capture != "" {
			vars[step.Capture] = got.body["id"].(string)
		}
		record := primary || step.Mode == mode
		checkJSON(t, step.Name+": response", &step.Response, sortMembers(normalise(t, got.raw, vars, tn.base)), record)
		var spec, members any
		if gr := tn.storedGroup(vars["group"]); gr != nil && gr.DeletionTimestamp.IsZero() {
			spec = normalise(t, mustJSON(t, gr.Spec), vars, tn.base)
			ids, _ := tn.storedMembers(vars["group"])
			list := normalise(t, mustJSON(t, ids), vars, tn.base).([]any)
			slices.SortFunc(list, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
			members = list
		}
		checkJSON(t, step.Name+": stored group", &step.StoredGroup, spec, record)
		checkJSON(t, step.Name+": stored members", &step.StoredMembers, members, record)
	}
}

// sortMembers orders every "members" list by value, once ids are
// placeholders: the server lists members by id, which differs run to run.
func sortMembers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if list, ok := e.([]any); ok && k == "members" {
				slices.SortFunc(list, func(a, b any) int {
					return strings.Compare(fmt.Sprint(a.(map[string]any)["value"]), fmt.Sprint(b.(map[string]any)["value"]))
				})
			}
			sortMembers(e)
		}
	case []any:
		for _, e := range x {
			sortMembers(e)
		}
	}
	return v
}
