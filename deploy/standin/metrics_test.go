package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestExpositionCarriesSeedAndWitnessNames(t *testing.T) {
	log := NewEventLog(nil, nil)
	w := NewWitness(log)
	l := NewLifecycle(DrainGraceful, 0, 0, w, log)
	s := NewStandin("upstream", w, l, 0)
	s.httpReqs.With("GET", "200").Inc()
	s.httpDur.Observe(0.003, "GET")
	w.WSOpened()
	w.WSClosed(1001)
	var buf bytes.Buffer
	s.Reg.Write(&buf)
	text := buf.String()
	for _, want := range []string{
		`http_requests_total{method="GET",code="200"} 1`,
		`http_request_duration_seconds_bucket{method="GET",le="0.005"} 1`,
		`http_request_duration_seconds_bucket{method="GET",le="0.001"} 0`,
		`http_request_duration_seconds_count{method="GET"} 1`,
		"active_connections 0",
		"websocket_connections_total 0",
		"standin_requests_served_total 0",
		"standin_requests_cut_total 0",
		`standin_ws_closed_total{code="1001"} 1`,
		"standin_ws_open 0",
		"# TYPE http_request_duration_seconds histogram",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q\n%s", want, text)
		}
	}
}
