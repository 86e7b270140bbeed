package config

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

var metricName = regexp.MustCompile(`\brollcall_[a-z_]+`)

// TestDashboardQueriesExportedMetrics reads the shipped Grafana dashboard
// and checks that every Rollcall metric it queries is one the code
// exports, so a renamed metric cannot leave a panel empty.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "grafana", "rollcall-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("dashboard is not JSON: %v", err)
	}
	exported := exportedMetrics(t, root)
	queried := 0
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			for _, name := range metricName.FindAllString(target.Expr, -1) {
				queried++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
				if !exported[base] {
					t.Errorf("panel %q queries %s, which no code exports", p.Title, name)
				}
			}
		}
	}
	if queried == 0 {
		t.Fatal("the dashboard queries no Rollcall metric")
	}

	kubectl := filepath.Join(env.BinaryAssetsDirectory, "kubectl")
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(root, "config", "grafana")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize config/grafana: %v", err)
	}
	for _, want := range []string{"kind: ConfigMap", "grafana_dashboard: \"1\"", "rollcall-dashboard.json:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("config/grafana renders without %q", want)
		}
	}
}

// exportedMetrics lists the rollcall_ metric names that the non-test Go
// code of the repository names in string literals.
func exportedMetrics(t *testing.T, root string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	literal := regexp.MustCompile(`"(rollcall_[a-z_]+)"`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bin" || d.Name() == ".git" || d.Name() == "hack") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			names[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}
