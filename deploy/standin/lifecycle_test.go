package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// fakeStopper records the order of calls and holds Close until release (an in-flight request).
type fakeStopper struct {
	mu      sync.Mutex
	calls   []string
	release chan struct{}
}

func (f *fakeStopper) Name() string { return "fake" }
func (f *fakeStopper) CloseSessions() {
	f.mu.Lock()
	f.calls = append(f.calls, "sessions")
	f.mu.Unlock()
}
func (f *fakeStopper) Close(ctx context.Context) error {
	f.mu.Lock()
	f.calls = append(f.calls, "close")
	f.mu.Unlock()
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
	return nil
}

func newTestLifecycle(t *testing.T, mode DrainMode) (*Lifecycle, *bytes.Buffer, *[]bool) {
	t.Helper()
	buf := &bytes.Buffer{}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _, _ = buf.ReadFrom(r); close(done) }()
	t.Cleanup(func() { w.Close(); <-done })
	log := NewEventLog(w, map[string]any{"role": "test"})
	l := NewLifecycle(mode, 0, time.Second, NewWitness(log), log)
	var seen []bool
	l.OnReadyChange(func(v bool) { seen = append(seen, v) })
	return l, buf, &seen
}

func events(t *testing.T, l *Lifecycle, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	// Flush: the pipe's reader finishes at cleanup; read through a sync point instead.
	time.Sleep(20 * time.Millisecond)
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("event line not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func names(evs []map[string]any) []string {
	var n []string
	for _, e := range evs {
		n = append(n, e["event"].(string))
	}
	return n
}

func TestGracefulTurnsNotReadyThenDrainsInFlight(t *testing.T) {
	l, buf, seen := newTestLifecycle(t, DrainGraceful)
	st := &fakeStopper{release: make(chan struct{})}
	l.Add(st)
	end := l.Witness.Begin() // a request in flight at SIGTERM
	var sleptReady []bool
	l.sleep = func(time.Duration) { sleptReady = append(sleptReady, l.Ready()) }
	go func() { time.Sleep(50 * time.Millisecond); end(); close(st.release) }()
	exit, ok := l.Terminate()
	if !ok || exit.Code != 0 {
		t.Fatalf("exit = %+v ok=%v, want code 0", exit, ok)
	}
	if exit.CutOff != 0 || exit.Served != 1 {
		t.Fatalf("served=%d cutOff=%d, want 1 and 0", exit.Served, exit.CutOff)
	}
	if len(sleptReady) != 1 || sleptReady[0] {
		t.Fatalf("readiness during the drain delay = %v, want [false]", sleptReady)
	}
	if len(*seen) != 1 || (*seen)[0] {
		t.Fatalf("ready hooks saw %v, want [false]", *seen)
	}
	got := names(events(t, l, buf))
	want := []string{"sigterm", "not-ready", "listener-closed", "drained", "exit"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestNoneExitsAtOnceAndCountsCutOff(t *testing.T) {
	l, buf, _ := newTestLifecycle(t, DrainNone)
	st := &fakeStopper{}
	l.Add(st)
	l.Witness.Begin()
	l.Witness.Begin()
	l.Witness.WSOpened()
	l.sleep = func(time.Duration) { t.Fatal("mode none must not wait") }
	exit, _ := l.Terminate()
	if exit.Code != 143 || exit.CutOff != 2 || exit.WSOpen != 1 {
		t.Fatalf("exit = %+v, want code 143, cutOff 2, wsOpen 1", exit)
	}
	if len(st.calls) != 0 {
		t.Fatalf("listeners closed %v: mode none must not drain", st.calls)
	}
	evs := events(t, l, buf)
	if strings.Join(names(evs), ",") != "sigterm,exit" {
		t.Fatalf("events %v", names(evs))
	}
	if evs[1]["cutOff"].(float64) != 2 {
		t.Fatalf("exit line cutOff = %v", evs[1]["cutOff"])
	}
}

func TestStickyReadyNeverTurnsRed(t *testing.T) {
	l, buf, seen := newTestLifecycle(t, DrainStickyReady)
	l.Add(&fakeStopper{})
	l.sleep = func(time.Duration) {}
	l.Terminate()
	if !l.Ready() || len(*seen) != 0 {
		t.Fatalf("sticky-ready turned readiness red: ready=%v hooks=%v", l.Ready(), *seen)
	}
	if got := names(events(t, l, buf)); strings.Contains(strings.Join(got, ","), "not-ready") {
		t.Fatalf("events %v contain not-ready", got)
	}
}

func TestSecondSigtermIsIgnored(t *testing.T) {
	l, _, _ := newTestLifecycle(t, DrainGraceful)
	l.sleep = func(time.Duration) {}
	if _, ok := l.Terminate(); !ok {
		t.Fatal("first Terminate refused")
	}
	if _, ok := l.Terminate(); ok {
		t.Fatal("second Terminate ran the drain again")
	}
}

func TestDrainTimeoutCountsUnfinishedAsCutOff(t *testing.T) {
	l, _, _ := newTestLifecycle(t, DrainGraceful)
	l.DrainTimeout = 30 * time.Millisecond
	l.sleep = func(time.Duration) {}
	l.Add(&fakeStopper{release: make(chan struct{})}) // never released
	l.Witness.Begin()                                 // never ends
	exit, _ := l.Terminate()
	if exit.CutOff != 1 {
		t.Fatalf("cutOff = %d, want 1 (the request the timeout abandoned)", exit.CutOff)
	}
}

func TestParseDrainModeNamesTheBadValue(t *testing.T) {
	if m, err := ParseDrainMode(""); err != nil || m != DrainGraceful {
		t.Fatalf("empty = %v %v, want graceful", m, err)
	}
	if _, err := ParseDrainMode("gracefull"); err == nil || !strings.Contains(err.Error(), "DRAIN_MODE") {
		t.Fatalf("bad mode error = %v", err)
	}
}

// The real HTTP + WebSocket path: a graceful drain closes the session with 1001 and finishes
// the slow request; the witness counts both.
func TestHTTPDrainClosesWebSocketWith1001(t *testing.T) {
	l, _, _ := newTestLifecycle(t, DrainGraceful)
	l.DrainTimeout = 5 * time.Second
	l.sleep = func(time.Duration) {}
	s := NewStandin("upstream", l.Witness, l, 0)
	base := serveUpstream(t, s)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+base+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "hi" {
		t.Fatalf("echo = %q, %v", msg, err)
	}
	slow := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + base + "/slow?ms=300")
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	time.Sleep(50 * time.Millisecond)
	closeCode := make(chan int, 1)
	go func() {
		_, _, err := ws.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); ok {
			closeCode <- ce.Code
			return
		}
		closeCode <- -1
	}()
	exit, _ := l.Terminate()
	if code := <-closeCode; code != 1001 {
		t.Fatalf("client saw close %d, want 1001", code)
	}
	if code := <-slow; code != 200 {
		t.Fatalf("slow request status %d, want 200 (finished during the drain)", code)
	}
	if exit.CutOff != 0 || exit.Served < 1 {
		t.Fatalf("exit %+v, want served>=1 cutOff 0", exit)
	}
	if n := l.Witness.ClosedCount(1001); n != 1 {
		t.Fatalf("wsClosed[1001] = %d, want 1", n)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The seeds' HPA scales on active_connections: a WebSocket session must count after its upgrade
// hijacks the connection away from net/http, and stop counting when it ends.
func TestActiveConnectionsCountWebSocketSessions(t *testing.T) {
	l, _, _ := newTestLifecycle(t, DrainGraceful)
	s := NewStandin("upstream", l.Witness, l, 0)
	base := serveUpstream(t, s)
	gauge := func() string {
		var buf bytes.Buffer
		s.Reg.Write(&buf)
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.HasPrefix(line, "active_connections ") {
				return line
			}
		}
		return "(absent)"
	}
	var sessions []*websocket.Conn
	for i := 0; i < 3; i++ {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+base+"/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, ws)
	}
	waitFor := func(want string) {
		for i := 0; i < 100 && gauge() != want; i++ {
			time.Sleep(10 * time.Millisecond)
		}
		if got := gauge(); got != want {
			t.Fatalf("gauge %q, want %q", got, want)
		}
	}
	waitFor("active_connections 3")
	for _, ws := range sessions {
		_ = ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
		ws.Close()
	}
	waitFor("active_connections 0")
}

// serveUpstream starts the upstream role on a free loopback port and returns its host:port.
func serveUpstream(t *testing.T, s *Standin) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := runUpstream(s, Config{Bind: "127.0.0.1", PortOffset: port - 8080}); err != nil {
		t.Fatalf("listen: %v", err)
	}
	return "127.0.0.1:" + itoa(port)
}
