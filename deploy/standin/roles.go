package main

// The small roles: the proxy's upstream backend, BaseBook's backend/router/frontend, the eBPF
// tracer's API, and the in-memory object store behind the S3 gateway.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// echoWS serves a WebSocket that echoes every message; text messages starting with
// "broadcast:" go to every session instead.
func echoWS(s *Standin, hub *Hub) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := hub.Accept(w, r, nil)
		if err != nil {
			return
		}
		sess.ReadLoop(func(mt int, data []byte) {
			BurnCPU(s.Cost)
			if mt == websocket.TextMessage && strings.HasPrefix(string(data), "broadcast:") {
				hub.Broadcast("", data)
				return
			}
			_ = sess.Send(mt, data)
		})
	}
}

func okHandler(body string) http.HandlerFunc {
	b := []byte(body)
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(b)
	}
}

// runUpstream: the backend the aenebris proxy forwards to. HTTP 8080 (any path: 200), WS echo
// on /ws, metrics 9090.
func runUpstream(s *Standin, cfg Config) error {
	hub := NewHub(s)
	mux := http.NewServeMux()
	s.Probes(mux, "/healthz", "/ready")
	s.untracked["/health"] = true // the seed's upstream health path
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	Common(mux)
	mux.HandleFunc("/ws", echoWS(s, hub))
	mux.HandleFunc("/", okHandler("ok\n"))
	if err := s.Serve("http", cfg.addr(8080), s.Track(mux), nil, hub); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

// runBasebookBackend: REST API on 4000, WebSocket on 4001 with channels prices/pools/swaps
// broadcast every BROADCAST_MS, metrics on 9090.
func runBasebookBackend(s *Standin, cfg Config) error {
	hub := NewHub(s)
	api := http.NewServeMux()
	s.Probes(api, "/health", "/ready")
	Common(api)
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "ts": time.Now().UnixMilli()})
	})
	api.HandleFunc("/", okHandler("basebook backend\n"))
	if err := s.Serve("http", cfg.addr(4000), s.Track(api), nil, nil); err != nil {
		return err
	}
	ws := http.NewServeMux()
	ws.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	ws.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		sess, err := hub.Accept(w, r, nil)
		if err != nil {
			return
		}
		sess.ReadLoop(func(mt int, data []byte) {
			BurnCPU(s.Cost)
			var msg struct {
				Type    string `json:"type"`
				Channel string `json:"channel"`
			}
			if json.Unmarshal(data, &msg) == nil && msg.Type == "subscribe" && validChannel(msg.Channel) {
				sess.Subscribe(msg.Channel)
				out, _ := json.Marshal(map[string]any{"type": "subscribed", "channel": msg.Channel})
				_ = sess.Send(websocket.TextMessage, out)
				return
			}
			_ = sess.Send(mt, data)
		})
	})
	if err := s.Serve("ws", cfg.addr(4001), ws, nil, hub); err != nil {
		return err
	}
	go broadcastLoop(hub, cfg.BroadcastEvery)
	return s.ServeMetrics(cfg.addr(9090))
}

var channels = []string{"prices", "pools", "swaps"}

func validChannel(c string) bool {
	for _, x := range channels {
		if x == c {
			return true
		}
	}
	return false
}

func broadcastLoop(hub *Hub, every time.Duration) {
	if every <= 0 {
		return
	}
	seq := 0
	for range time.Tick(every) {
		seq++
		for _, ch := range channels {
			out, _ := json.Marshal(map[string]any{"type": "update", "channel": ch, "seq": seq, "ts": time.Now().UnixMilli()})
			hub.Broadcast(ch, out)
		}
	}
}

// runBasebookRouter: the CPU-heavy route finder on 8080 (/route and /api/route burn
// ROUTE_COST_MICROS on top of the per-request cost), metrics on 9091 (seed) and 9090 (witness).
func runBasebookRouter(s *Standin, cfg Config) error {
	calcs := s.Reg.Counter("route_calculations_total", "Route calculations answered.")
	mux := http.NewServeMux()
	s.Probes(mux, "/health", "/ready")
	Common(mux)
	route := func(w http.ResponseWriter, r *http.Request) {
		BurnCPU(cfg.RouteCost)
		calcs.With().Inc()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"tokenIn": r.URL.Query().Get("tokenIn"), "tokenOut": r.URL.Query().Get("tokenOut"),
			"hops": 2, "amountOut": "1000",
		})
	}
	mux.HandleFunc("/route", route)
	mux.HandleFunc("/api/route", route)
	mux.HandleFunc("/", okHandler("basebook router\n"))
	if err := s.Serve("http", cfg.addr(8080), s.Track(mux), nil, nil); err != nil {
		return err
	}
	if err := s.ServeMetrics(cfg.addr(9091)); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

const frontendPage = `<!doctype html><html><head><meta charset="utf-8"><title>BaseBook DEX</title></head>
<body><h1>BaseBook DEX</h1><p>Stand-in frontend served by kube-chaos-harness.</p></body></html>
`

// runBasebookFrontend: a static page on 3000 with /api/health, metrics on 9090.
func runBasebookFrontend(s *Standin, cfg Config) error {
	mux := http.NewServeMux()
	s.untracked["/api/health"] = true
	mux.HandleFunc("/api/health", func(w http.ResponseWriter, _ *http.Request) {
		if !s.L.Ready() {
			http.Error(w, `{"status":"draining"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	Common(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(frontendPage))
	})
	if err := s.Serve("http", cfg.addr(3000), s.Track(mux), nil, nil); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

// runTracer: the eBPF tracer's API and metrics. It traces nothing (no eBPF here); it answers
// /api/health and the dashboard's JSON, and exports the metric names its alert rules use.
func runTracer(s *Standin, cfg Config) error {
	s.Reg.Counter("http_errors_total", "HTTP errors observed by the tracer.")
	s.Reg.Gauge("ebpf_programs_loaded", "eBPF programs attached (0: the stand-in traces nothing).")
	mux := http.NewServeMux()
	s.untracked["/api/health"] = true
	mux.HandleFunc("/api/health", func(w http.ResponseWriter, _ *http.Request) {
		if !s.L.Ready() {
			http.Error(w, `{"status":"draining"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"healthy","tracing":false}` + "\n"))
	})
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "events": []any{}})
	})
	Common(mux)
	mux.HandleFunc("/", okHandler("ebpf http tracer\n"))
	if err := s.Serve("http", cfg.addr(8080), s.Track(mux), nil, nil); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

// runObjectStore: a tiny S3-ish store in memory on 9000 (MinIO's port): PUT/GET/HEAD/DELETE
// /<bucket>/<key>, MinIO's health paths, metrics on 9090.
func runObjectStore(s *Standin, cfg Config) error {
	var mu sync.RWMutex
	objects := map[string][]byte{}
	mux := http.NewServeMux()
	s.Probes(mux, "/minio/health/live", "/minio/health/ready")
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/")
		if !strings.Contains(key, "/") {
			http.Error(w, "want /<bucket>/<key>", http.StatusBadRequest)
			return
		}
		switch r.Method {
		case http.MethodPut:
			body, err := io.ReadAll(io.LimitReader(r.Body, cfg.MaxObject+1))
			if err != nil || int64(len(body)) > cfg.MaxObject {
				http.Error(w, fmt.Sprintf("object larger than %d bytes", cfg.MaxObject), http.StatusRequestEntityTooLarge)
				return
			}
			mu.Lock()
			objects[key] = body
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
		case http.MethodGet, http.MethodHead:
			mu.RLock()
			body, ok := objects[key]
			mu.RUnlock()
			if !ok {
				http.Error(w, "NoSuchKey", http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			if r.Method == http.MethodGet {
				_, _ = w.Write(body)
			}
		case http.MethodDelete:
			mu.Lock()
			delete(objects, key)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
	if err := s.Serve("http", cfg.addr(9000), s.Track(mux), nil, nil); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}
