package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

func TestNewBulkIndexerConfigErrors(t *testing.T) {
	tests := []struct {
		cfg   BulkIndexerConfig
		field string
	}{
		{BulkIndexerConfig{Workers: -1}, "BulkIndexerConfig.Workers"},
		{BulkIndexerConfig{FlushBytes: -1}, "BulkIndexerConfig.FlushBytes"},
		{BulkIndexerConfig{FlushCount: -1}, "BulkIndexerConfig.FlushCount"},
		{BulkIndexerConfig{QueueSize: -1}, "BulkIndexerConfig.QueueSize"},
		{BulkIndexerConfig{MinBackoff: -1}, "BulkIndexerConfig.MinBackoff"},
		{BulkIndexerConfig{MinBackoff: time.Minute}, "BulkIndexerConfig.MinBackoff"}, // above the default MaxBackoff
		{BulkIndexerConfig{RetryOnStatus: []int{429, 200}}, "BulkIndexerConfig.RetryOnStatus[1]"},
		{BulkIndexerConfig{RetryOnStatus: []int{600}}, "BulkIndexerConfig.RetryOnStatus[0]"},
	}
	for _, tt := range tests {
		_, err := NewBulkIndexer(New(&stubBulk{}), tt.cfg)
		var ce *rt.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, rt.ErrInvalidConfig) {
			t.Errorf("%+v: got %v, want a ConfigError for %s", tt.cfg, err, tt.field)
		}
	}
	if _, err := NewBulkIndexer(nil, BulkIndexerConfig{}); err == nil {
		t.Error("NewBulkIndexer(nil, ...) = nil error")
	}
}

func TestBulkIndexerConfigDefaults(t *testing.T) {
	s, err := newBulkSettings(BulkIndexerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{s.Workers, s.FlushBytes, s.FlushCount, s.FlushInterval, s.QueueSize, s.MaxRetries, s.MinBackoff, s.MaxBackoff, s.path}
	want := []any{2, 5 << 20, 1000, 30 * time.Second, 1000, 5, 500 * time.Millisecond, 30 * time.Second, "/_bulk"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("default %d: got %v, want %v", i, got[i], want[i])
		}
	}
	if !s.retries(429) || s.retries(503) || s.retries(0) || s.retries(999) {
		t.Error("default RetryOnStatus is not exactly 429")
	}
	s, err = newBulkSettings(BulkIndexerConfig{FlushCount: 1 << 40})
	if err != nil || s.QueueSize != 1000 {
		t.Errorf("QueueSize %d (%v) for a huge FlushCount, want 1000", s.QueueSize, err)
	}
	s, err = newBulkSettings(BulkIndexerConfig{FlushCount: 10})
	if err != nil || s.QueueSize != 10 {
		t.Errorf("QueueSize %d (%v) for FlushCount 10, want 10", s.QueueSize, err)
	}
	s, err = newBulkSettings(BulkIndexerConfig{Index: "a/b", MaxRetries: -1, RetryOnStatus: []int{}, Pipeline: "p", Refresh: "wait_for"})
	if err != nil {
		t.Fatal(err)
	}
	if s.path != "/a%2Fb/_bulk" || s.MaxRetries != 0 || s.retries(429) || s.query.Encode() != "pipeline=p&refresh=wait_for" {
		t.Errorf("path %s, MaxRetries %d, retries 429: %v, query %s", s.path, s.MaxRetries, s.retries(429), s.query.Encode())
	}
}

func TestBulkDefaultBackoff(t *testing.T) {
	s, err := newBulkSettings(BulkIndexerConfig{MinBackoff: time.Second, MaxBackoff: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		attempt  int
		min, max time.Duration
	}{{1, 500 * time.Millisecond, time.Second}, {2, time.Second, 2 * time.Second}, {4, 4 * time.Second, 8 * time.Second},
		{5, 5 * time.Second, 10 * time.Second}, {64, 5 * time.Second, 10 * time.Second}, {1000, 5 * time.Second, 10 * time.Second}} {
		for range 100 {
			if d := s.backoff(tt.attempt); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %v, want %v to %v", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}

func TestBulkIndexerAddRefusesBadItems(t *testing.T) {
	bi, err := NewBulkIndexer(New(&stubBulk{}), BulkIndexerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer bi.Close(t.Context())
	tests := []struct {
		item BulkItem
		want string
	}{
		{BulkItem{Action: "upsert", Index: "i", Body: "{}"}, "Action must be"},
		{BulkItem{Body: "{}"}, "no Index"},
		{BulkItem{Action: "update", Index: "i", Body: "{}"}, "no ID"},
		{BulkItem{Action: "delete", Index: "i"}, "no ID"},
		{BulkItem{Index: "i"}, "no Body"},
		{BulkItem{Action: "delete", Index: "i", ID: "1", Body: "{}"}, "a delete has no Body"},
		{BulkItem{Index: "i", Body: "{}", RetryOnConflict: 1}, "for updates only"},
		{BulkItem{Action: "update", Index: "i", ID: "1", Body: "{}", RetryOnConflict: -1}, "negative RetryOnConflict"},
		{BulkItem{Index: "i", Body: "{}", IfSeqNo: 3}, "IfSeqNo without IfPrimaryTerm"},
	}
	for _, tt := range tests {
		err := bi.Add(t.Context(), tt.item)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "esrt: bulk: ") {
			t.Errorf("Add(%+v) = %v, want an error with %q", tt.item, err, tt.want)
		}
	}
	if got := bi.Stats().Added; got != 0 {
		t.Errorf("%d bad items added", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := bi.Add(ctx, BulkItem{Index: "i", Body: "{}"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Add with a done context = %v", err)
	}
}
