//go:build faults

package faults

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// window records the SCIM answers to the probes sent while a fault lasted.
type window struct {
	mu         sync.Mutex
	start, end time.Time
	answers    []answer
}

func (w *window) open() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start = time.Now()
}

func (w *window) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.end = time.Now()
}

// ended is when the fault ended.
func (w *window) ended() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end
}

// add records the answer to a request sent during the fault.
func (w *window) add(a answer) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.answers = append(w.answers, a)
}

// unavailable summarises the window's answers: how many were 503 (and
// how many of those lacked Retry-After), how many were neither a 503 nor
// a 201 (no answer: a hang or a dropped connection), and the slowest.
func (w *window) unavailable() (n503, noRetryAfter, other int, slowest time.Duration, summary string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	statuses := map[string]int{}
	for _, a := range w.answers {
		slowest = max(slowest, a.took)
		switch {
		case a.err != nil:
			statuses["no-answer"]++
			other++
		case a.status == http.StatusServiceUnavailable:
			n503++
			if a.retryAfter == "" {
				noRetryAfter++
			}
			statuses["503"]++
		default:
			statuses[fmt.Sprint(a.status)]++
			if a.status != http.StatusCreated {
				other++
			}
		}
	}
	return n503, noRetryAfter, other, slowest, fmt.Sprint(statuses)
}
