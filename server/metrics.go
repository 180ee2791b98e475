package server

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the counters GET /metrics exposes in Prometheus text format.
type metrics struct {
	statements      atomic.Int64
	sessionsOpened  atomic.Int64
	sessionsExpired atomic.Int64
	rowsStreamed    atomic.Int64

	mu       sync.Mutex
	requests map[[2]string]int64 // (route, code) -> count
	seconds  map[string]float64  // route -> total seconds
}

func newMetrics() *metrics {
	return &metrics{requests: map[[2]string]int64{}, seconds: map[string]float64{}}
}

// observe records one finished request.
func (m *metrics) observe(route, code string, d time.Duration) {
	m.mu.Lock()
	m.requests[[2]string{route, code}]++
	m.seconds[route] += d.Seconds()
	m.mu.Unlock()
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	m := s.met
	var b strings.Builder
	counter := func(name, help string, v int64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s counter\n%s %d\n", name, help, name, name, v)
	}
	counter("polysql_statements_total", "Statements executed.", m.statements.Load())
	counter("polysql_sessions_opened_total", "Interactive sessions opened.", m.sessionsOpened.Load())
	counter("polysql_sessions_expired_total", "Sessions rolled back by their idle timeout.", m.sessionsExpired.Load())
	counter("polysql_rows_streamed_total", "Rows sent as NDJSON.", m.rowsStreamed.Load())
	fmt.Fprintf(&b, "# HELP polysql_sessions_open Open interactive sessions.\n# TYPE polysql_sessions_open gauge\npolysql_sessions_open %d\n", s.sess.count())

	m.mu.Lock()
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	b.WriteString("# HELP polysql_http_requests_total HTTP requests by route and result code.\n# TYPE polysql_http_requests_total counter\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "polysql_http_requests_total{route=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	routes := sortedKeys(m.seconds)
	b.WriteString("# HELP polysql_http_request_seconds_total Time spent serving requests, by route.\n# TYPE polysql_http_request_seconds_total counter\n")
	for _, rt := range routes {
		fmt.Fprintf(&b, "polysql_http_request_seconds_total{route=%q} %g\n", rt, m.seconds[rt])
	}
	m.mu.Unlock()

	// Database names are not public when tokens are configured (ACCESS_DENIED
	// hides which exist): the per-database series list only the databases
	// the request's token may use, none without a token.
	var viewer *app
	if a, err := s.authenticate(r); err == nil {
		viewer = a
	}
	b.WriteString("# HELP polysql_database_connections_open Open connections per database and pool.\n# TYPE polysql_database_connections_open gauge\n")
	for _, name := range sortedKeys(s.dbs) {
		if ok, _ := viewer.grantOrNone(name); !ok {
			continue
		}
		d := s.dbs[name]
		fmt.Fprintf(&b, "polysql_database_connections_open{database=%q,pool=\"writer\"} %d\n", name, d.db.Writer().Stats().OpenConnections)
		if d.db.Reader() != d.db.Writer() {
			fmt.Fprintf(&b, "polysql_database_connections_open{database=%q,pool=\"reader\"} %d\n", name, d.db.Reader().Stats().OpenConnections)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

// grantOrNone is grant for a possibly nil app (no token: no grant).
func (a *app) grantOrNone(db string) (ok, readOnly bool) {
	if a == nil {
		return false, false
	}
	return a.grant(db)
}
