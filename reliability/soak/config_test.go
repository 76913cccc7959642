package soak_test

// This file is the soak's flags.

import (
	"flag"
	"testing"
	"time"
)

var (
	flagDuration = flag.Duration("soak.duration", 3*time.Second, "how long the soak's workers run (1s with -short unless set)")
	flagSeed     = flag.Uint64("soak.seed", 0, "seed of the soak's random choices; 0 picks one (always logged)")
	flagWorkers  = flag.Int("soak.workers", 8, "concurrent workers of the soak")
	flagMaxOps   = flag.Int64("soak.maxops", 2_000_000, "hard cap on the soak's operations")
	flagReport   = flag.String("soak.report", "", "file to write the soak's summary to, as JSON")
)

// soakConfig is a run's settings, from the flags.
type soakConfig struct {
	Duration time.Duration `json:"-"`
	Seed     uint64        `json:"seed"`
	Workers  int           `json:"workers"`
	MaxOps   int64         `json:"max_ops"`
	Report   string        `json:"-"`
}

// configFromFlags reads the flags: -short shortens the default duration
// (not one set on the command line), and seed 0 becomes a random seed.
func configFromFlags(t *testing.T) soakConfig {
	cfg := soakConfig{Duration: *flagDuration, Seed: *flagSeed, Workers: *flagWorkers, MaxOps: *flagMaxOps, Report: *flagReport}
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "soak.duration" })
	if testing.Short() && !set {
		cfg.Duration = time.Second
	}
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Duration <= 0 || cfg.Workers <= 0 || cfg.MaxOps <= 0 {
		t.Fatalf("-soak.duration, -soak.workers and -soak.maxops must be positive, not %v, %d and %d", cfg.Duration, cfg.Workers, cfg.MaxOps)
	}
	return cfg
}
