package scimserver

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rollcall_scim_requests_total",
		Help: "SCIM requests answered, by workspace (namespace/name), resource, method and HTTP status.",
	}, []string{"workspace", "resource", "method", "status"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rollcall_scim_request_duration_seconds",
		Help:    "Time to answer a SCIM request, by workspace, resource and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"workspace", "resource", "method"})
)

func init() {
	metrics.Registry.MustRegister(requestsTotal, requestDuration)
}

// statusRecorder remembers the status code written, and the scimType of
// an error answer (writeError), for the metrics and the audit line.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	scimType string
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) code() string { return strconv.Itoa(s.statusCode()) }

func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// knownMethod keeps the method label bounded.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead:
		return m
	}
	return "OTHER"
}
