package main

// The witness: counters the drain scorer trusts (requests served, requests cut off at exit,
// WebSocket sessions by close code) and JSON-line events on stdout, one object per line.

import (
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Witness counts what happened to requests and sessions. Safe for concurrent use.
type Witness struct {
	served   atomic.Int64
	inFlight atomic.Int64
	wsOpen   atomic.Int64
	cut      atomic.Int64
	mu       sync.Mutex
	wsClosed map[int]int64
	out      *EventLog
}

func NewWitness(out *EventLog) *Witness {
	return &Witness{wsClosed: map[int]int64{1000: 0, 1001: 0, 1006: 0}, out: out}
}

// Begin marks a request in flight; the returned func marks it completed.
func (w *Witness) Begin() func() {
	w.inFlight.Add(1)
	return func() {
		w.inFlight.Add(-1)
		w.served.Add(1)
	}
}

func (w *Witness) WSOpened() { w.wsOpen.Add(1) }

// WSClosed records a session's end by its close code (1006: ended without a close frame).
func (w *Witness) WSClosed(code int) {
	w.wsOpen.Add(-1)
	w.mu.Lock()
	w.wsClosed[code]++
	w.mu.Unlock()
}

func (w *Witness) Served() int64   { return w.served.Load() }
func (w *Witness) InFlight() int64 { return w.inFlight.Load() }
func (w *Witness) WSOpen() int64   { return w.wsOpen.Load() }
func (w *Witness) CutOff() int64   { return w.cut.Load() }

// ClosedByCode returns a copy keyed by the code as a string, as the exit line carries it.
func (w *Witness) ClosedByCode() map[string]int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := make(map[string]int64, len(w.wsClosed))
	for k, v := range w.wsClosed {
		m[strconv.Itoa(k)] = v
	}
	return m
}

// Codes returns the close codes seen, sorted (for /metrics).
func (w *Witness) Codes() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	codes := make([]int, 0, len(w.wsClosed))
	for k := range w.wsClosed {
		codes = append(codes, k)
	}
	sort.Ints(codes)
	return codes
}

func (w *Witness) ClosedCount(code int) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.wsClosed[code]
}

// EventLog writes one JSON object per line with `event` and `ts` (epoch ms).
type EventLog struct {
	mu   sync.Mutex
	enc  *json.Encoder
	base map[string]any
	now  func() time.Time
}

func NewEventLog(f *os.File, base map[string]any) *EventLog {
	return &EventLog{enc: json.NewEncoder(f), base: base, now: time.Now}
}

func (l *EventLog) Emit(event string, fields map[string]any) {
	rec := map[string]any{"event": event, "ts": l.now().UnixMilli()}
	for k, v := range l.base {
		rec[k] = v
	}
	for k, v := range fields {
		rec[k] = v
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.enc.Encode(rec)
}
