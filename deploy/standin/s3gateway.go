package main

// The S3 encryption gateway role: PUT /<bucket>/<key> encrypts the body with AES-256-GCM
// (key = SHA-256 of ENCRYPTION_PASSWORD, random 12-byte nonce prefixed) and forwards it to
// BACKEND_ENDPOINT; GET fetches and decrypts. /health, /ready (503 while the backend does not
// answer) and /metrics on 8080, as the gateway's own router serves them; metrics also on 9090.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func runS3Gateway(s *Standin, cfg Config) error {
	if cfg.Backend == "" {
		return fmt.Errorf("BACKEND_ENDPOINT is empty: want the object store's URL, e.g. http://object-store:9000")
	}
	if cfg.Password == "" {
		return fmt.Errorf("ENCRYPTION_PASSWORD is empty")
	}
	key := sha256.Sum256([]byte(cfg.Password))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	reqs := s.Reg.Counter("s3_gateway_requests_total", "S3 requests by method, bucket and status.", "method", "bucket", "status")
	httpReqs := s.Reg.Counter("s3_gateway_http_requests_total", "HTTP requests by method and status.", "method", "status")
	encDur := s.Reg.Histogram("s3_gateway_encryption_duration_seconds", "Time spent on encryption/decryption.", DefaultBuckets, "operation")
	active := s.Reg.Gauge("s3_gateway_active_connections", "Requests being served.")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	backend := strings.TrimRight(cfg.Backend, "/")

	seeded := seedObjects(cfg, aead, client, backend)
	mux := http.NewServeMux()
	s.untracked["/health"] = true
	s.untracked["/ready"] = true
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("OK\n")) })
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		if !s.L.Ready() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		if !seeded.Load() {
			http.Error(w, "seeding SEED_OBJECTS", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend+"/minio/health/ready", nil)
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, "backend unreachable: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		resp.Body.Close()
		_, _ = w.Write([]byte("Ready\n"))
	})
	mux.Handle("/metrics", s.Reg.Handler())
	Common(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		active.With().Add(1)
		defer active.With().Add(-1)
		path := strings.TrimPrefix(r.URL.Path, "/")
		bucket, _, _ := strings.Cut(path, "/")
		status := gatewayObject(w, r, aead, client, backend, path, encDur)
		reqs.With(r.Method, bucket, strconv.Itoa(status)).Inc()
		httpReqs.With(r.Method, strconv.Itoa(status)).Inc()
	})
	if err := s.Serve("http", cfg.addr(8080), s.Track(mux), nil, nil); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

func gatewayObject(w http.ResponseWriter, r *http.Request, aead cipher.AEAD, client *http.Client, backend, path string, encDur *Family) int {
	fail := func(code int, msg string) int { http.Error(w, msg, code); return code }
	if !strings.Contains(path, "/") {
		return fail(http.StatusBadRequest, "want /<bucket>/<key>")
	}
	target := backend + "/" + path
	switch r.Method {
	case http.MethodPut:
		plain, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			return fail(http.StatusBadRequest, err.Error())
		}
		start := time.Now()
		nonce := make([]byte, aead.NonceSize())
		_, _ = rand.Read(nonce)
		sealed := aead.Seal(nonce, nonce, plain, []byte(path))
		encDur.Observe(time.Since(start).Seconds(), "encrypt")
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPut, target, bytes.NewReader(sealed))
		resp, err := client.Do(req)
		if err != nil {
			return fail(http.StatusBadGateway, "backend: "+err.Error())
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			return fail(http.StatusBadGateway, fmt.Sprintf("backend answered %d", resp.StatusCode))
		}
		w.Header().Set("ETag", fmt.Sprintf("%q", fmt.Sprintf("%x", sha256.Sum256(plain))[:32]))
		w.WriteHeader(http.StatusOK)
		return http.StatusOK
	case http.MethodGet:
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
		resp, err := client.Do(req)
		if err != nil {
			return fail(http.StatusBadGateway, "backend: "+err.Error())
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return fail(http.StatusNotFound, "NoSuchKey")
		}
		sealed, err := io.ReadAll(resp.Body)
		if err != nil || len(sealed) < aead.NonceSize() {
			return fail(http.StatusBadGateway, "backend object unreadable")
		}
		start := time.Now()
		plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(path))
		encDur.Observe(time.Since(start).Seconds(), "decrypt")
		if err != nil {
			return fail(http.StatusInternalServerError, "decrypt: "+err.Error())
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(plain)))
		_, _ = w.Write(plain)
		return http.StatusOK
	case http.MethodDelete:
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodDelete, target, nil)
		resp, err := client.Do(req)
		if err != nil {
			return fail(http.StatusBadGateway, "backend: "+err.Error())
		}
		resp.Body.Close()
		w.WriteHeader(http.StatusNoContent)
		return http.StatusNoContent
	}
	return fail(http.StatusMethodNotAllowed, "method not allowed")
}

// seedObjects makes sure the objects named in SEED_OBJECTS (comma-separated /<bucket>/<key>)
// exist in the backend, written encrypted like any PUT, so a load of GETs finds them. /ready
// stays 503 until they do; retried every second for at most 5 minutes.
func seedObjects(cfg Config, aead cipher.AEAD, client *http.Client, backend string) *atomic.Bool {
	done := &atomic.Bool{}
	var paths []string
	for _, p := range strings.Split(cfg.SeedObjects, ",") {
		if p = strings.TrimPrefix(strings.TrimSpace(p), "/"); p != "" {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		done.Store(true)
		return done
	}
	payload := bytes.Repeat([]byte("kube-chaos-harness seed object\n"), 32)
	go func() {
		deadline := time.Now().Add(5 * time.Minute)
		for time.Now().Before(deadline) {
			ok := true
			for _, p := range paths {
				resp, err := client.Head(backend + "/" + p)
				if err == nil {
					resp.Body.Close()
				}
				if err == nil && resp.StatusCode == http.StatusOK {
					continue
				}
				nonce := make([]byte, aead.NonceSize())
				_, _ = rand.Read(nonce)
				req, _ := http.NewRequest(http.MethodPut, backend+"/"+p, bytes.NewReader(aead.Seal(nonce, nonce, payload, []byte(p))))
				put, err := client.Do(req)
				if err != nil {
					ok = false
					continue
				}
				put.Body.Close()
				ok = ok && put.StatusCode < 300
			}
			if ok {
				done.Store(true)
				return
			}
			time.Sleep(time.Second)
		}
	}()
	return done
}
