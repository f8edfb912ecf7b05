package main

import (
	"strings"
	"time"
)

var burnSink uint64

// BurnCPU spins for d of wall time on this goroutine: the per-request CPU cost knob.
func BurnCPU(d time.Duration) {
	if d <= 0 {
		return
	}
	end := time.Now().Add(d)
	x := burnSink | 1
	for {
		for i := 0; i < 256; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		if !time.Now().Before(end) {
			break
		}
	}
	burnSink = x
}

func headerHas(v, token string) bool {
	for _, p := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(p), token) {
			return true
		}
	}
	return false
}
