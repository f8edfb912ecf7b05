package main

// Shared HTTP plumbing for every role: request tracking (witness + seed metrics), probes,
// the metrics listener, and listeners that drain through the Lifecycle.

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

type Standin struct {
	Role string
	W    *Witness
	L    *Lifecycle
	Reg  *Registry
	Cost time.Duration

	httpReqs *Family
	httpDur  *Family
	// client connections still speaking HTTP; hijacked ones (WebSockets) count through the witness
	httpConns atomic.Int64
	wsTotal   *Family
	// untracked paths: probes and metrics are not traffic.
	untracked map[string]bool
}

func NewStandin(role string, w *Witness, l *Lifecycle, cost time.Duration) *Standin {
	reg := &Registry{}
	s := &Standin{Role: role, W: w, L: l, Reg: reg, Cost: cost, untracked: map[string]bool{"/metrics": true}}
	s.httpReqs = reg.Counter("http_requests_total", "HTTP requests by method and status code.", "method", "code")
	s.httpDur = reg.Histogram("http_request_duration_seconds", "HTTP request latency.", DefaultBuckets, "method")
	// The seeds' connection metric (an HPA target): HTTP connections plus open WebSocket sessions,
	// whose hijacked connections leave net/http's view at the upgrade.
	reg.Func("active_connections", "Open client connections (HTTP and WebSocket).", "gauge", nil,
		func() []Sample { return []Sample{{Value: float64(s.httpConns.Load() + w.WSOpen())}} })
	s.wsTotal = reg.Counter("websocket_connections_total", "WebSocket sessions accepted.")
	reg.RegisterWitness(w)
	return s
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if h, ok := w.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}

// Track counts a request for the witness and the seed's HTTP metrics, and burns the
// configured CPU cost so that load drives CPU-based HPAs.
func (s *Standin) Track(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.untracked[r.URL.Path] || isUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		done := s.W.Begin()
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		BurnCPU(s.Cost)
		next.ServeHTTP(sw, r)
		s.httpReqs.With(r.Method, strconv.Itoa(sw.code)).Inc()
		s.httpDur.Observe(time.Since(start).Seconds(), r.Method)
		done()
	})
}

func isUpgrade(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" && headerHas(r.Header.Get("Connection"), "upgrade")
}

// Probes adds liveness and readiness handlers on the given paths (readiness follows the Lifecycle).
func (s *Standin) Probes(mux *http.ServeMux, live, ready string) {
	s.untracked[live] = true
	s.untracked[ready] = true
	mux.HandleFunc(live, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	mux.HandleFunc(ready, s.readyHandler)
}

func (s *Standin) readyHandler(w http.ResponseWriter, _ *http.Request) {
	if !s.L.Ready() {
		http.Error(w, "draining", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("Ready\n"))
}

// httpListener is one served port as a Stopper.
type httpListener struct {
	name string
	srv  *http.Server
	hub  *Hub
}

func (h *httpListener) Name() string { return h.name }
func (h *httpListener) CloseSessions() {
	if h.hub != nil {
		h.hub.CloseAll(1001, "going away")
	}
}
func (h *httpListener) Close(ctx context.Context) error { return h.srv.Shutdown(ctx) }

// Serve starts an HTTP (or TLS) listener on addr and registers it with the Lifecycle.
func (s *Standin) Serve(name, addr string, handler http.Handler, tlsCfg *tls.Config, hub *Hub) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       90 * time.Second,
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.httpConns.Add(1)
			case http.StateClosed, http.StateHijacked:
				s.httpConns.Add(-1)
			}
		},
	}
	if tlsCfg != nil {
		srv.TLSConfig = tlsCfg
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.L.Add(&httpListener{name: name, srv: srv, hub: hub})
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// ServeMetrics serves /metrics (plus the probes) on a port of its own, as the seeds do.
func (s *Standin) ServeMetrics(addr string) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.Reg.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	mux.HandleFunc("/ready", s.readyHandler)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The metrics port stays up until exit so the last scrape sees the drain.
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}

// Common adds the generic test routes every HTTP role answers: /slow?ms=N holds a request
// in flight (bounded to 60 s) so a drain can be observed with a request outstanding.
func Common(mux *http.ServeMux) {
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
		if ms < 0 || ms > 60000 {
			ms = 60000
		}
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte("slow\n"))
	})
}
