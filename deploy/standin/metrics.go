package main

// A small hand-written Prometheus text exposition: counters, gauges and histograms with
// labels, lock-free on the hot path once a series exists.

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

type Registry struct {
	mu       sync.Mutex
	families []*Family
}

type Family struct {
	name, help, typ string
	labels          []string
	buckets         []float64
	fn              func() []Sample
	series          sync.Map // key: joined label values -> *Series
}

// Series holds one labelled value; histograms use counts/sum.
type Series struct {
	values    []string
	val       atomic.Int64
	counts    []atomic.Int64
	sumMicros atomic.Int64
	count     atomic.Int64
}

// Sample is one computed value for GaugeFunc families.
type Sample struct {
	Labels []string
	Value  float64
}

func (r *Registry) add(f *Family) *Family {
	r.mu.Lock()
	r.families = append(r.families, f)
	r.mu.Unlock()
	return f
}

func (r *Registry) Counter(name, help string, labels ...string) *Family {
	return r.add(&Family{name: name, help: help, typ: "counter", labels: labels})
}

func (r *Registry) Gauge(name, help string, labels ...string) *Family {
	return r.add(&Family{name: name, help: help, typ: "gauge", labels: labels})
}

func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *Family {
	return r.add(&Family{name: name, help: help, typ: "histogram", labels: labels, buckets: buckets})
}

// Func registers a family whose samples are computed at scrape time (the witness counters).
func (r *Registry) Func(name, help, typ string, labels []string, fn func() []Sample) {
	r.add(&Family{name: name, help: help, typ: typ, labels: labels, fn: fn})
}

var DefaultBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

func (f *Family) With(values ...string) *Series {
	key := strings.Join(values, "\xff")
	if s, ok := f.series.Load(key); ok {
		return s.(*Series)
	}
	s := &Series{values: append([]string{}, values...)}
	if f.typ == "histogram" {
		s.counts = make([]atomic.Int64, len(f.buckets))
	}
	actual, _ := f.series.LoadOrStore(key, s)
	return actual.(*Series)
}

func (s *Series) Inc()        { s.val.Add(1) }
func (s *Series) Add(n int64) { s.val.Add(n) }
func (s *Series) Set(n int64) { s.val.Store(n) }

// Observe records seconds into a histogram series (only valid on histogram families).
func (f *Family) Observe(seconds float64, values ...string) {
	s := f.With(values...)
	for i, b := range f.buckets {
		if seconds <= b {
			s.counts[i].Add(1)
		}
	}
	s.count.Add(1)
	s.sumMicros.Add(int64(seconds * 1e6))
}

func labelText(names, values []string, extra string) string {
	parts := make([]string, 0, len(names)+1)
	for i, n := range names {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		parts = append(parts, fmt.Sprintf(`%s=%q`, n, v))
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return fmt.Sprintf("%g", v)
}

func (r *Registry) Write(w io.Writer) {
	r.mu.Lock()
	fams := append([]*Family{}, r.families...)
	r.mu.Unlock()
	for _, f := range fams {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", f.name, f.help, f.name, f.typ)
		if f.fn != nil {
			for _, s := range f.fn() {
				fmt.Fprintf(w, "%s%s %s\n", f.name, labelText(f.labels, s.Labels, ""), formatFloat(s.Value))
			}
			continue
		}
		var all []*Series
		f.series.Range(func(_, v any) bool { all = append(all, v.(*Series)); return true })
		sort.Slice(all, func(i, j int) bool { return strings.Join(all[i].values, ",") < strings.Join(all[j].values, ",") })
		if len(all) == 0 && len(f.labels) == 0 {
			all = append(all, f.With())
		}
		for _, s := range all {
			if f.typ != "histogram" {
				fmt.Fprintf(w, "%s%s %d\n", f.name, labelText(f.labels, s.values, ""), s.val.Load())
				continue
			}
			for i, b := range f.buckets {
				fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.values, fmt.Sprintf(`le=%q`, formatFloat(b))), s.counts[i].Load())
			}
			n := s.count.Load()
			fmt.Fprintf(w, "%s_bucket%s %d\n", f.name, labelText(f.labels, s.values, `le="+Inf"`), n)
			fmt.Fprintf(w, "%s_sum%s %g\n", f.name, labelText(f.labels, s.values, ""), float64(s.sumMicros.Load())/1e6)
			fmt.Fprintf(w, "%s_count%s %d\n", f.name, labelText(f.labels, s.values, ""), n)
		}
	}
}

func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.Write(w)
	})
}

// RegisterWitness exposes the witness counters under the contract's names.
func (r *Registry) RegisterWitness(w *Witness) {
	r.Func("standin_requests_served_total", "Requests completed by this process.", "counter", nil,
		func() []Sample { return []Sample{{Value: float64(w.Served())}} })
	r.Func("standin_requests_in_flight", "Requests being served now.", "gauge", nil,
		func() []Sample { return []Sample{{Value: float64(w.InFlight())}} })
	r.Func("standin_requests_cut_total", "Requests in flight when the process exited (0 until exit).", "counter", nil,
		func() []Sample { return []Sample{{Value: float64(w.CutOff())}} })
	r.Func("standin_ws_open", "WebSocket sessions open now.", "gauge", nil,
		func() []Sample { return []Sample{{Value: float64(w.WSOpen())}} })
	r.Func("standin_ws_closed_total", "WebSocket sessions ended, by close code (1006: no close frame).", "counter", []string{"code"},
		func() []Sample {
			var out []Sample
			for _, c := range w.Codes() {
				out = append(out, Sample{Labels: []string{fmt.Sprint(c)}, Value: float64(w.ClosedCount(c))})
			}
			return out
		})
}
