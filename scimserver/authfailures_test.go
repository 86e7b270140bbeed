package scimserver_test

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	testingclock "k8s.io/utils/clock/testing"

	"github.com/rollcall-dev/rollcall/scimserver"
)

// from sends GET /Users to tn with token from the loopback address local
// (127.0.0.1 is every other helper's address), with headers as pairs.
func from(t testing.TB, local string, tn *tenant, token string, headers ...string) response {
	t.Helper()
	resp, err := sendFrom(local, tn, token, headers...)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func sendFrom(local string, tn *tenant, token string, headers ...string) (response, error) {
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}
	req, err := http.NewRequest("GET", tn.base+"/Users", nil)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, raw: raw}, err
}

// Failed authentication drains a bucket of the client's address (20, then
// one a second): once it is empty that address is answered 429 with
// Retry-After before its token is looked at, while other addresses, with
// good tokens or bad, go on as before.
func TestFailedAuthenticationIsThrottledPerAddress(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	clk := testingclock.NewFakeClock(time.Now())
	scimserver.SetClock(r.server, clk)

	var limited response
	failures := 0
	for ; failures <= scimserver.DefaultAuthFailureBurst; failures++ {
		limited = from(t, "127.0.0.1", tn, "a-wrong-token-of-some-length")
		if limited.status != http.StatusUnauthorized {
			break
		}
	}
	g.Expect(limited.status).To(Equal(http.StatusTooManyRequests), limited.String())
	g.Expect(failures).To(BeNumerically("<=", scimserver.DefaultAuthFailureBurst))
	g.Expect(string(limited.raw)).To(ContainSubstring(`"status":"429"`))
	g.Expect(string(limited.raw)).To(ContainSubstring("urn:ietf:params:scim:api:messages:2.0:Error"))
	after, err := strconv.Atoi(limited.header.Get("Retry-After"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(after).To(Equal(1))

	g.Expect(from(t, "127.0.0.1", tn, tn.token).status).To(Equal(http.StatusTooManyRequests), "the token is not even compared")
	g.Expect(from(t, "127.0.0.1", tn, tn.token, "X-Forwarded-For", "203.0.113.9").status).
		To(Equal(http.StatusTooManyRequests), "X-Forwarded-For is not believed by default")
	g.Expect(from(t, "127.0.0.2", tn, tn.token).status).To(Equal(http.StatusOK), "another address with the token")
	g.Expect(from(t, "127.0.0.2", tn, "a-wrong-token-of-some-length").status).To(Equal(http.StatusUnauthorized), "another address has its own budget")

	clk.Step(time.Duration(after) * time.Second)
	g.Expect(from(t, "127.0.0.1", tn, tn.token).status).To(Equal(http.StatusOK), "after Retry-After the address may try again")
	g.Expect(from(t, "127.0.0.1", tn, "a-wrong-token-of-some-length").status).To(Equal(http.StatusUnauthorized))
	g.Expect(from(t, "127.0.0.1", tn, "a-wrong-token-of-some-length").status).To(Equal(http.StatusTooManyRequests), "one failure a second")
}

// The probe that found the hole: many wrong tokens at once from one
// address. At most the burst and the requests in flight get a 401.
func TestConcurrentFailedAuthenticationIsThrottled(t *testing.T) {
	g := NewWithT(t)
	r := startReplica(t)
	tn := newTenant(t, r)
	scimserver.SetClock(r.server, testingclock.NewFakeClock(time.Now()))
	const total, parallel = 300, 30
	var mu sync.Mutex
	counts := map[int]int{}
	work := make(chan struct{}, total)
	for i := 0; i < total; i++ {
		work <- struct{}{}
	}
	close(work)
	var wg sync.WaitGroup
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range work {
				resp, err := sendFrom("127.0.0.1", tn, "a-wrong-token-of-some-length")
				mu.Lock()
				if err != nil {
					t.Error(err)
				}
				counts[resp.status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	g.Expect(counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests]).To(Equal(total), "%v", counts)
	g.Expect(counts[http.StatusUnauthorized]).To(BeNumerically("<=", scimserver.DefaultAuthFailureBurst+parallel), "%v", counts)
}
