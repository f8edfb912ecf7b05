package main

// The drain state machine. On SIGTERM, by mode:
//   graceful      readiness red at once, keep serving for the drain delay (endpoint removal),
//                 then stop accepting, close WebSockets with 1001, finish in-flight, exit.
//   sticky-ready  the same, but readiness never turns red (the defect of a probe that lies).
//   none          exit at once: in-flight requests are cut off, WebSockets dropped (1006).

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type DrainMode string

const (
	DrainGraceful    DrainMode = "graceful"
	DrainNone        DrainMode = "none"
	DrainStickyReady DrainMode = "sticky-ready"
)

func ParseDrainMode(s string) (DrainMode, error) {
	switch DrainMode(s) {
	case "":
		return DrainGraceful, nil
	case DrainGraceful, DrainNone, DrainStickyReady:
		return DrainMode(s), nil
	}
	return "", fmt.Errorf("DRAIN_MODE=%q: want graceful, none or sticky-ready", s)
}

// Stopper is one listener of the process: Close stops accepting and waits for in-flight work
// until ctx ends; CloseSessions ends long-lived sessions (WebSockets, streams) with 1001.
type Stopper interface {
	Name() string
	CloseSessions()
	Close(ctx context.Context) error
}

// Lifecycle owns readiness and the exit sequence.
type Lifecycle struct {
	Mode         DrainMode
	DrainDelay   time.Duration
	DrainTimeout time.Duration
	Witness      *Witness
	Log          *EventLog
	// sleep is replaceable so tests run the sequence without waiting.
	sleep func(time.Duration)

	ready    atomic.Bool
	draining atomic.Bool
	mu       sync.Mutex
	stoppers []Stopper
	onReady  []func(bool)
}

func NewLifecycle(mode DrainMode, delay, timeout time.Duration, w *Witness, log *EventLog) *Lifecycle {
	l := &Lifecycle{Mode: mode, DrainDelay: delay, DrainTimeout: timeout, Witness: w, Log: log, sleep: time.Sleep}
	l.ready.Store(true)
	return l
}

func (l *Lifecycle) Ready() bool    { return l.ready.Load() }
func (l *Lifecycle) Draining() bool { return l.draining.Load() }

func (l *Lifecycle) Add(s Stopper) {
	l.mu.Lock()
	l.stoppers = append(l.stoppers, s)
	l.mu.Unlock()
}

// OnReadyChange registers a hook (e.g. the gRPC health service) told of readiness changes.
func (l *Lifecycle) OnReadyChange(f func(bool)) {
	l.mu.Lock()
	l.onReady = append(l.onReady, f)
	l.mu.Unlock()
}

func (l *Lifecycle) setReady(v bool) {
	l.ready.Store(v)
	l.mu.Lock()
	hooks := append([]func(bool){}, l.onReady...)
	l.mu.Unlock()
	for _, h := range hooks {
		h(v)
	}
}

// Exit is the result of a drain: the counters of the exit line and the process exit code.
type Exit struct {
	Code   int
	Served int64
	CutOff int64
	WSOpen int64
}

// Terminate runs the drain for one SIGTERM and returns when the process should exit.
// A second call while draining returns immediately with ok=false.
func (l *Lifecycle) Terminate() (Exit, bool) {
	if !l.draining.CompareAndSwap(false, true) {
		return Exit{}, false
	}
	l.Log.Emit("sigterm", map[string]any{"mode": string(l.Mode), "inFlight": l.Witness.InFlight(), "wsOpen": l.Witness.WSOpen()})
	if l.Mode == DrainNone {
		// Exit as an unhandled SIGTERM would: 128+15, nothing finished.
		return l.exit(143), true
	}
	if l.Mode == DrainGraceful {
		l.setReady(false)
		l.Log.Emit("not-ready", nil)
	}
	l.sleep(l.DrainDelay)

	l.mu.Lock()
	stoppers := append([]Stopper{}, l.stoppers...)
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), l.DrainTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range stoppers {
		wg.Add(2)
		go func(s Stopper) { defer wg.Done(); s.CloseSessions() }(s)
		go func(s Stopper) { defer wg.Done(); _ = s.Close(ctx) }(s)
	}
	l.Log.Emit("listener-closed", nil)
	wg.Wait()
	l.Log.Emit("drained", map[string]any{"inFlight": l.Witness.InFlight(), "timedOut": ctx.Err() != nil})
	return l.exit(0), true
}

func (l *Lifecycle) exit(code int) Exit {
	e := Exit{Code: code, Served: l.Witness.Served(), CutOff: l.Witness.InFlight(), WSOpen: l.Witness.WSOpen()}
	l.Witness.cut.Store(e.CutOff)
	l.Log.Emit("exit", map[string]any{
		"code": code, "served": e.Served, "cutOff": e.CutOff, "wsOpen": e.WSOpen,
		"wsClosed": l.Witness.ClosedByCode(),
	})
	return e
}
