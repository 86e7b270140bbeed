package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// figure is one measured number, its target and whether it met it.
type figure struct {
	Name   string   `json:"name"`
	Value  *float64 `json:"value"` // nil: not measured (n/a)
	Unit   string   `json:"unit,omitempty"`
	Target string   `json:"target,omitempty"`
	Met    *bool    `json:"met,omitempty"`
	Note   string   `json:"note,omitempty"`
}

// report is everything a run prints, and its JSON file.
type report struct {
	Started  time.Time         `json:"started"`
	Duration string            `json:"duration"`
	Params   map[string]any    `json:"params"`
	Machine  map[string]string `json:"machine"`
	Figures  []figure          `json:"figures"`
	// Breakdown is, per phase, API server requests per user by verb and
	// resource ("CREATE leases", "… 409" for the conflicts among them).
	Breakdown map[string]map[string]float64 `json:"apiRequestsPerUserByVerbAndResource"`
	Notes     []string                      `json:"notes,omitempty"`
}

func newReport() *report {
	return &report{Started: time.Now(), Params: map[string]any{}, Machine: machine(), Breakdown: map[string]map[string]float64{}}
}

// add records a figure. check, when set, decides whether it met its target.
func (r *report) add(name string, v float64, unit, target string, check func(float64) bool) {
	v = round(v)
	f := figure{Name: name, Value: &v, Unit: unit, Target: target}
	if check != nil {
		met := check(v)
		f.Met = &met
	}
	r.Figures = append(r.Figures, f)
}

// na records a figure this run could not measure, and why.
func (r *report) na(name, target, why string) {
	r.Figures = append(r.Figures, figure{Name: name, Target: target, Note: why})
}

func (r *report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

func round(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return math.Round(v*10) / 10
	case a >= 1:
		return math.Round(v*100) / 100
	default:
		return math.Round(v*1000) / 1000
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printTable writes the figures as an aligned table, then the breakdowns.
func (r *report) printTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "FIGURE\tVALUE\tTARGET\tMET\tNOTE")
	for _, f := range r.Figures {
		value := "n/a"
		if f.Value != nil {
			value = fmt.Sprintf("%v %s", *f.Value, f.Unit)
		}
		met := ""
		if f.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*f.Met]
		}
		target := f.Target
		if target == "" {
			target = "-"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Name, strings.TrimSpace(value), target, met, f.Note)
	}
	_ = tw.Flush()
	for _, phase := range sortedPhaseNames(r.Breakdown) {
		b := r.Breakdown[phase]
		_, _ = fmt.Fprintf(w, "\nAPI requests per user, %s (by verb and resource):\n", phase)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range sortedBreakdown(b) {
			if round(b[k]) == 0 {
				continue // fewer than one in 2,000 users
			}
			_, _ = fmt.Fprintf(tw, "  %s\t%v\n", k, round(b[k]))
		}
		_ = tw.Flush()
	}
	if len(r.Notes) > 0 {
		_, _ = fmt.Fprintln(w, "\nNotes:")
		for _, n := range r.Notes {
			_, _ = fmt.Fprintln(w, "  - "+n)
		}
	}
}

func sortedPhaseNames(m map[string]map[string]float64) []string {
	order := []string{phaseRaw, phasePost, phaseCycle}
	var out []string
	for _, p := range order {
		if _, ok := m[p]; ok {
			out = append(out, p)
		}
	}
	return out
}

func (r *report) writeJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// machine describes where the run ran.
func machine() map[string]string {
	m := map[string]string{
		"cpus":      fmt.Sprint(runtime.NumCPU()),
		"goVersion": runtime.Version(),
		"os":        runtime.GOOS + "/" + runtime.GOARCH,
	}
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpuModel"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(raw)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				m["memTotal"] = strings.TrimSpace(v)
			}
		}
	}
	return m
}
