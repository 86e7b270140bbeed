package scimload

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what the load does for each user.
type Mode int

const (
	// PostOnly sends one POST /Users per user.
	PostOnly Mode = iota
	// Cycle sends what Entra sends for a user not yet in the target during an
	// initial cycle: filter by userName (no match), POST, GET by id, PATCH
	// the manager (the previously created user).
	Cycle
)

func (m Mode) String() string {
	if m == Cycle {
		return "cycle"
	}
	return "post"
}

// Naming makes the userName and externalId of user i.
type Naming struct {
	Prefix string // e.g. "bench-"
	Domain string // e.g. "example.com"
}

// UserName of user i.
func (n Naming) UserName(i int) string { return fmt.Sprintf("%s%07d@%s", n.Prefix, i, n.Domain) }

// ExternalID of user i.
func (n Naming) ExternalID(i int) string { return fmt.Sprintf("%s%07d", n.Prefix, i) }

// Created is a user the load created: its index, SCIM id and when its POST
// was sent.
type Created struct {
	Index    int
	ID       string
	PostSent time.Time
}

// Runner sends load to one SCIM server.
type Runner struct {
	Client      *Client
	Naming      Naming
	Concurrency int
	// OnCreated, when set, is called once per created user (from the
	// worker goroutines).
	OnCreated func(Created)
	// MaxErrors stops a run after that many failed requests (default 50).
	MaxErrors int

	lastID atomic.Value // string: the most recently created user, the next one's manager
}

// SeedManager makes id the manager of the next cycle's first user.
func (r *Runner) SeedManager(id string) { r.lastID.Store(id) }

// Stats is what a run measured.
type Stats struct {
	Users     int
	Elapsed   time.Duration
	Latencies map[Kind]*Latencies
	Errors    map[Kind]int
	Retries   map[Kind]int // 429s retried
	FirstErr  string
}

// UsersPerSecond is Users / Elapsed.
func (s Stats) UsersPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Users) / s.Elapsed.Seconds()
}

// ErrorCount is the failed requests of every kind.
func (s Stats) ErrorCount() int {
	n := 0
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// Run provisions users from (inclusive) to to (exclusive) with r.Concurrency
// workers and returns when all are done, the context ends or MaxErrors
// requests failed.
func (r *Runner) Run(ctx context.Context, mode Mode, from, to int) Stats {
	stats := Stats{Latencies: map[Kind]*Latencies{}, Errors: map[Kind]int{}, Retries: map[Kind]int{}}
	var mu sync.Mutex
	record := func(k Kind, res Result, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		if stats.Latencies[k] == nil {
			stats.Latencies[k] = &Latencies{}
		}
		stats.Retries[k] += res.Retries
		if err != nil {
			stats.Errors[k]++
			if stats.FirstErr == "" {
				stats.FirstErr = err.Error()
			}
			return false
		}
		stats.Latencies[k].Add(res.Duration)
		return true
	}
	maxErrors := r.MaxErrors
	if maxErrors == 0 {
		maxErrors = 50
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errCount, done atomic.Int64
	next := make(chan int)
	go func() {
		defer close(next)
		for i := from; i < to; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	workers := max(r.Concurrency, 1)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				ok := r.one(ctx, mode, i, record)
				if !ok && errCount.Add(1) >= int64(maxErrors) {
					cancel()
				}
				if ok {
					done.Add(1)
				}
			}
		})
	}
	wg.Wait()
	stats.Elapsed = time.Since(start)
	stats.Users = int(done.Load())
	return stats
}

// one provisions user i; false when a request failed.
func (r *Runner) one(ctx context.Context, mode Mode, i int, record func(Kind, Result, error) bool) bool {
	userName, externalID := r.Naming.UserName(i), r.Naming.ExternalID(i)
	if mode == Cycle {
		found, res, err := r.Client.FilterUserName(ctx, userName)
		if err == nil && len(found) != 0 {
			err = fmt.Errorf("filter %q: user exists before the cycle created it", userName)
		}
		if !record(KindFilter, res, err) {
			return false
		}
	}
	sent := time.Now()
	u, res, err := r.Client.CreateUser(ctx, userName, externalID)
	if !record(KindPost, res, err) {
		return false
	}
	if r.OnCreated != nil {
		r.OnCreated(Created{Index: i, ID: u.ID, PostSent: sent})
	}
	manager, _ := r.lastID.Load().(string)
	r.lastID.Store(u.ID)
	if mode != Cycle {
		return true
	}
	got, res, err := r.Client.GetUser(ctx, u.ID)
	if err == nil && got.ID != u.ID {
		err = fmt.Errorf("GET /Users/%s answered id %q", u.ID, got.ID)
	}
	if !record(KindGet, res, err) {
		return false
	}
	if manager == "" || manager == u.ID {
		return true
	}
	res, err = r.Client.PatchManager(ctx, u.ID, manager)
	return record(KindPatch, res, err)
}

// FilterProbe sends count GET /Users?filter=userName eq "…" requests for
// userNames picked by pick (which must name existing users), one at a time,
// and returns their latencies. A filter that finds no user is an error.
func FilterProbe(ctx context.Context, c *Client, count int, pick func(n int) string) (*Latencies, error) {
	l := &Latencies{}
	for n := range count {
		userName := pick(n)
		found, res, err := c.FilterUserName(ctx, userName)
		if err != nil {
			return l, err
		}
		if len(found) != 1 {
			return l, fmt.Errorf("filter userName eq %q found %d users, want 1", userName, len(found))
		}
		l.Add(res.Duration)
	}
	if l.Count() == 0 {
		return l, errors.New("no filter requests sent")
	}
	return l, nil
}

// Merge adds o (a later run) to s: users, elapsed time, latencies, errors.
func (s *Stats) Merge(o Stats) {
	if s.Latencies == nil {
		s.Latencies, s.Errors, s.Retries = map[Kind]*Latencies{}, map[Kind]int{}, map[Kind]int{}
	}
	s.Users += o.Users
	s.Elapsed += o.Elapsed
	for k, l := range o.Latencies {
		if s.Latencies[k] == nil {
			s.Latencies[k] = &Latencies{}
		}
		s.Latencies[k].Merge(l)
	}
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
	for k, v := range o.Retries {
		s.Retries[k] += v
	}
	if s.FirstErr == "" {
		s.FirstErr = o.FirstErr
	}
}
