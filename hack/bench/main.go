// Command bench is `make bench`: it starts the local stack (hack/runlocal:
// etcd, kube-apiserver, the manager with an SQLite member store), raises the
// demo workspace's rate limits, and measures what each provisioned user
// costs the Kubernetes API server and how fast provisioning runs: raw
// create rate against SCIM POST rate, an Entra-style initial cycle, POST →
// member-in-store latency, filter latency at several sizes, manager memory
// per user and API requests per user by verb and resource. It prints a
// table and writes the same figures as JSON.
//
// With -scim-url and -token the load goes to an existing SCIM server
// instead; the Kubernetes-side figures are then n/a.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rollcall-dev/rollcall/internal/testenv"
)

type config struct {
	users          int
	concurrency    int
	postUsers      int
	rawUsers       int
	filterSizes    []int
	filterRequests int
	noFiller       bool
	jsonPath       string
	state          string
	keepState      bool
	scimURL        string
	token          string
	quietTimeout   time.Duration
	storeTimeout   time.Duration
	timeout        time.Duration
}

func main() {
	cfg := config{}
	var sizes string
	flag.IntVar(&cfg.users, "users", 10000, "Users provisioned over SCIM: the POST-only phase takes the first -post-users, the Entra-style cycle the rest.")
	flag.IntVar(&cfg.concurrency, "concurrency", 8, "Concurrent requests of the load (raw creates and SCIM alike).")
	flag.IntVar(&cfg.postUsers, "post-users", -1, "Users of the POST-only phase (default min(2000, users/5)); 0 skips it and the cycle takes every user.")
	flag.IntVar(&cfg.rawUsers, "raw-users", -1, "WorkspaceUsers created directly through the API server to measure the raw create rate (default min(users, 2000)).")
	flag.StringVar(&sizes, "filter-sizes", "1000,10000,50000", "Workspace sizes (users) at which to measure filter latency; sizes above -users are reached with users created directly through the API server. Empty: none.")
	flag.IntVar(&cfg.filterRequests, "filter-requests", 1000, "Filter requests per size (one at a time, random existing users).")
	flag.BoolVar(&cfg.noFiller, "no-filler", false, "Skip the filter sizes above -users (no extra users are created).")
	flag.StringVar(&cfg.jsonPath, "json", "bin/bench.json", "Where to write the figures as JSON.")
	flag.StringVar(&cfg.state, "state", "", "State directory of the local stack (default: a new temporary directory, removed afterwards).")
	flag.BoolVar(&cfg.keepState, "keep-state", false, "Keep the temporary state directory (logs, etcd data, member stores).")
	flag.StringVar(&cfg.scimURL, "scim-url", "", "Send the load to this SCIM base URL (Tenant URL) instead of starting the local stack.")
	flag.StringVar(&cfg.token, "token", "", "Bearer token for -scim-url.")
	flag.DurationVar(&cfg.quietTimeout, "quiet-timeout", 5*time.Minute, "How long to wait for the API server to go quiet after a phase.")
	flag.DurationVar(&cfg.storeTimeout, "store-timeout", 10*time.Minute, "How long to wait for every POSTed user to reach the member store.")
	flag.DurationVar(&cfg.timeout, "timeout", 45*time.Minute, "Stop the whole run after this long.")
	flag.Parse()

	var err error
	if cfg.filterSizes, err = parseSizes(sizes); err != nil {
		fail(err)
	}
	if cfg.users < 1 || cfg.concurrency < 1 {
		fail(fmt.Errorf("-users and -concurrency must be at least 1"))
	}
	if cfg.postUsers < 0 {
		cfg.postUsers = min(2000, cfg.users/5)
	}
	cfg.postUsers = min(cfg.postUsers, cfg.users)
	if cfg.rawUsers < 0 {
		cfg.rawUsers = min(cfg.users, 2000)
	}
	if (cfg.scimURL == "") != (cfg.token == "") {
		fail(fmt.Errorf("-scim-url and -token go together"))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	rep, err := run(ctx, cfg)
	if rep != nil {
		fmt.Println()
		rep.printTable(os.Stdout)
		if werr := rep.writeJSON(cfg.jsonPath); werr != nil {
			fmt.Fprintln(os.Stderr, "bench: write JSON:", werr)
		} else {
			fmt.Printf("\nfigures written to %s\n", cfg.jsonPath)
		}
	}
	if err != nil {
		fail(err)
	}
}

func run(ctx context.Context, cfg config) (*report, error) {
	rep := newReport()
	rep.Params = map[string]any{
		"users": cfg.users, "concurrency": cfg.concurrency, "postUsers": cfg.postUsers, "cycleUsers": cfg.users - cfg.postUsers,
		"rawUsers": cfg.rawUsers, "filterSizes": cfg.filterSizes, "filterRequests": cfg.filterRequests,
		"remote": cfg.scimURL != "",
	}
	b := &bench{cfg: cfg, rep: rep}
	defer func() { rep.Duration = time.Since(rep.Started).Round(time.Second).String() }()
	if cfg.scimURL != "" {
		b.scimURL, b.token = cfg.scimURL, cfg.token
		rep.note("load sent to %s; the Kubernetes-side figures (API requests, 409s, member store, manager memory, raw creates) are n/a", cfg.scimURL)
		return rep, b.runPhases(ctx)
	}

	root, err := testenv.RepoRoot()
	if err != nil {
		return nil, err
	}
	state := cfg.state
	if state == "" {
		if state, err = os.MkdirTemp("", "rollcall-bench-"); err != nil {
			return nil, err
		}
		if !cfg.keepState {
			defer func() { _ = os.RemoveAll(state) }()
		}
	} else if state, err = filepath.Abs(state); err != nil {
		return nil, err
	}
	step("starting the local stack (hack/runlocal, state in %s)", state)
	s, err := startStack(ctx, root, state)
	if err != nil {
		return nil, err
	}
	// Stop the stack even when ctx is cancelled (Ctrl-C, -timeout).
	defer func() {
		step("stopping the local stack")
		s.stop()
	}()
	b.stack, b.scimURL, b.token = s, s.scimURL, s.token
	return rep, b.runPhases(ctx)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-filter-sizes: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func step(format string, args ...any) {
	fmt.Printf("==> %s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
