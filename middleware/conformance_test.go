package middleware

import (
	"io"
	"log/slog"
	"testing"

	"github.com/esrt-dev/esrt/rt"
	"github.com/esrt-dev/esrt/rt/rttest"
)

func TestConformance(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	tests := []struct {
		name string
		mw   func(t *testing.T) rt.Middleware
	}{
		{"Auth", func(*testing.T) rt.Middleware { return Auth(AuthConfig{APIKey: "id:key"}) }},
		{"Auth/zero", func(*testing.T) rt.Middleware { return Auth(AuthConfig{}) }},
		{"WarnPlaintextCredentials", func(*testing.T) rt.Middleware { return WarnPlaintextCredentials(logger) }},
		{"Gzip", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{}) }},
		{"Gzip/streamed", func(t *testing.T) rt.Middleware { return mustGzip(t, GzipConfig{MaxBuffer: -1}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { rttest.Run(t, tt.mw(t)) })
	}
}
