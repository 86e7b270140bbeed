package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	identityv1alpha1 "github.com/rollcall-dev/rollcall/api/v1alpha1"
	"github.com/rollcall-dev/rollcall/hack/bench/scimload"
)

// Phase names, as the breakdowns and the JSON name them.
const (
	phaseRaw   = "raw create"
	phasePost  = "SCIM POST → member in store"
	phaseCycle = "Entra-style cycle"
)

// quietSlack is how many requests in a 2 s scrape interval, above the idle
// background, still count as quiet.
const quietSlack = 5

// Issue targets.
const (
	targetPostRequests  = 3.0
	targetCycleRequests = 5.0
	targetRatio         = 0.8
	targetCycleSeconds  = 120.0
	targetFlat          = 0.8 // later users/s at least this fraction of the first
	targetBytesPerUser  = 6 * 1024
	targetFilterP99ms   = 5.0
	targetCycleUsers    = 10000
)

type bench struct {
	cfg      config
	rep      *report
	stack    *stack // nil: remote SCIM server
	kube     *kube
	store    *storeWatcher
	scimURL  string
	token    string
	scim     *scimload.Client
	runner   *scimload.Runner
	naming   scimload.Naming
	filler   scimload.Naming
	pid      int
	rss0     int64
	rawRate  float64
	postRate float64

	// background is the idle system's request rate per series (leader
	// election renewals and the like), subtracted from every window.
	background map[requestKey]float64

	mu      sync.Mutex
	created []scimload.Created // users created over SCIM, in creation order
	fillers int                // filler users created directly in the demo workspace
	rawDone int                // users created directly in the raw workspace
	// pending filter sizes, ascending.
	sizes []int
}

func (b *bench) local() bool { return b.stack != nil }

// storeKey is what the store watcher knows a created user's member by: its
// userName. The member key cannot be told from the SCIM response: the SCIM
// server mints it (docs/design/0800-identity-across-restores.md).
func (b *bench) storeKey(c scimload.Created) string { return b.naming.UserName(c.Index) }

func (b *bench) runPhases(ctx context.Context) error {
	run := strconv.FormatInt(time.Now().Unix()%1e6, 36)
	b.naming = scimload.Naming{Prefix: "u" + run + "-", Domain: demoDomain}
	b.filler = scimload.Naming{Prefix: "f" + run + "-", Domain: fillerDomain}
	b.scim = scimload.NewClient(b.scimURL, b.token, b.cfg.concurrency)
	b.runner = &scimload.Runner{Client: b.scim, Naming: b.naming, Concurrency: b.cfg.concurrency, OnCreated: b.onCreated}
	b.sizes = slices.Clone(b.cfg.filterSizes)

	if b.local() {
		if err := b.setUp(ctx); err != nil {
			return err
		}
		if err := b.rawPhase(ctx); err != nil {
			return err
		}
	} else {
		b.rep.na("raw create rate", "", "needs the local stack")
	}
	if err := b.postPhase(ctx); err != nil {
		return err
	}
	if err := b.cyclePhase(ctx); err != nil {
		return err
	}
	b.memoryFigure(phaseCycle)
	return b.fillerSizes(ctx)
}

// setUp raises the limits, approves example.com, makes the raw workspace,
// starts watching the member store and measures the idle background.
func (b *bench) setUp(ctx context.Context) error {
	var err error
	if b.kube, err = newKube(b.stack.kubeconfig); err != nil {
		return err
	}
	step("raising the demo workspace's SCIM and backend rate limits to %d/s, burst %d", benchLimit, benchLimit)
	if err := b.kube.raiseLimits(ctx, demoNamespace, demoWorkspace); err != nil {
		return err
	}
	step("approving %s; creating workspace %s/%s (domain %s, preapproved) for the raw creates", demoDomain, rawNamespace, rawWorkspace, rawDomain)
	if err := b.kube.approveDemoDomain(ctx); err != nil {
		return err
	}
	if err := b.kube.createRawWorkspace(ctx, b.stack.state); err != nil {
		return err
	}
	if b.pid, err = managerPID(b.stack.kubeconfig); err != nil {
		return err
	}
	b.store = newStoreWatcher(filepath.Join(b.stack.state, "members.db"), 20*time.Millisecond)
	go b.store.run(ctx)

	step("waiting for the system to go quiet, then measuring its idle request rate for 10 s")
	b.waitQuiet(ctx, "setup")
	before, err := b.kube.metrics.scrape(ctx)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := sleepCtx(ctx, 10*time.Second); err != nil {
		return err
	}
	after, err := b.kube.metrics.scrape(ctx)
	if err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	b.background = map[requestKey]float64{}
	bg := 0.0
	for k, v := range after.sub(before) {
		b.background[k] = v / secs
		bg += v / secs
	}
	b.rep.note("idle API server background: %.2f requests/s (subtracted from every window, per verb and resource)", bg)
	if b.rss0, err = rssBytes(b.pid); err != nil {
		return err
	}
	b.rep.note("manager RSS before any user: %.1f MiB", float64(b.rss0)/(1<<20))
	return nil
}

// window accumulates API server requests over one or more intervals.
type window struct {
	b      *bench
	acc    requestCounts
	dur    time.Duration
	start  requestCounts
	opened time.Time
}

func (b *bench) openWindow(ctx context.Context) (*window, error) {
	w := &window{b: b, acc: requestCounts{}}
	return w, w.resume(ctx)
}

func (w *window) resume(ctx context.Context) error {
	if w.b.kube == nil {
		return nil
	}
	var err error
	w.start, err = w.b.kube.metrics.scrape(ctx)
	w.opened = time.Now()
	return err
}

func (w *window) pause(ctx context.Context) error {
	if w.b.kube == nil {
		return nil
	}
	end, err := w.b.kube.metrics.scrape(ctx)
	if err != nil {
		return err
	}
	d := time.Since(w.opened)
	w.dur += d
	w.acc.add(end.sub(w.start).minusBackground(w.b.background, d))
	return nil
}

// waitQuiet waits until two consecutive 2 s scrape intervals show no more
// than the idle background (plus quietSlack), or the quiet timeout.
func (b *bench) waitQuiet(ctx context.Context, after string) {
	if b.kube == nil {
		return
	}
	start := time.Now()
	deadline := start.Add(b.cfg.quietTimeout)
	prev, err := b.kube.metrics.scrape(ctx)
	quiet := 0
	for err == nil && time.Now().Before(deadline) {
		if sleepCtx(ctx, 2*time.Second) != nil {
			return
		}
		var cur requestCounts
		if cur, err = b.kube.metrics.scrape(ctx); err != nil {
			break
		}
		if cur.sub(prev).minusBackground(b.background, 2*time.Second).total() <= quietSlack {
			quiet++
		} else {
			quiet = 0
		}
		prev = cur
		if quiet == 2 {
			return
		}
	}
	if err != nil {
		b.rep.note("waiting for quiet after %s: %v", after, err)
		return
	}
	b.rep.note("the API server did not go quiet within %s after %s; later figures include its leftover work", b.cfg.quietTimeout, after)
}

func (b *bench) onCreated(c scimload.Created) {
	b.mu.Lock()
	b.created = append(b.created, c)
	b.mu.Unlock()
	if b.store != nil {
		b.store.markPosted(b.storeKey(c), c.PostSent)
	}
}

// keysFrom is the store keys (storeKey) of the SCIM users created from index from on.
func (b *bench) keysFrom(from int) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keys []string
	for _, c := range b.created {
		if c.Index >= from {
			keys = append(keys, b.storeKey(c))
		}
	}
	return keys
}

// rawPhase creates WorkspaceUsers directly, at the load's concurrency, in
// the raw workspace (controllers running, provisioning them).
func (b *bench) rawPhase(ctx context.Context) error {
	n := b.cfg.rawUsers
	if n == 0 {
		b.rep.na("raw create rate", "", "-raw-users 0")
		return nil
	}
	step("phase 1: creating %d WorkspaceUsers directly through the API server (concurrency %d)", n, b.cfg.concurrency)
	naming := scimload.Naming{Prefix: "r-", Domain: rawDomain}
	w, err := b.openWindow(ctx)
	if err != nil {
		return err
	}
	lat, elapsed, err := b.kube.rawCreate(ctx, b.cfg.concurrency, 0, n, func(i int) *identityv1alpha1.WorkspaceUser {
		return rawUser(rawNamespace, rawWorkspace, "raw-", naming, i)
	})
	if err != nil {
		return err
	}
	b.rawDone = n
	b.rawRate = float64(n) / elapsed.Seconds()
	b.rep.add("raw create rate", b.rawRate, "users/s", "", nil)
	b.rep.add("raw create latency p50", ms(lat.Percentile(50)), "ms", "", nil)
	b.rep.add("raw create latency p99", ms(lat.Percentile(99)), "ms", "", nil)
	b.waitQuiet(ctx, phaseRaw)
	if err := w.pause(ctx); err != nil {
		return err
	}
	b.breakdown(phaseRaw, w.acc, n)
	b.rep.add("API requests per raw-created user (incl. the bench's create)", w.acc.total()/float64(n), "req/user", "", nil)
	return nil
}

// segments splits [from, to) at the pending filter sizes and at the extra
// boundaries, ascending.
func (b *bench) segments(from, to int, extra ...int) []int {
	cuts := []int{to}
	for _, s := range append(slices.Clone(b.sizes), extra...) {
		if s > from && s < to {
			cuts = append(cuts, s)
		}
	}
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// postPhase POSTs users 0..postUsers-1 and waits for each in the store.
func (b *bench) postPhase(ctx context.Context) error {
	n := b.cfg.postUsers
	if n == 0 {
		b.rep.na("SCIM POST rate", "", "-post-users 0")
		return nil
	}
	step("phase 2: POST /Users for %d users (concurrency %d)", n, b.cfg.concurrency)
	w, err := b.openWindow(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	var paused time.Duration
	stats := scimload.Stats{}
	from := 0
	for _, cut := range b.segments(0, n) {
		st := b.runner.Run(ctx, scimload.PostOnly, from, cut)
		stats.Merge(st)
		if err := loadErr(st, cut-from); err != nil {
			return err
		}
		from = cut
		if cut < n && b.sizePending(cut) {
			p, err := b.checkpoint(ctx, w, 0)
			if err != nil {
				return err
			}
			paused += p
		}
	}
	rate := stats.UsersPerSecond()
	b.postRate = rate
	b.rep.add("SCIM POST rate", rate, "users/s", "", nil)
	if b.rawRate > 0 {
		b.rep.add("SCIM POST rate / raw create rate", rate/b.rawRate, "", "≥ 0.8", func(v float64) bool { return v >= targetRatio })
	}
	post := stats.Latencies[scimload.KindPost]
	b.rep.add("POST latency p50", ms(post.Percentile(50)), "ms", "", nil)
	b.rep.add("POST latency p99", ms(post.Percentile(99)), "ms", "", nil)
	if !b.local() {
		b.rep.na("POST → member in store p50/p99", "", "needs the local stack")
		return b.filterIfPending(ctx, n)
	}
	keys := b.keysFrom(0)
	last, err := b.store.waitAll(ctx, keys, b.cfg.storeTimeout)
	if err != nil {
		return err
	}
	lat := b.store.latencies(keys)
	b.rep.add("POST → member in store p50", ms(lat.Percentile(50)), "ms", "", nil)
	b.rep.add("POST → member in store p99", ms(lat.Percentile(99)), "ms", "", nil)
	b.rep.add(fmt.Sprintf("time until all %d POSTed users are in the store", n), (last.Sub(start) - paused).Seconds(), "s", "", nil)
	b.waitQuiet(ctx, phasePost)
	if err := w.pause(ctx); err != nil {
		return err
	}
	b.breakdown(phasePost, w.acc, n)
	b.rep.add("API requests per user, POST → member in store", w.acc.total()/float64(n), "req/user", "≤ 3", func(v float64) bool { return v <= targetPostRequests })
	b.rep.add("409s per user, POST phase", w.acc.conflicts()/float64(n), "409/user", "", nil)
	return b.filterIfPending(ctx, n)
}

// cyclePhase runs the Entra-style cycle for users postUsers..users-1.
func (b *bench) cyclePhase(ctx context.Context) error {
	from, to := b.cfg.postUsers, b.cfg.users
	n := to - from
	if n == 0 {
		b.rep.na("Entra-style cycle", "", "no users left for it (-post-users = -users)")
		return nil
	}
	step("phase 3: Entra-style cycle (filter, POST, GET, PATCH manager) for users %d..%d (concurrency %d)", from, to-1, b.cfg.concurrency)
	if from > 0 {
		b.mu.Lock()
		b.runner.SeedManager(b.created[len(b.created)-1].ID)
		b.mu.Unlock()
	}
	firstBlock := from + min(2000, n)
	w, err := b.openWindow(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	var paused time.Duration
	stats := scimload.Stats{}
	blocks := [2]scimload.Stats{}
	cur := from
	for _, cut := range b.segments(from, to, firstBlock) {
		st := b.runner.Run(ctx, scimload.Cycle, cur, cut)
		stats.Merge(st)
		blocks[boolIndex(cut > firstBlock)].Merge(st)
		if err := loadErr(st, cut-cur); err != nil {
			return err
		}
		cur = cut
		if cut < to && b.sizePending(cut) {
			p, err := b.checkpoint(ctx, w, from)
			if err != nil {
				return err
			}
			paused += p
		}
	}
	requestsDone := stats.Elapsed
	label := func(a, z int) string { return fmt.Sprintf("cycle users/s, residents %d→%d", a, z) }
	b.rep.add(label(from, firstBlock), blocks[0].UsersPerSecond(), "users/s", "", nil)
	if firstBlock < to {
		b.rep.add(label(firstBlock, to), blocks[1].UsersPerSecond(), "users/s", "", nil)
		b.rep.add("cycle users/s, later / first", blocks[1].UsersPerSecond()/blocks[0].UsersPerSecond(), "", "flat (≥ 0.8)", func(v float64) bool { return v >= targetFlat })
	}
	for _, k := range scimload.Kinds {
		l := stats.Latencies[k]
		if l.Count() == 0 {
			continue
		}
		b.rep.add(fmt.Sprintf("cycle %s p50", k), ms(l.Percentile(50)), "ms", "", nil)
		b.rep.add(fmt.Sprintf("cycle %s p99", k), ms(l.Percentile(99)), "ms", "", nil)
	}
	b.rep.add(fmt.Sprintf("cycle time for %d users, SCIM requests", n), requestsDone.Seconds(), "s", "", nil)
	if !b.local() {
		b.cycleTarget(n, requestsDone)
		return b.filterIfPending(ctx, to)
	}
	keys := b.keysFrom(from)
	last, err := b.store.waitAll(ctx, keys, b.cfg.storeTimeout)
	if err != nil {
		return err
	}
	// The last member can appear before the last PATCH is answered.
	whole := max(last.Sub(start)-paused, requestsDone)
	b.rep.add(fmt.Sprintf("cycle time for %d users, until all in the store", n), whole.Seconds(), "s", "", nil)
	b.cycleTarget(n, whole)
	lat := b.store.latencies(keys)
	b.rep.add("cycle POST → member in store p50", ms(lat.Percentile(50)), "ms", "", nil)
	b.rep.add("cycle POST → member in store p99", ms(lat.Percentile(99)), "ms", "", nil)
	b.waitQuiet(ctx, phaseCycle)
	if err := w.pause(ctx); err != nil {
		return err
	}
	b.breakdown(phaseCycle, w.acc, n)
	b.rep.add("API requests per user, whole cycle", w.acc.total()/float64(n), "req/user", "≤ 5", func(v float64) bool { return v <= targetCycleRequests })
	b.rep.add("409s in the cycle (API server)", w.acc.conflicts(), "", "0", func(v float64) bool { return v == 0 })
	b.rep.add("409s per user, cycle", w.acc.conflicts()/float64(n), "409/user", "", nil)
	return b.filterIfPending(ctx, to)
}

// cycleTarget compares the cycle with the 10,000-user target: measured
// when the cycle had 10,000 users, else projected at its measured rate.
func (b *bench) cycleTarget(n int, d time.Duration) {
	ok := func(v float64) bool { return v < targetCycleSeconds }
	if n == targetCycleUsers {
		b.rep.add("10,000-user cycle time (measured)", d.Seconds(), "s", "< 120 s", ok)
		return
	}
	b.rep.add("10,000-user cycle time (projected from this cycle's rate)", d.Seconds()*targetCycleUsers/float64(n), "s", "< 120 s", ok)
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

func loadErr(st scimload.Stats, want int) error {
	if st.ErrorCount() > 0 || st.Users != want {
		return fmt.Errorf("%d of %d users done, %d requests failed; first error: %s", st.Users, want, st.ErrorCount(), st.FirstErr)
	}
	return nil
}

func (b *bench) sizePending(n int) bool { return slices.Contains(b.sizes, n) }

// residents is how many users the demo workspace holds.
func (b *bench) residents() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.created) + b.fillers
}

// checkpoint pauses a phase to measure filter latency at the current size:
// wait for the store and quiet, pause the window, measure, resume. It
// returns how long the phase was paused.
func (b *bench) checkpoint(ctx context.Context, w *window, phaseFrom int) (time.Duration, error) {
	t := time.Now()
	if b.local() {
		if _, err := b.store.waitAll(ctx, b.keysFrom(phaseFrom), b.cfg.storeTimeout); err != nil {
			return 0, err
		}
		b.waitQuiet(ctx, "a filter checkpoint")
	}
	if err := w.pause(ctx); err != nil {
		return 0, err
	}
	if err := b.filterIfPending(ctx, b.residents()); err != nil {
		return 0, err
	}
	if err := w.resume(ctx); err != nil {
		return 0, err
	}
	return time.Since(t), nil
}

// filterIfPending measures filter latency when size is a pending size.
func (b *bench) filterIfPending(ctx context.Context, size int) error {
	if !b.sizePending(size) {
		return nil
	}
	b.sizes = slices.DeleteFunc(b.sizes, func(s int) bool { return s == size })
	step("filter latency at %d users: %d requests", size, b.cfg.filterRequests)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	b.mu.Lock()
	scimNames := make([]string, len(b.created))
	for i, c := range b.created {
		scimNames[i] = b.naming.UserName(c.Index)
	}
	fillers := b.fillers
	b.mu.Unlock()
	pick := func(int) string {
		i := rng.IntN(len(scimNames) + fillers)
		if i < len(scimNames) {
			return scimNames[i]
		}
		return b.filler.UserName(i - len(scimNames))
	}
	lat, err := scimload.FilterProbe(ctx, b.scim, b.cfg.filterRequests, pick)
	if err != nil {
		return fmt.Errorf("filter at %d users: %w", size, err)
	}
	name := fmt.Sprintf("filter p99 at %d users", size)
	b.rep.add(name, ms(lat.Percentile(99)), "ms", "≤ 5 ms", func(v float64) bool { return v <= targetFilterP99ms })
	b.rep.Figures[len(b.rep.Figures)-1].Note = fmt.Sprintf("p50 %.2f ms", ms(lat.Percentile(50)))
	return nil
}

// fillerSizes reaches the filter sizes above the SCIM users with users
// created directly in the demo workspace (held: their domain is claimed by
// no workspace), then measures each.
func (b *bench) fillerSizes(ctx context.Context) error {
	for len(b.sizes) > 0 {
		size := b.sizes[0]
		have := b.residents()
		switch {
		case size == have:
			if err := b.filterIfPending(ctx, size); err != nil {
				return err
			}
			continue
		case size < have:
			b.rep.na(fmt.Sprintf("filter p99 at %d users", size), "≤ 5 ms", fmt.Sprintf("the workspace already had %d users", have))
			b.sizes = b.sizes[1:]
			continue
		case !b.local():
			b.rep.na(fmt.Sprintf("filter p99 at %d users", size), "≤ 5 ms", "sizes above -users need the local stack")
			b.sizes = b.sizes[1:]
			continue
		case b.cfg.noFiller:
			b.rep.na(fmt.Sprintf("filter p99 at %d users", size), "≤ 5 ms", "skipped (-no-filler)")
			b.sizes = b.sizes[1:]
			continue
		}
		step("creating %d filler users directly in the demo workspace to reach %d", size-have, size)
		from, to := b.fillers, b.fillers+size-have
		_, elapsed, err := b.kube.rawCreate(ctx, b.cfg.concurrency, from, to, func(i int) *identityv1alpha1.WorkspaceUser {
			return rawUser(demoNamespace, demoWorkspace, "fill-", b.filler, i)
		})
		if err != nil {
			return err
		}
		b.mu.Lock()
		b.fillers = to
		b.mu.Unlock()
		b.rep.note("filler users %d..%d created at %.0f/s", from, to-1, float64(to-from)/elapsed.Seconds())
		b.waitQuiet(ctx, "the filler users")
		if err := b.waitFound(ctx, b.filler.UserName(to-1)); err != nil {
			return err
		}
		if err := b.filterIfPending(ctx, size); err != nil {
			return err
		}
	}
	if b.fillers > 0 {
		b.memoryFigure(fmt.Sprintf("%d users", b.residents()))
	}
	return nil
}

// waitFound waits until the SCIM server's cache has userName.
func (b *bench) waitFound(ctx context.Context, userName string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		found, _, err := b.scim.FilterUserName(ctx, userName)
		if err == nil && len(found) == 1 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("the SCIM server does not find %s two minutes after it was created", userName), err)
		}
		if err := sleepCtx(ctx, 500*time.Millisecond); err != nil {
			return err
		}
	}
}

// memoryFigure is the manager's RSS growth since before any user, per
// WorkspaceUser in the cluster (its caches hold every workspace's).
func (b *bench) memoryFigure(when string) {
	if !b.local() {
		b.rep.na("manager RSS per resident user", "≤ 6 KiB", "needs the local stack")
		return
	}
	rss, err := rssBytes(b.pid)
	if err != nil {
		b.rep.note("manager RSS %s: %v", when, err)
		return
	}
	users := b.residents() + b.rawDone
	b.rep.add(fmt.Sprintf("manager RSS per resident user (after %s, %d users)", when, users), float64(rss-b.rss0)/float64(users)/1024, "KiB", "≤ 6 KiB",
		func(v float64) bool { return v*1024 <= targetBytesPerUser })
	b.rep.Figures[len(b.rep.Figures)-1].Note = fmt.Sprintf("RSS %.1f MiB", float64(rss)/(1<<20))
}

// breakdown records requests per user by verb and resource for a phase.
func (b *bench) breakdown(phase string, c requestCounts, users int) {
	m := map[string]float64{}
	for k, v := range c.byVerbResource() {
		m[k] = v / float64(users)
	}
	b.rep.Breakdown[phase] = m
}
