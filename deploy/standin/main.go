// Command standin plays one seed system's part at its edges (ports, probes, metrics, drain)
// so the harness can deploy, load and break it where the real image is not at hand.
//
//	standin                      serve the role named by ROLE (or --role)
//	standin sleep N [--term PID] a preStop hook for images with no shell: optionally send
//	                             SIGTERM to PID (the seed's `kill -TERM 1`), then sleep N s
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

type Config struct {
	Role           string
	Bind           string
	Drain          DrainMode
	DrainDelay     time.Duration
	DrainTimeout   time.Duration
	Cost           time.Duration
	Upstream       string
	TLSCert        string
	TLSKey         string
	Backend        string
	Password       string
	RouteCost      time.Duration
	BroadcastEvery time.Duration
	MaxObject      int64
	SeedObjects    string
	// PortOffset shifts every port (several roles on one host: the bench, local runs).
	PortOffset int
}

func (c Config) addr(port int) string { return fmt.Sprintf("%s:%d", c.Bind, port+c.PortOffset) }

var roles = map[string]func(*Standin, Config) error{
	"aenebris-proxy":    runProxy,
	"upstream":          runUpstream,
	"ephemos-echo":      runEphemosEcho,
	"s3-gateway":        runS3Gateway,
	"object-store":      runObjectStore,
	"basebook-backend":  runBasebookBackend,
	"basebook-router":   runBasebookRouter,
	"basebook-frontend": runBasebookFrontend,
	"ebpf-tracer":       runTracer,
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envNum(k string, def float64) (float64, error) {
	v := os.Getenv(k)
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%s=%q: want a non-negative number", k, v)
	}
	return f, nil
}

func loadConfig(args []string) (Config, error) {
	fs := flag.NewFlagSet("standin", flag.ContinueOnError)
	role := fs.String("role", os.Getenv("ROLE"), "role to play (env ROLE)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if _, ok := roles[*role]; !ok {
		return Config{}, fmt.Errorf("ROLE=%q: want one of aenebris-proxy, upstream, ephemos-echo, s3-gateway, object-store, basebook-backend, basebook-router, basebook-frontend, ebpf-tracer", *role)
	}
	mode, err := ParseDrainMode(os.Getenv("DRAIN_MODE"))
	if err != nil {
		return Config{}, err
	}
	c := Config{Role: *role, Drain: mode, Bind: envOr("BIND", ""),
		Upstream: envOr("UPSTREAM_URL", "http://aenebris-upstream:8080"),
		TLSCert:  envOr("TLS_CERT_FILE", "/etc/aenebris/tls/tls.crt"),
		TLSKey:   envOr("TLS_KEY_FILE", "/etc/aenebris/tls/tls.key"),
		Backend:  os.Getenv("BACKEND_ENDPOINT"), Password: os.Getenv("ENCRYPTION_PASSWORD"),
		SeedObjects: os.Getenv("SEED_OBJECTS")}
	nums := []struct {
		env  string
		def  float64
		unit time.Duration
		dst  *time.Duration
	}{
		{"DRAIN_DELAY_S", 5, time.Second, &c.DrainDelay},
		{"DRAIN_TIMEOUT_S", 20, time.Second, &c.DrainTimeout},
		{"CPU_COST_MICROS", 0, time.Microsecond, &c.Cost},
		{"ROUTE_COST_MICROS", 2000, time.Microsecond, &c.RouteCost},
		{"BROADCAST_MS", 1000, time.Millisecond, &c.BroadcastEvery},
	}
	for _, n := range nums {
		f, err := envNum(n.env, n.def)
		if err != nil {
			return Config{}, err
		}
		*n.dst = time.Duration(f * float64(n.unit))
	}
	maxObj, err := envNum("MAX_OBJECT_BYTES", 16<<20)
	if err != nil {
		return Config{}, err
	}
	c.MaxObject = int64(maxObj)
	off, err := envNum("PORT_OFFSET", 0)
	if err != nil || off > 50000 {
		return Config{}, fmt.Errorf("PORT_OFFSET=%q: want 0..50000", os.Getenv("PORT_OFFSET"))
	}
	c.PortOffset = int(off)
	return c, nil
}

// preStop implements `standin sleep N [--term PID]`.
func preStop(args []string) int {
	fs := flag.NewFlagSet("sleep", flag.ContinueOnError)
	term := fs.Int("term", 0, "send SIGTERM to this pid first (the seed's kill -TERM 1)")
	var secs float64
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fmt.Fprintln(os.Stderr, "usage: standin sleep SECONDS [--term PID]")
		return 2
	}
	secs, err := strconv.ParseFloat(rest[0], 64)
	if err != nil || secs < 0 {
		fmt.Fprintf(os.Stderr, "sleep %q: want non-negative seconds\n", rest[0])
		return 2
	}
	if *term > 0 {
		if err := syscall.Kill(*term, syscall.SIGTERM); err != nil {
			fmt.Fprintf(os.Stderr, "kill -TERM %d: %v\n", *term, err)
		}
	}
	time.Sleep(time.Duration(secs * float64(time.Second)))
	return 0
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sleep" {
		os.Exit(preStop(os.Args[2:]))
	}
	cfg, err := loadConfig(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(2)
	}
	host, _ := os.Hostname()
	log := NewEventLog(os.Stdout, map[string]any{"role": cfg.Role, "pod": host})
	w := NewWitness(log)
	l := NewLifecycle(cfg.Drain, cfg.DrainDelay, cfg.DrainTimeout, w, log)
	s := NewStandin(cfg.Role, w, l, cfg.Cost)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	if err := roles[cfg.Role](s, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "standin %s: %v\n", cfg.Role, err)
		os.Exit(1)
	}
	log.Emit("start", map[string]any{"mode": string(cfg.Drain), "cpuCostMicros": cfg.Cost.Microseconds(), "drainDelayS": cfg.DrainDelay.Seconds()})
	for range sigs {
		if exit, ok := l.Terminate(); ok {
			os.Exit(exit.Code)
		}
	}
}
