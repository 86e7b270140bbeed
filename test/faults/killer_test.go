//go:build faults

package faults

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// restartable is a manager process the test kills and starts again under
// one name (and log).
type restartable struct {
	t      *testing.T
	cl     *cluster
	logDir string
	name   string
	opts   managerOpts

	mu    sync.Mutex
	p     *proc
	kills int
}

func startRestartable(t *testing.T, cl *cluster, logDir, name string, o managerOpts) *restartable {
	r := &restartable{t: t, cl: cl, logDir: logDir, name: name, opts: o}
	r.p = startManager(t, cl, logDir, name, o)
	return r
}

// killAndRestart sends SIGKILL, waits until the process is gone and starts
// a new one after down.
func (r *restartable) killAndRestart(down time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.kill()
	r.kills++
	time.Sleep(down)
	r.p = startManager(r.t, r.cl, r.logDir, r.name, r.opts)
}

// kill sends SIGKILL and waits until the process is gone; start starts
// it again. Between the two the manager is down.
func (r *restartable) kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.kill()
	r.kills++
}

func (r *restartable) start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p = startManager(r.t, r.cl, r.logDir, r.name, r.opts)
}

// killAtRandom kills and restarts r n times, each after a random 0.2–1.5 s
// (a restarted manager is syncing its caches for about a second of it),
// and returns when the last restarted process started.
func (r *restartable) killAtRandom(n int) time.Time {
	for range n {
		time.Sleep(200*time.Millisecond + rand.N(1300*time.Millisecond))
		r.killAndRestart(500 * time.Millisecond)
	}
	return time.Now()
}
