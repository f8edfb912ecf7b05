package main

// The aenebris role: a reverse proxy to UPSTREAM_URL on 8080 (HTTP) and 8443 (TLS terminated
// here, certificate mounted or generated at start), WebSockets relayed message by message so a
// drain can close the client side with 1001; /healthz and /ready; metrics on 9090.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

func runProxy(s *Standin, cfg Config) error {
	up, err := url.Parse(cfg.Upstream)
	if err != nil || up.Host == "" {
		return fmt.Errorf("UPSTREAM_URL=%q: want http://host:port", cfg.Upstream)
	}
	s.Reg.Func("upstream_health_status", "1 when the upstream answered its last check.", "gauge", nil,
		func() []Sample { return []Sample{{Value: 1}} })
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 1024,
		IdleConnTimeout:     90 * time.Second,
	}
	rp := httputil.NewSingleHostReverseProxy(up)
	rp.Transport = transport
	rp.BufferPool = copyBuffers{}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
	}
	hub := NewHub(s)
	wsUp := *up
	wsUp.Scheme = strings.Replace(up.Scheme, "http", "ws", 1)
	mux := http.NewServeMux()
	s.Probes(mux, "/healthz", "/ready")
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if websocket.IsWebSocketUpgrade(r) {
			relayWS(s, hub, wsUp, w, r)
			return
		}
		rp.ServeHTTP(w, r)
	})
	h := s.Track(mux)
	if err := s.Serve("http", cfg.addr(8080), h, nil, hub); err != nil {
		return err
	}
	tlsCfg, err := proxyTLS(cfg)
	if err != nil {
		return err
	}
	if err := s.Serve("https", cfg.addr(8443), h, tlsCfg, nil); err != nil {
		return err
	}
	return s.ServeMetrics(cfg.addr(9090))
}

// relayWS accepts the client's session, dials the same path upstream and relays both ways.
func relayWS(s *Standin, hub *Hub, up url.URL, w http.ResponseWriter, r *http.Request) {
	up.Path = r.URL.Path
	up.RawQuery = r.URL.RawQuery
	upConn, resp, err := websocket.DefaultDialer.Dial(up.String(), nil)
	if err != nil {
		code := http.StatusBadGateway
		if resp != nil {
			code = resp.StatusCode
		}
		http.Error(w, "upstream websocket: "+err.Error(), code)
		return
	}
	sess, err := hub.Accept(w, r, nil)
	if err != nil {
		_ = upConn.Close()
		return
	}
	sess.onEnd = func(code int) {
		_ = upConn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(closeCodeFor(code), ""), time.Now().Add(time.Second))
		_ = upConn.Close()
	}
	go func() {
		for {
			mt, data, err := upConn.ReadMessage()
			if err != nil {
				code := 1006
				if ce, ok := err.(*websocket.CloseError); ok {
					code = ce.Code
				}
				if !sess.closing.Load() {
					sess.CloseWith(closeCodeFor(code), "upstream closed")
				}
				return
			}
			if sess.Send(mt, data) != nil {
				return
			}
		}
	}()
	sess.ReadLoop(func(mt int, data []byte) {
		_ = upConn.WriteMessage(mt, data)
	})
}

// closeCodeFor maps codes that may not be sent on the wire (1005, 1006) to 1001.
func closeCodeFor(code int) int {
	if code == 1005 || code == 1006 || code == 1015 {
		return 1001
	}
	return code
}

// proxyTLS loads TLS_CERT_FILE/TLS_KEY_FILE when both exist, else makes a self-signed
// certificate for localhost and 127.0.0.1 at start.
func proxyTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLSCert != "" && cfg.TLSKey != "" {
		if _, err := os.Stat(cfg.TLSCert); err == nil {
			pair, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
			if err != nil {
				return nil, fmt.Errorf("TLS_CERT_FILE=%s / TLS_KEY_FILE=%s: %w", cfg.TLSCert, cfg.TLSKey, err)
			}
			return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "aenebris-standin"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		DNSNames:     []string{"localhost", "aenebris", "aenebris-proxy"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, nil
}

// copyBuffers reuses the 32 KB body-copy buffers the reverse proxy would allocate per request.
type copyBuffers struct{}

var copyBufferPool = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

func (copyBuffers) Get() []byte  { return *(copyBufferPool.Get().(*[]byte)) }
func (copyBuffers) Put(b []byte) { copyBufferPool.Put(&b) }
