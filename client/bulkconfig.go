package client

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/esrt-dev/esrt/rt"
)

// BulkIndexerConfig configures a [BulkIndexer]. The zero value is usable
// with items that name their Index: every field's zero value is the
// documented default.
type BulkIndexerConfig struct {
	// Index is the default index: requests go to /{Index}/_bulk, and items
	// without an Index of their own go there. If empty, requests go to
	// /_bulk and every item must name its Index.
	Index string

	// Workers is how many requests are in flight at once, each worker
	// building and sending its own. If zero, 2.
	Workers int

	// FlushBytes is the size of a request's NDJSON body at which a worker
	// sends it. An item that would take a request past it goes into the
	// next one; an item larger than FlushBytes on its own is sent alone.
	// If zero, 5 MiB. Keep it well under the cluster's
	// http.max_content_length (100 MiB by default).
	FlushBytes int

	// FlushCount is the number of items at which a worker sends its
	// request. If zero, 1000.
	FlushCount int

	// FlushInterval is the longest an item waits in a worker's request
	// before the request is sent, however small. If zero, 30 s; if
	// negative, requests are sent only when full, and by Flush and Close.
	FlushInterval time.Duration

	// QueueSize is how many items Add may hand over that no worker has
	// taken yet; when the queue is full, Add waits. If zero, FlushCount or
	// 1000, whichever is smaller.
	QueueSize int

	// MaxRetries is how often an item is sent again after the cluster
	// refused it with a status of RetryOnStatus, or after a request whose
	// outcome is unknown (see [BulkIndexer]). If zero, 5; if negative,
	// items are never sent again for those reasons.
	MaxRetries int

	// RetryOnStatus lists the statuses, of an item or of a whole request,
	// that mean "not applied, try again later". If nil, 429 (Too Many
	// Requests: a full write queue, a circuit breaker, indexing pressure).
	// 503 (unavailable_shards_exception while a primary moves), 507 and
	// 408 are candidates to add. Only 400 to 599 are allowed; an empty,
	// non-nil list retries no status.
	RetryOnStatus []int

	// Backoff returns how long to wait before the retry of items that
	// failed attempt times in a row (counting from 1). If nil, "equal
	// jitter" exponential backoff: a random wait between d/2 and d, where
	// d is MinBackoff·2^(attempt-1), at most MaxBackoff.
	Backoff func(attempt int) time.Duration

	// MinBackoff and MaxBackoff shape the default backoff. If zero, 500 ms
	// and 30 s.
	MinBackoff, MaxBackoff time.Duration

	// Pipeline, if not empty, is the ingest pipeline of every request.
	Pipeline string

	// Refresh, if not empty, is the refresh parameter of every request:
	// "true" or "wait_for" (slow: avoid it for bulk loads).
	Refresh string

	// OnSuccess and OnFailure are called for the items that carry no
	// callback of their own (see [BulkItem]). If nil, nothing is called.
	OnSuccess func(ctx context.Context, item BulkItem, res BulkResult)
	OnFailure func(ctx context.Context, item BulkItem, res BulkResult, err error)

	// OnError, if not nil, is called for every request that failed as a
	// whole: the cluster could not be reached, the request's outcome is
	// unknown, or it was answered with an error status. Its items are
	// retried or failed as [BulkIndexer] describes.
	OnError func(ctx context.Context, err error)
}

// Defaults of BulkIndexerConfig.
const (
	defaultBulkWorkers    = 2
	defaultFlushBytes     = 5 << 20
	defaultFlushCount     = 1000
	defaultFlushInterval  = 30 * time.Second
	defaultQueueSize      = 1000
	defaultBulkRetries    = 5
	defaultBulkMinBackoff = 500 * time.Millisecond
	defaultBulkMaxBackoff = 30 * time.Second
)

// bulkSettings is a BulkIndexerConfig with its defaults applied.
type bulkSettings struct {
	BulkIndexerConfig
	retryOn [600]bool // by status
	path    string
	query   url.Values
	indices []string
}

// newBulkSettings checks cfg and applies its defaults. Errors are
// [*rt.ConfigError] values naming the field.
func newBulkSettings(cfg BulkIndexerConfig) (*bulkSettings, error) {
	bad := func(field string, format string, args ...any) error {
		return &rt.ConfigError{Field: "BulkIndexerConfig." + field, Err: fmt.Errorf(format, args...)}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{
		{"Workers", int64(cfg.Workers)}, {"FlushBytes", int64(cfg.FlushBytes)},
		{"FlushCount", int64(cfg.FlushCount)}, {"QueueSize", int64(cfg.QueueSize)},
		{"MinBackoff", int64(cfg.MinBackoff)}, {"MaxBackoff", int64(cfg.MaxBackoff)},
	} {
		if f.v < 0 {
			return nil, bad(f.name, "negative value %d", f.v)
		}
	}
	s := &bulkSettings{BulkIndexerConfig: cfg}
	s.Workers = bulkDefault(s.Workers, defaultBulkWorkers)
	s.FlushBytes = bulkDefault(s.FlushBytes, defaultFlushBytes)
	s.FlushCount = bulkDefault(s.FlushCount, defaultFlushCount)
	s.FlushInterval = bulkDefault(s.FlushInterval, defaultFlushInterval)
	s.QueueSize = bulkDefault(s.QueueSize, min(s.FlushCount, defaultQueueSize))
	s.MaxRetries = max(bulkDefault(s.MaxRetries, defaultBulkRetries), 0)
	s.MinBackoff = bulkDefault(s.MinBackoff, defaultBulkMinBackoff)
	s.MaxBackoff = bulkDefault(s.MaxBackoff, defaultBulkMaxBackoff)
	if s.MinBackoff > s.MaxBackoff {
		return nil, bad("MinBackoff", "%v is more than MaxBackoff %v", s.MinBackoff, s.MaxBackoff)
	}
	statuses := cfg.RetryOnStatus
	if statuses == nil {
		statuses = []int{429}
	}
	for i, st := range statuses {
		if st < 400 || st > 599 {
			return nil, bad(fmt.Sprintf("RetryOnStatus[%d]", i), "status %d: only 400 to 599 can be retried", st)
		}
		s.retryOn[st] = true
	}
	s.path = "/_bulk"
	if s.Index != "" {
		s.path = pathOf(seg(s.Index), "_bulk")
		s.indices = []string{s.Index}
	}
	if s.Pipeline != "" || s.Refresh != "" {
		s.query = url.Values{}
		if s.Pipeline != "" {
			s.query.Set("pipeline", s.Pipeline)
		}
		if s.Refresh != "" {
			s.query.Set("refresh", s.Refresh)
		}
	}
	return s, nil
}

func bulkDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// retries reports whether a status means "not applied, try again".
func (s *bulkSettings) retries(status int) bool {
	return status > 0 && status < len(s.retryOn) && s.retryOn[status]
}

// backoff returns the wait before retry round attempt.
func (s *bulkSettings) backoff(attempt int) time.Duration {
	if s.Backoff != nil {
		return s.Backoff(attempt)
	}
	d := s.MaxBackoff
	if shift := attempt - 1; shift < 62 && s.MinBackoff<<shift>>shift == s.MinBackoff {
		d = min(s.MinBackoff<<shift, s.MaxBackoff)
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
