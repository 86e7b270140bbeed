package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the pure-Go "sqlite" database/sql driver

	"github.com/rollcall-dev/rollcall/hack/bench/scimload"
)

// storeWatcher polls the SQLite member store (read-only; the manager writes
// it in WAL mode, so reading does not block it) for new members and
// records when each member first appears, by its userName (the keys of its
// maps).
type storeWatcher struct {
	path     string
	interval time.Duration

	mu     sync.Mutex
	seen   map[string]time.Time // userName → first seen
	posted map[string]time.Time // userName → when its POST was sent
	err    error
}

func newStoreWatcher(path string, interval time.Duration) *storeWatcher {
	return &storeWatcher{path: path, interval: interval, seen: map[string]time.Time{}, posted: map[string]time.Time{}}
}

// run polls until ctx ends.
func (w *storeWatcher) run(ctx context.Context) {
	var db *sql.DB
	defer func() {
		if db != nil {
			_ = db.Close()
		}
	}()
	var lastRowID int64
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if db == nil {
			if _, err := os.Stat(w.path); err != nil {
				continue
			}
			var err error
			db, err = sql.Open("sqlite", "file:"+w.path+"?mode=ro&_pragma=busy_timeout(5000)")
			if err != nil {
				w.setErr(err)
				return
			}
			db.SetMaxOpenConns(1)
		}
		n, err := w.poll(ctx, db, &lastRowID)
		if err != nil && ctx.Err() == nil {
			w.setErr(err)
		}
		_ = n
	}
}

// poll reads the rows added since lastRowID (an upsert keeps its row, so a
// rowid past the last one is a new member).
func (w *storeWatcher) poll(ctx context.Context, db *sql.DB, lastRowID *int64) (int, error) {
	rows, err := db.QueryContext(ctx, `SELECT rowid, user_name FROM members WHERE rowid > ? ORDER BY rowid LIMIT 20000`, *lastRowID)
	if err != nil {
		return 0, fmt.Errorf("poll the member store: %w", err)
	}
	defer func() { _ = rows.Close() }()
	now := time.Now()
	n := 0
	w.mu.Lock()
	defer w.mu.Unlock()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return n, err
		}
		*lastRowID = id
		if _, ok := w.seen[key]; !ok {
			w.seen[key] = now
		}
		n++
	}
	return n, rows.Err()
}

func (w *storeWatcher) setErr(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		w.err = err
	}
}

// markPosted records that the user named key was POSTed at t.
func (w *storeWatcher) markPosted(key string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.posted[key] = t
}

// waitAll waits until every key in keys is in the store and returns when
// the last one appeared.
func (w *storeWatcher) waitAll(ctx context.Context, keys []string, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		missing, last := 0, time.Time{}
		for _, k := range keys {
			t, ok := w.seen[k]
			if !ok {
				missing++
			} else if t.After(last) {
				last = t
			}
		}
		err := w.err
		w.mu.Unlock()
		if err != nil {
			return last, err
		}
		if missing == 0 {
			return last, nil
		}
		if time.Now().After(deadline) {
			return last, fmt.Errorf("%d of %d members not in the store after %s", missing, len(keys), timeout)
		}
		if err := sleepCtx(ctx, w.interval); err != nil {
			return last, err
		}
	}
}

// latencies is POST sent → member first seen, for keys.
func (w *storeWatcher) latencies(keys []string) *scimload.Latencies {
	w.mu.Lock()
	defer w.mu.Unlock()
	l := &scimload.Latencies{}
	for _, k := range keys {
		seen, ok1 := w.seen[k]
		sent, ok2 := w.posted[k]
		if ok1 && ok2 {
			l.Add(max(seen.Sub(sent), 0))
		}
	}
	return l
}
